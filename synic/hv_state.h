/*
 * The Hyper-V state a partition and a vCPU carry (embedded in struct
 * partition and struct vcpu); synic/hv.h has what works on it.
 */
#ifndef HV_SYNIC_HV_STATE_H
#define HV_SYNIC_HV_STATE_H

#include "core/spinlock.h"
#include "synic/synic.h"

struct hv_partition {
	struct spinlock lock;          /* GUEST_OS_ID and HYPERCALL writes */
	uint64_t guest_os_id;
	union hv_page_msr hypercall;
	paddr_t hypercall_page;        /* the hypervisor's page the guest sees at the hypercall GPA */
	uint32_t hints;                /* CPUID 0x40000004.EAX, decided when the partition is made */
};

struct hv_vcpu {
	struct synic synic;
};

#endif
