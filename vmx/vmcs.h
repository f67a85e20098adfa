/*
 * The VMCS (Intel SDM vol. 3, chapter 24 and appendix B): the field
 * encodings this backend uses, the control bits, the exit reasons, and the
 * VMREAD/VMWRITE helpers.
 */
#ifndef HV_VMX_VMCS_H
#define HV_VMX_VMCS_H

#include "lib/types.h"

/* SDM appendix B: encodings (width in bits 14:13, type in 11:10) */
enum vmcs_field {
	/* 16-bit control, guest state, host state (B.1) */
	VMCS_VPID                   = 0x0000,
	VMCS_PI_NOTIFY_VECTOR       = 0x0002,
	VMCS_GUEST_ES_SEL           = 0x0800,
	VMCS_GUEST_CS_SEL           = 0x0802,
	VMCS_GUEST_SS_SEL           = 0x0804,
	VMCS_GUEST_DS_SEL           = 0x0806,
	VMCS_GUEST_FS_SEL           = 0x0808,
	VMCS_GUEST_GS_SEL           = 0x080a,
	VMCS_GUEST_LDTR_SEL         = 0x080c,
	VMCS_GUEST_TR_SEL           = 0x080e,
	VMCS_GUEST_INTR_STATUS      = 0x0810, /* RVI in 7:0, SVI in 15:8 */
	VMCS_HOST_ES_SEL            = 0x0c00,
	VMCS_HOST_CS_SEL            = 0x0c02,
	VMCS_HOST_SS_SEL            = 0x0c04,
	VMCS_HOST_DS_SEL            = 0x0c06,
	VMCS_HOST_FS_SEL            = 0x0c08,
	VMCS_HOST_GS_SEL            = 0x0c0a,
	VMCS_HOST_TR_SEL            = 0x0c0c,

	/* 64-bit (B.2) */
	VMCS_MSR_BITMAP             = 0x2004,
	VMCS_TSC_OFFSET             = 0x2010,
	VMCS_VIRTUAL_APIC_ADDR      = 0x2012,
	VMCS_APIC_ACCESS_ADDR       = 0x2014,
	VMCS_PI_DESC_ADDR           = 0x2016,
	VMCS_EPT_POINTER            = 0x201a,
	VMCS_EOI_EXIT_BITMAP0       = 0x201c, /* 0..3 at +2 each */
	VMCS_XSS_EXIT_BITMAP        = 0x202c,
	VMCS_GUEST_PHYSICAL_ADDRESS = 0x2400,
	VMCS_LINK_POINTER           = 0x2800,
	VMCS_GUEST_DEBUGCTL         = 0x2802,
	VMCS_GUEST_PAT              = 0x2804,
	VMCS_GUEST_EFER             = 0x2806,
	VMCS_GUEST_PDPTE0           = 0x280a, /* 0..3 at +2 each */
	VMCS_HOST_PAT               = 0x2c00,
	VMCS_HOST_EFER              = 0x2c02,

