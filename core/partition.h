/* A partition: one guest, its memory, its vCPUs, its console. */
#ifndef HV_CORE_PARTITION_H
#define HV_CORE_PARTITION_H

#include "loader/guest_config.h"
#include "lib/spinlock.h"
#include "apic/vlapic.h"
#include "core/vcpu.h"

#define MAX_PARTITIONS     16
#define MSR_LOG_ONCE_MAX   32
#define GUEST_CRASH_EXIT_CODE  255 /* triple fault, access outside its memory, ... */
#define GUEST_HALTED_EXIT_CODE 254 /* every vCPU halted with nothing to wake it */
#define GUEST_RESET_EXIT_CODE  253 /* the guest asked for a reset (keyboard controller, 0xcf9) */

struct hv_partition;
struct guest_devices;

enum partition_state {
	PARTITION_RUNNING,
	PARTITION_ENDED,
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
	struct hv_partition *hv; /* the Hyper-V interface (synic/hv_state.h) */
	volatile enum partition_state state;
	volatile bool paused;   /* its vCPUs wait out of the guest (the debug shell) */
	uint32_t exit_code;

	struct spinlock io_lock; /* the devices and the MSR log below, shared by the vCPUs */
	struct guest_devices *devices; /* what it sees besides its CPU (devices/devices.h) */
	uint32_t msrs_logged[MSR_LOG_ONCE_MAX];
	unsigned int nr_msrs_logged;  /* MSR_LOG_ONCE_MAX + 1: the rest go unsaid */
	bool host_fault_logged;       /* cpumodel/host_fault.c has spoken */
};

extern struct partition *partitions[MAX_PARTITIONS];
extern unsigned int nr_partitions;

/*
 * Making a partition (boot/guests.c puts the layers together): why cfg
 * cannot have one (its name is taken, too few CPUs are free) or NULL; a
 * fresh one, its local APICs' group set up (NULL: MAX_PARTITIONS exist);
 * its RAM, zeroed, with a guard frame after it (host/integrity.c); a vCPU on
 * the next free CPU with its local APIC (NULL: no memory for it); then it
 * starts, or is discarded (its RAM freed) when something failed.
 */
const char *partition_refuses(const struct guest_config *cfg);
struct partition *partition_new(const struct guest_config *cfg);
const char *partition_alloc_memory(struct partition *p);
struct vcpu *partition_add_vcpu(struct partition *p);
void partition_start(struct partition *p);
void partition_discard(struct partition *p);

/* Ends the partition: its vCPUs stop, the console says why (NULL: a normal exit). */
void partition_end(struct partition *p, uint32_t code, const char *why);
/* The guest named name, or NULL. */
struct partition *partition_find(const char *name);

/* Ends the partition when none of its vCPUs can run any more. */
void partition_vcpu_parked(struct partition *p);

/* The console prefix for this guest's lines ("" when only one guest runs). */
const char *partition_console_prefix(const struct partition *p);

#endif
