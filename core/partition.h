/* A partition: one guest, its memory, its vCPUs, its console. */
#ifndef HV_CORE_PARTITION_H
#define HV_CORE_PARTITION_H

#include "boot/mb2.h"
#include "core/guest_config.h"
#include "core/rtc_time.h"
#include "core/spinlock.h"
#include "apic/vioapic.h"
#include "core/vcpu.h"

#define MAX_PARTITIONS     16
#define VUART_LINE_MAX     200
#define MSR_LOG_ONCE_MAX   32
#define GUEST_CRASH_EXIT_CODE  255 /* triple fault, access outside its memory, ... */
#define GUEST_HALTED_EXIT_CODE 254 /* every vCPU halted with nothing to wake it */
#define GUEST_RESET_EXIT_CODE  253 /* the guest asked for a reset (keyboard controller, 0xcf9) */

enum partition_state {
	PARTITION_RUNNING,
	PARTITION_ENDED,
};

/* The guest's COM1 (a 16550 model); output is flushed to the console per line. */
#define VUART_RX_MAX 64

struct vuart {
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	bool thre_pending;       /* the THR-empty interrupt, until IIR reports it or THR is written */
	char line[VUART_LINE_MAX];
	unsigned int len;
	bool continued;          /* the console has the line's start already (vuart_flush_unfinished) */
	char rx[VUART_RX_MAX];   /* what the console typed for the guest, oldest first */
	unsigned int rx_head, rx_count;
	unsigned int rx_dropped; /* typed while the buffer was full */
};

struct fw_cfg_state {
	uint16_t selector;
	uint32_t offset;
};

struct partition {
	unsigned int id;
	char name[GUEST_NAME_MAX + 1];
	struct guest_config config;
	paddr_t mem_hpa;        /* guest-physical 0, backed contiguously */
	uint64_t mem_size;
	void *mem;              /* the hypervisor's mapping of mem_hpa */
	paddr_t nested_root;    /* NPT/EPT root */
	bool apic_accelerated;  /* the CPU can deliver its interrupts (APICv, AVIC): partition_init */
	void *arch;             /* the backend's partition state (AVIC tables) */
	paddr_t apic_page;      /* APICv/AVIC: the page mapped at the APIC base, this partition's own */
	struct vcpu *vcpus[GUEST_MAX_CPUS];
	unsigned int nr_vcpus;
	struct vlapic *apics[GUEST_MAX_CPUS];
	struct vlapic_group apic_group;
	struct hv_partition hv;
	volatile enum partition_state state;
	volatile bool paused;   /* its vCPUs wait out of the guest (the debug shell) */
	uint32_t exit_code;

	struct spinlock io_lock; /* the devices below, shared by the vCPUs */
	struct vuart uart;
	struct vioapic ioapic;
	struct vrtc rtc;
	struct fw_cfg_state fw_cfg;
	uint32_t msrs_logged[MSR_LOG_ONCE_MAX];
	unsigned int nr_msrs_logged;  /* MSR_LOG_ONCE_MAX + 1: the rest go unsaid */
	bool host_fault_logged;       /* core/host_fault.c has spoken */
};

extern struct partition *partitions[MAX_PARTITIONS];
extern unsigned int nr_partitions;

/* Creates a partition per guest module; refused ones are reported and skipped. */
void partitions_create(const struct boot_info *bi);

/* Ends the partition: its vCPUs stop, the console says why (NULL: a normal exit). */
void partition_end(struct partition *p, uint32_t code, const char *why);

/* Ends the partition when none of its vCPUs can run any more. */
void partition_vcpu_parked(struct partition *p);

/* The console prefix for this guest's lines ("" when only one guest runs). */
const char *partition_console_prefix(const struct partition *p);

#endif