	/* 32-bit (B.3) */
	VMCS_PIN_CONTROLS           = 0x4000,
	VMCS_PROC_CONTROLS          = 0x4002,
	VMCS_EXCEPTION_BITMAP       = 0x4004,
	VMCS_PF_ERROR_MASK          = 0x4006,
	VMCS_PF_ERROR_MATCH         = 0x4008,
	VMCS_CR3_TARGET_COUNT       = 0x400a,
	VMCS_EXIT_CONTROLS          = 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT   = 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT    = 0x4010,
	VMCS_ENTRY_CONTROLS         = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT   = 0x4014,
	VMCS_ENTRY_INTR_INFO        = 0x4016,
	VMCS_ENTRY_EXCEPTION_ERROR  = 0x4018,
	VMCS_ENTRY_INSN_LENGTH      = 0x401a,
	VMCS_TPR_THRESHOLD          = 0x401c,
	VMCS_PROC_CONTROLS2         = 0x401e,
	VMCS_INSN_ERROR             = 0x4400,
	VMCS_EXIT_REASON            = 0x4402,
	VMCS_EXIT_INTR_INFO         = 0x4404,
	VMCS_EXIT_INTR_ERROR        = 0x4406,
	VMCS_IDT_VECTORING_INFO     = 0x4408,
	VMCS_IDT_VECTORING_ERROR    = 0x440a,
	VMCS_EXIT_INSN_LENGTH       = 0x440c,
	VMCS_EXIT_INSN_INFO         = 0x440e,
	VMCS_GUEST_ES_LIMIT         = 0x4800, /* ES..GS, LDTR, TR: +2 each */
	VMCS_GUEST_CS_LIMIT         = 0x4802,
	VMCS_GUEST_SS_LIMIT         = 0x4804,
	VMCS_GUEST_DS_LIMIT         = 0x4806,
	VMCS_GUEST_FS_LIMIT         = 0x4808,
	VMCS_GUEST_GS_LIMIT         = 0x480a,
	VMCS_GUEST_LDTR_LIMIT       = 0x480c,
	VMCS_GUEST_TR_LIMIT         = 0x480e,
	VMCS_GUEST_GDTR_LIMIT       = 0x4810,
	VMCS_GUEST_IDTR_LIMIT       = 0x4812,
	VMCS_GUEST_ES_AR            = 0x4814, /* ES..GS, LDTR, TR: +2 each */
	VMCS_GUEST_CS_AR            = 0x4816,
	VMCS_GUEST_SS_AR            = 0x4818,
	VMCS_GUEST_DS_AR            = 0x481a,
	VMCS_GUEST_FS_AR            = 0x481c,
	VMCS_GUEST_GS_AR            = 0x481e,
	VMCS_GUEST_LDTR_AR          = 0x4820,
	VMCS_GUEST_TR_AR            = 0x4822,
	VMCS_GUEST_INTERRUPTIBILITY = 0x4824,
	VMCS_GUEST_ACTIVITY_STATE   = 0x4826,
	VMCS_GUEST_SYSENTER_CS      = 0x482a,
	VMCS_HOST_SYSENTER_CS       = 0x4c00,

	/* natural width (B.4) */
	VMCS_CR0_GUEST_HOST_MASK    = 0x6000,
	VMCS_CR4_GUEST_HOST_MASK    = 0x6002,
	VMCS_CR0_READ_SHADOW        = 0x6004,
	VMCS_CR4_READ_SHADOW        = 0x6006,
	VMCS_EXIT_QUALIFICATION     = 0x6400,
	VMCS_GUEST_LINEAR_ADDRESS   = 0x640a,
	VMCS_GUEST_CR0              = 0x6800,
	VMCS_GUEST_CR3              = 0x6802,
	VMCS_GUEST_CR4              = 0x6804,
	VMCS_GUEST_ES_BASE          = 0x6806, /* ES..GS, LDTR, TR: +2 each */
	VMCS_GUEST_CS_BASE          = 0x6808,
	VMCS_GUEST_SS_BASE          = 0x680a,
	VMCS_GUEST_DS_BASE          = 0x680c,
	VMCS_GUEST_FS_BASE          = 0x680e,
	VMCS_GUEST_GS_BASE          = 0x6810,
	VMCS_GUEST_LDTR_BASE        = 0x6812,
	VMCS_GUEST_TR_BASE          = 0x6814,
	VMCS_GUEST_GDTR_BASE        = 0x6816,
	VMCS_GUEST_IDTR_BASE        = 0x6818,
	VMCS_GUEST_DR7              = 0x681a,
	VMCS_GUEST_RSP              = 0x681c,
	VMCS_GUEST_RIP              = 0x681e,
	VMCS_GUEST_RFLAGS           = 0x6820,
	VMCS_GUEST_PENDING_DBG      = 0x6822,
	VMCS_GUEST_SYSENTER_ESP     = 0x6824,
	VMCS_GUEST_SYSENTER_EIP     = 0x6826,
	VMCS_HOST_CR0               = 0x6c00,
	VMCS_HOST_CR3               = 0x6c02,
	VMCS_HOST_CR4               = 0x6c04,
	VMCS_HOST_FS_BASE           = 0x6c06,
	VMCS_HOST_GS_BASE           = 0x6c08,
	VMCS_HOST_TR_BASE           = 0x6c0a,
	VMCS_HOST_GDTR_BASE         = 0x6c0c,
	VMCS_HOST_IDTR_BASE         = 0x6c0e,
	VMCS_HOST_SYSENTER_ESP      = 0x6c10,
	VMCS_HOST_SYSENTER_EIP      = 0x6c12,
	VMCS_HOST_RSP               = 0x6c14, /* written by vmx_entry.S */
	VMCS_HOST_RIP               = 0x6c16,
};

