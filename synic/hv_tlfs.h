/*
 * The Hyper-V interface as the Top Level Functional Specification (TLFS)
 * defines it: CPUID bits, synthetic MSRs, register layouts, the message page,
 * hypercall codes and status values. Numbers only; no behaviour.
 *
 * Two TLFS errata are followed as every implementation does: the message
 * header is {u32 type, u8 payload size, u8 flags, u16 reserved, u64 origin}
 * (the PDFs print another order), and HV_STATUS_INSUFFICIENT_BUFFERS is 0x13
 * (TLFS 5.0C/6.0b print 0x33).
 */
#ifndef HV_SYNIC_HV_TLFS_H
#define HV_SYNIC_HV_TLFS_H

#include "lib/types.h"

/* CPUID leaves (TLFS "Feature and Interface Discovery") */
#define HV_CPUID_VENDOR            0x40000000
#define HV_CPUID_INTERFACE         0x40000001
#define HV_CPUID_VERSION           0x40000002
#define HV_CPUID_FEATURES          0x40000003
#define HV_CPUID_RECOMMENDATIONS   0x40000004
#define HV_CPUID_LIMITS            0x40000005
#define HV_CPUID_HW_FEATURES       0x40000006
#define HV_INTERFACE_SIGNATURE     0x31237648 /* "Hv#1" */

/* 0x40000003.EAX: partition privileges 31:0 */
#define HV_PRIV_ACCESS_REF_COUNTER     BIT(1)
#define HV_PRIV_ACCESS_SYNIC_REGS      BIT(2)
#define HV_PRIV_ACCESS_STIMER_REGS     BIT(3)
#define HV_PRIV_ACCESS_APIC_MSRS       BIT(4)
#define HV_PRIV_ACCESS_HYPERCALL_MSRS  BIT(5)
#define HV_PRIV_ACCESS_VP_INDEX        BIT(6)
#define HV_PRIV_ACCESS_REF_TSC         BIT(9)
#define HV_PRIV_ACCESS_FREQUENCY_REGS  BIT(11)
/* 0x40000003.EBX: partition privileges 63:32 */
#define HV_PRIV_POST_MESSAGES          BIT(4)
#define HV_PRIV_SIGNAL_EVENTS          BIT(5)
/* 0x40000003.EDX: features */
#define HV_FEATURE_FREQUENCY_MSRS      BIT(8)
#define HV_FEATURE_GUEST_CRASH_MSRS    BIT(10)
#define HV_FEATURE_SINT_POLLING        BIT(17)
#define HV_FEATURE_DIRECT_STIMERS      BIT(19)
/* 0x40000004.EAX: recommendations */
#define HV_HINT_APIC_ACCESS            BIT(3)  /* the EOI/ICR/TPR MSRs, with APIC assist */
#define HV_HINT_DEPRECATING_AUTO_EOI   BIT(9)
/* 0x40000006.EAX: hardware features in use */
#define HV_HW_MSR_BITMAPS              BIT(1)
#define HV_HW_SLAT                     BIT(3)

/* Synthetic MSRs (TLFS appendix "Hypervisor Synthetic MSRs") */
enum hv_msr {
	HV_MSR_GUEST_OS_ID     = 0x40000000,
	HV_MSR_HYPERCALL       = 0x40000001,
	HV_MSR_VP_INDEX        = 0x40000002,
	HV_MSR_TIME_REF_COUNT  = 0x40000020,
	HV_MSR_REFERENCE_TSC   = 0x40000021,
	HV_MSR_TSC_FREQUENCY   = 0x40000022,
	HV_MSR_APIC_FREQUENCY  = 0x40000023,
	HV_MSR_EOI             = 0x40000070,
	HV_MSR_ICR             = 0x40000071,
	HV_MSR_TPR             = 0x40000072,
	HV_MSR_VP_ASSIST_PAGE  = 0x40000073,
	HV_MSR_CRASH_P0        = 0x40000100,
	HV_MSR_CRASH_CTL       = 0x40000105,
	HV_MSR_SCONTROL        = 0x40000080,
	HV_MSR_SVERSION        = 0x40000081,
	HV_MSR_SIEFP           = 0x40000082,
	HV_MSR_SIMP            = 0x40000083,
	HV_MSR_EOM             = 0x40000084,
	HV_MSR_SINT0           = 0x40000090,
	HV_MSR_SINT15          = 0x4000009f,
};

#define HV_SYNIC_VERSION       1
#define HV_SINT_COUNT          16

