/*
 * What a guest sees besides its CPU: the state of a partition's devices and
 * their share of the exit path (port I/O, MMIO), registered with core/ by boot/.
 */
#ifndef HV_DEVICES_DEVICES_H
#define HV_DEVICES_DEVICES_H

#include "apic/vioapic.h"
#include "core/device_model.h"
#include "lib/rtc_time.h"

/* The guest's COM1 (a 16550 model); output is flushed to the console per line. */
#define VUART_LINE_MAX 200
#define VUART_RX_MAX   64

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

#define UNBACKED_LOG_MAX 16

/* A partition's devices, under its io_lock. */
struct guest_devices {
	struct vuart uart;
	struct vioapic ioapic;
	struct vrtc rtc;
	struct fw_cfg_state fw_cfg;
	uint64_t unbacked_logged[UNBACKED_LOG_MAX]; /* pages outside RAM and devices accessed */
	unsigned int nr_unbacked_logged;            /* UNBACKED_LOG_MAX + 1: the rest go unsaid */
};

/* Gives p its devices; its local APICs' group (guest_apic_init_partition) comes first. */
void devices_partition_init(struct partition *p);

/* EXIT_IO: IN, OUT, INS, OUTS. */
void devices_io_exit(struct vcpu *v, const struct exit_event *e);

/*
 * EXIT_NESTED_PAGE_FAULT: the xAPIC and I/O APIC pages; the hypercall page's
 * writes (#GP); anything else outside RAM reads all ones and drops writes,
 * said once per page, or ends the guest with unbacked=crash.
 */
void devices_npf_exit(struct vcpu *v, const struct exit_event *e);

extern const struct device_model guest_device_model;

#endif