/* Capability MSRs (SDM appendix A) */
#define MSR_VMX_EXIT_CTLS        0x483
#define MSR_VMX_ENTRY_CTLS       0x484
#define MSR_VMX_CR0_FIXED0       0x486
#define MSR_VMX_CR0_FIXED1       0x487
#define MSR_VMX_CR4_FIXED0       0x488
#define MSR_VMX_CR4_FIXED1       0x489
#define MSR_VMX_TRUE_EXIT_CTLS   0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS  0x490
#define VMX_BASIC_REVISION_MASK  0x7fffffffUL
#define VMX_BASIC_TRUE_CTLS      BIT(55)
#define EPT_CAP_INVEPT_ALL       BIT(26)
#define VPID_CAP_INVVPID_ALL     BIT(42)

/* Pin-based controls (24.6.1) */
#define PIN_EXT_INTR_EXITING     BIT(0)
#define PIN_NMI_EXITING          BIT(3)
#define PIN_VIRTUAL_NMIS         BIT(5)
#define PIN_POSTED_INTR          BIT(7)

/* Primary processor-based controls (24.6.2, table 24-6) */
#define PROC_INTR_WINDOW_EXITING BIT(2)
#define PROC_USE_TSC_OFFSETTING  BIT(3)
#define PROC_HLT_EXITING         BIT(7)
#define PROC_NMI_WINDOW_EXITING  BIT(22)
#define PROC_MWAIT_EXITING       BIT(10)
#define PROC_UNCOND_IO_EXITING   BIT(24)
#define PROC_CR8_LOAD_EXITING    BIT(19)
#define PROC_CR8_STORE_EXITING   BIT(20)
#define PROC_USE_TPR_SHADOW      BIT(21)
#define PROC_MOV_DR_EXITING      BIT(23)
#define PROC_MONITOR_TRAP_FLAG   BIT(27)
#define PROC_USE_MSR_BITMAPS     BIT(28)
#define PROC_MONITOR_EXITING     BIT(29)
#define PROC_ACTIVATE_SECONDARY  BIT(31)

/* Secondary processor-based controls (table 24-7) */
#define PROC2_VIRT_APIC_ACCESS   BIT(0)
#define PROC2_VIRT_X2APIC        BIT(4)
#define PROC2_ENABLE_EPT         BIT(1)
#define PROC2_ENABLE_RDTSCP      BIT(3)
#define PROC2_ENABLE_VPID        BIT(5)
#define PROC2_UNRESTRICTED_GUEST BIT(7)
#define PROC2_APIC_REG_VIRT      BIT(8)
#define PROC2_VIRT_INTR_DELIVERY BIT(9)
#define PROC2_ENABLE_INVPCID     BIT(12)
#define PROC2_ENABLE_XSAVES      BIT(20)
/* What this backend calls APICv: all of these, or none (SDM 29.1-29.4) */
#define PROC2_APICV (PROC2_VIRT_APIC_ACCESS | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY)

/* VM-exit controls (24.7.1) */
#define EXIT_SAVE_DEBUG          BIT(2)
#define EXIT_HOST_ADDR_SPACE     BIT(9)
#define EXIT_ACK_INTR_ON_EXIT    BIT(15)
#define EXIT_LOAD_PAT            BIT(19)
#define EXIT_SAVE_EFER           BIT(20)
#define EXIT_LOAD_EFER           BIT(21)

/* VM-entry controls (24.8.1) */
#define ENTRY_LOAD_DEBUG         BIT(2)
#define ENTRY_IA32E_GUEST        BIT(9)
#define ENTRY_LOAD_PAT           BIT(14)
#define ENTRY_LOAD_EFER          BIT(15)

/* Interruption information (24.8.3, 24.9.2) */
#define INTR_INFO_VECTOR_MASK    0xffu
#define INTR_INFO_TYPE_SHIFT     8
#define INTR_INFO_TYPE_MASK      (7u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_EXT_INTR       0u
#define INTR_TYPE_NMI            2u
#define INTR_TYPE_HW_EXCEPTION   3u
#define INTR_TYPE_SW_INTR        4u
#define INTR_TYPE_PRIV_SW_EXC    5u
#define INTR_TYPE_SW_EXCEPTION   6u
#define INTR_INFO_ERROR_VALID    BIT(11)
#define INTR_INFO_VALID          BIT(31)