/* An overlay page MSR (SIMP, SIEFP, HYPERCALL, VP assist): enable bit and page number. */
union hv_page_msr {
	uint64_t raw;
	struct {
		uint64_t enable : 1;
		uint64_t locked : 1;  /* HYPERCALL only; RsvdP elsewhere */
		uint64_t reserved : 10;
		uint64_t pfn : 52;
	};
};
_Static_assert(sizeof(union hv_page_msr) == 8, "overlay page MSR");

/* The VP assist page (TLFS, "Virtual Processor Assist Page"): only its first word is used. */
struct hv_vp_assist_page {
	uint32_t apic_assist;      /* 0x000: HV_APIC_ASSIST_NO_EOI */
	uint32_t reserved;         /* 0x004 */
	uint8_t others[4088];      /* 0x008: VTL control, nested enlightenments: not offered */
};
_Static_assert(sizeof(struct hv_vp_assist_page) == 4096, "VP assist page");
#define HV_APIC_ASSIST_NO_EOI BIT(0)

/* SINTx (TLFS 11.8.4) */
union hv_sint {
	uint64_t raw;
	struct {
		uint64_t vector : 8;
		uint64_t reserved1 : 8;
		uint64_t masked : 1;
		uint64_t auto_eoi : 1;
		uint64_t polling : 1;
		uint64_t reserved2 : 45;
	};
};
_Static_assert(sizeof(union hv_sint) == 8, "SINT register");
#define HV_SINT_RESET 0x10000ULL /* masked, vector 0 */

/* A slot of the message page (TLFS 11.9, datatypes/hv_message) */
#define HV_MESSAGE_SIZE         256
#define HV_MESSAGE_PAYLOAD_MAX  240
#define HV_MESSAGE_FLAG_PENDING BIT(0)

enum hv_message_type {
	HV_MESSAGE_NONE          = 0,
	HV_MESSAGE_HYPERVISOR    = 0x80000000u, /* types with this bit are the hypervisor's */
	HV_MESSAGE_TIMER_EXPIRED = 0x80000010u,
};

struct hv_message {
	uint32_t type;           /* 0: the slot is free */
	uint8_t payload_size;
	uint8_t flags;           /* HV_MESSAGE_FLAG_PENDING */
	uint16_t reserved;
	uint64_t origin;         /* the sender's connection/port id, 0 from the hypervisor */
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SIZE, "message slot");
_Static_assert(__builtin_offsetof(struct hv_message, payload_size) == 4, "payload size at 4");
_Static_assert(__builtin_offsetof(struct hv_message, flags) == 5, "flags at 5");
_Static_assert(__builtin_offsetof(struct hv_message, payload) == 16, "payload at 16");

/* The event-flags page: 16 areas of 2048 flags, flag n = byte n/8, bit n%8. */
#define HV_EVENT_FLAGS_PER_SINT 2048
#define HV_EVENT_AREA_BYTES     (HV_EVENT_FLAGS_PER_SINT / 8)
_Static_assert(HV_SINT_COUNT * HV_EVENT_AREA_BYTES == PAGE_SIZE, "event-flags page");

/* Synthetic timers (TLFS 12.3): STIMERn_CONFIG = 0x400000b0 + 2n, STIMERn_COUNT = + 1 */
#define HV_MSR_STIMER0_CONFIG  0x400000b0
#define HV_MSR_STIMER3_COUNT   0x400000b7
#define HV_STIMER_COUNT        4

union hv_stimer_config {
	uint64_t raw;
	struct {
		uint64_t enable : 1;
		uint64_t periodic : 1;
		uint64_t lazy : 1;
		uint64_t auto_enable : 1;
		uint64_t apic_vector : 8;
		uint64_t direct_mode : 1;
		uint64_t reserved1 : 3;   /* RsvdZ */
		uint64_t sintx : 4;
		uint64_t reserved2 : 44;  /* RsvdZ */
	};
};
_Static_assert(sizeof(union hv_stimer_config) == 8, "STIMER config");
#define HV_STIMER_CONFIG_RSVDZ 0xfffffffffff0e000ULL

/* The payload of a timer-expired message (TLFS 12.3.4) */
struct hv_timer_message_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time; /* when it was due, in reference time */
	uint64_t delivery_time;   /* when it went into the slot */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "timer message payload");

/* The hypercall input value (TLFS 3.7) */
union hv_hypercall_input {
	uint64_t raw;
	struct {
		uint64_t code : 16;
		uint64_t fast : 1;
		uint64_t var_header_size : 10;
		uint64_t reserved1 : 4;   /* 30:27 RsvdZ; 31 "nested", also refused here */
		uint64_t nested : 1;
		uint64_t rep_count : 12;
		uint64_t reserved2 : 4;
		uint64_t rep_start : 12;
		uint64_t reserved3 : 4;
	};
};
_Static_assert(sizeof(union hv_hypercall_input) == 8, "hypercall input value");

