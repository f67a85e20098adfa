/*
 * The Hyper-V state a partition and a vCPU carry (embedded in struct
 * partition and struct vcpu); synic/hv.h has what works on it.
 */
#ifndef HV_SYNIC_HV_STATE_H
#define HV_SYNIC_HV_STATE_H

#include "loader/guest_config.h"
#include "lib/spinlock.h"
#include "synic/stimer.h"
#include "synic/synic.h"
#include "synic/vmbus.h"

/* A page of the hypervisor's that the guest sees over one of its RAM pages, read-only. */
struct hv_overlay {
	union hv_page_msr msr;   /* the guest's MSR: enable and page number */
	paddr_t page;            /* the hypervisor's page shown there */
};

/* The partition's reference time: ((TSC * scale) >> 64) + offset, in 100 ns (TLFS 12.6-12.7). */
struct hv_ref_clock {
	uint64_t scale;
	int64_t offset;
	bool tsc_reliable;       /* invariant TSC: the TSC page may be used */
	uint64_t last;           /* the highest TIME_REF_COUNT read: reads never go back */
};

struct hv_partition {
	struct spinlock lock;          /* GUEST_OS_ID and the overlay MSRs */
	uint64_t guest_os_id;
	uint64_t crash[5];             /* HV_X64_MSR_CRASH_P0-P4 (synic/hv_crash.c) */
	struct hv_overlay hypercall;
	struct hv_overlay tsc_page;
	struct hv_ref_clock clock;
	uint32_t hints;                /* CPUID 0x40000004.EAX, decided when the partition is made */
	uint32_t privileges;           /* CPUID 0x40000003.EBX: the hypercalls it may make */
	uint32_t auto_eoi_users;       /* vCPUs with an auto-EOI SINT (apic-policy=kvm) */
	/* Message buffers in use per connection (config.conns), under the target SynIC's lock */
	uint32_t conn_buffers[GUEST_MAX_CONNECTIONS];
	bool vmbus_host;               /* the hypervisor answers its VMBus control channel */
	struct vmbus_state vmbus;      /* under lock */
	uint32_t vmbus_buffers;        /* the control channel's replies queued */
};

struct hv_vcpu {
	struct synic synic;
	struct synic_queue queues[HV_SINT_COUNT];
	struct stimers stimers;
	uint64_t stimer_tsc;           /* the TSC when the earliest synthetic timer is due, 0: none */
	union hv_page_msr vp_assist;   /* HV_X64_MSR_VP_ASSIST_PAGE (synic/hv_apic.c) */
};

#endif