/* Guest interruptibility state (24.4.2): blocking by STI, by MOV SS, by (virtual) NMI */
#define INTERRUPTIBILITY_STI       BIT(0)
#define INTERRUPTIBILITY_MOVSS     BIT(1)
#define INTERRUPTIBILITY_STI_MOVSS 0x3u
#define INTERRUPTIBILITY_NMI       BIT(3)

/* Segment access rights (24.4.1) */
#define AR_CODE32   0xc09b /* G, D, P, S, execute/read, accessed */
#define AR_DATA32   0xc093 /* G, B, P, S, read/write, accessed */
#define AR_TSS32    0x008b /* P, busy 32-bit TSS */
#define AR_CODE16   0x009b /* P, S, execute/read, accessed: real mode */
#define AR_DATA16   0x0093 /* P, S, read/write, accessed */
#define AR_LDT      0x0082 /* P, LDT */
#define AR_UNUSABLE BIT(16)
#define AR_L        BIT(13)
#define AR_DB       BIT(14)
#define AR_DPL_SHIFT 5

/* Basic exit reasons (appendix C) */
enum vmx_exit_reason {
	VMX_EXIT_EXCEPTION_NMI   = 0,
	VMX_EXIT_EXT_INTR        = 1,
	VMX_EXIT_TRIPLE_FAULT    = 2,
	VMX_EXIT_INIT            = 3,
	VMX_EXIT_SIPI            = 4,
	VMX_EXIT_INTR_WINDOW     = 7,
	VMX_EXIT_NMI_WINDOW      = 8,
	VMX_EXIT_TASK_SWITCH     = 9,
	VMX_EXIT_CPUID           = 10,
	VMX_EXIT_GETSEC          = 11,
	VMX_EXIT_HLT             = 12,
	VMX_EXIT_VMCALL          = 18,
	VMX_EXIT_VMCLEAR         = 19,
	VMX_EXIT_VMXON           = 27,
	VMX_EXIT_CR_ACCESS       = 28,
	VMX_EXIT_DR_ACCESS       = 29,
	VMX_EXIT_IO              = 30,
	VMX_EXIT_RDMSR           = 31,
	VMX_EXIT_WRMSR           = 32,
	VMX_EXIT_INVALID_GUEST   = 33,
	VMX_EXIT_MSR_LOADING     = 34,
	VMX_EXIT_MWAIT           = 36,
	VMX_EXIT_MTF             = 37,
	VMX_EXIT_MONITOR         = 39,
	VMX_EXIT_MACHINE_CHECK   = 41,
	VMX_EXIT_APIC_ACCESS     = 44,
	VMX_EXIT_EOI_INDUCED     = 45,
	VMX_EXIT_EPT_VIOLATION   = 48,
	VMX_EXIT_EPT_MISCONFIG   = 49,
	VMX_EXIT_INVEPT          = 50,
	VMX_EXIT_INVVPID         = 53,
	VMX_EXIT_XSETBV          = 55,
	VMX_EXIT_APIC_WRITE      = 56,
	VMX_EXIT_VMFUNC          = 59,
};
#define VMX_EXIT_REASON_BASIC(r)  ((r) & 0xffff)
#define VMX_EXIT_ENTRY_FAILURE    BIT(31)

/* I/O exit qualification (table 27-5) */
#define IO_QUAL_IN     BIT(3)
#define IO_QUAL_STRING BIT(4)
#define IO_QUAL_REP    BIT(5)

/* EPT violation exit qualification (table 27-7) */
#define EPT_QUAL_READ    BIT(0)
#define EPT_QUAL_WRITE   BIT(1)
#define EPT_QUAL_FETCH   BIT(2)
#define EPT_QUAL_PRESENT (BIT(3) | BIT(4) | BIT(5))

/* VMREAD of a field of the current VMCS; 0 if the read failed. */
static inline uint64_t vmcs_read(enum vmcs_field f)
{
	uint64_t v = 0;
	bool fail;

	asm volatile("vmread %2, %0; setna %1"
		     : "+r"(v), "=qm"(fail)
		     : "r"((uint64_t)f)
		     : "cc");
	return fail ? 0 : v;
}

/* VMWRITE; false when the CPU refused it (CF or ZF set). */
static inline bool vmcs_write(enum vmcs_field f, uint64_t v)
{
	bool fail;

	asm volatile("vmwrite %1, %2; setna %0"
		     : "=qm"(fail)
		     : "rm"(v), "r"((uint64_t)f)
		     : "cc", "memory");
	return !fail;
}

#endif