enum hv_call_code {
	HV_CALL_FLUSH_SPACE     = 0x0002, /* HvCallFlushVirtualAddressSpace */
	HV_CALL_FLUSH_LIST      = 0x0003, /* HvCallFlushVirtualAddressList (rep) */
	HV_CALL_FLUSH_SPACE_EX  = 0x0013, /* HvCallFlushVirtualAddressSpaceEx */
	HV_CALL_FLUSH_LIST_EX   = 0x0014, /* HvCallFlushVirtualAddressListEx (rep) */
	HV_CALL_SEND_IPI     = 0x000b, /* HvCallSendSyntheticClusterIpi */
	HV_CALL_SEND_IPI_EX  = 0x0015, /* HvCallSendSyntheticClusterIpiEx */
	HV_CALL_POST_MESSAGE = 0x005c,
	HV_CALL_SIGNAL_EVENT = 0x005d,
};

/* 0x40000004.EAX recommendations that also allow calls (TLFS 2.4.5, as KVM enforces them) */
#define HV_HINT_REMOTE_TLB_FLUSH   BIT(2)
#define HV_HINT_CLUSTER_IPI        BIT(10)
#define HV_HINT_EX_PROCESSOR_MASKS BIT(11)

/* HvCallSendSyntheticClusterIpi's input (TLFS 10.5.2): 16 bytes, so also fast */
struct hv_send_ipi_input {
	uint32_t vector;
	uint32_t reserved;
	uint64_t cpu_mask;  /* VP indexes 0-63 */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_send_ipi_input) == 16, "HvCallSendSyntheticClusterIpi input");

/*
 * HvCallSendSyntheticClusterIpiEx's fixed input (TLFS 10.5.3): the vector,
 * then an HV_VP_SET (7.8.7.6): its format, the mask of the 64-VP banks it
 * holds, then those banks' masks, the variable header (one 8-byte unit each).
 */
struct hv_send_ipi_ex_input {
	uint32_t vector;
	uint32_t reserved;
	uint64_t format;
	uint64_t valid_bank_mask;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_send_ipi_ex_input) == 24, "HvCallSendSyntheticClusterIpiEx input");
/*
 * The flush calls' fixed input (TLFS 7.8.7.1-7.8.7.4): the address space
 * (a CR3) and flags, then a 64-VP mask, or in the Ex forms an HV_VP_SET's
 * format and bank mask (its banks the variable header); the List forms'
 * repetitions are the GVA ranges, 8 bytes each.
 */
struct hv_flush_input {
	uint64_t address_space;
	uint64_t flags;
	uint64_t processor_mask;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_flush_input) == 24, "HvCallFlushVirtualAddressSpace input");

struct hv_flush_ex_input {
	uint64_t address_space;
	uint64_t flags;
	uint64_t format;
	uint64_t valid_bank_mask;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_flush_ex_input) == 32, "HvCallFlushVirtualAddressSpaceEx input");
#define HV_FLUSH_ALL_PROCESSORS BIT(0)
#define HV_FLUSH_REP_SIZE       8

#define HV_VP_SET_SPARSE_4K 0
#define HV_VP_SET_ALL       1
#define HV_IPI_LOW_VECTOR   0x10

/* HvPostMessage's input (TLFS 11.10.1) */
struct hv_post_message_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;
	uint32_t payload_size;
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_post_message_input) == 256, "HvPostMessage input");

/* HvSignalEvent's input (TLFS 11.10.2): 8 bytes, so it also comes in RDX (fast) */
union hv_signal_event_input {
	uint64_t raw;
	struct {
		uint32_t connection_id;
		uint16_t flag_number;
		uint16_t reserved;
	};
};
_Static_assert(sizeof(union hv_signal_event_input) == 8, "HvSignalEvent input");

#define HV_CONNECTION_ID_MASK 0x00ffffffu

/* HV_STATUS (TLFS appendix B) */
enum hv_status {
	HV_STATUS_SUCCESS                 = 0x0000,
	HV_STATUS_INVALID_HYPERCALL_CODE  = 0x0002,
	HV_STATUS_INVALID_HYPERCALL_INPUT = 0x0003,
	HV_STATUS_INVALID_ALIGNMENT       = 0x0004,
	HV_STATUS_INVALID_PARAMETER       = 0x0005,
	HV_STATUS_ACCESS_DENIED           = 0x0006,
	HV_STATUS_INVALID_CONNECTION_ID   = 0x0012,
	HV_STATUS_INSUFFICIENT_BUFFERS    = 0x0013,
	HV_STATUS_INVALID_SYNIC_STATE     = 0x0018,
};

#endif
