/*
 * Decoding a VM exit (SDM vol. 3, chapter 27 and appendix C) into the
 * arch-neutral exit event of core/exit.h, and the names used to report it.
 */
#include "lib/types.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "lib/x86.h"

static const char *const exit_names[] = {
	[0] = "exception or NMI", [1] = "external interrupt", [2] = "triple fault",
	[3] = "INIT", [4] = "SIPI", [5] = "I/O SMI", [6] = "other SMI",
	[7] = "interrupt window", [8] = "NMI window", [9] = "task switch", [10] = "CPUID",
	[11] = "GETSEC", [12] = "HLT", [13] = "INVD", [14] = "INVLPG", [15] = "RDPMC",
	[16] = "RDTSC", [17] = "RSM", [18] = "VMCALL", [19] = "VMCLEAR", [20] = "VMLAUNCH",
	[21] = "VMPTRLD", [22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME",
	[25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON", [28] = "control-register access",
	[29] = "MOV DR", [30] = "I/O instruction", [31] = "RDMSR", [32] = "WRMSR",
	[33] = "invalid guest state", [34] = "MSR loading", [36] = "MWAIT", [37] = "monitor trap flag",
	[39] = "MONITOR", [40] = "PAUSE", [41] = "machine check during VM entry",
	[43] = "TPR below threshold", [44] = "APIC access", [45] = "virtualized EOI",
	[46] = "GDTR/IDTR access", [47] = "LDTR/TR access", [48] = "EPT violation",
	[49] = "EPT misconfiguration", [50] = "INVEPT", [51] = "RDTSCP",
	[52] = "preemption timer", [53] = "INVVPID", [54] = "WBINVD", [55] = "XSETBV",
	[56] = "APIC write", [57] = "RDRAND", [58] = "INVPCID", [59] = "VMFUNC",
	[60] = "ENCLS", [61] = "RDSEED", [62] = "page-modification log full",
	[63] = "XSAVES", [64] = "XRSTORS",
};

/* SDM 30.4: VM-instruction error numbers */
static const char *const insn_error_names[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_exit_name(uint32_t basic_reason)
{
	if (basic_reason < ARRAY_SIZE(exit_names) && exit_names[basic_reason])
		return exit_names[basic_reason];
	return "unknown";
}

const char *vmx_insn_error_name(uint64_t error)
{
	if (error < ARRAY_SIZE(insn_error_names) && insn_error_names[error])
		return insn_error_names[error];
	return "unknown error";
}

/* The base of guest segment `seg` (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS). */
static uint64_t segment_base(unsigned int seg)
{
	return vmcs_read(VMCS_GUEST_ES_BASE + 2 * (seg > 5 ? 0 : seg));
}

/* SDM 27.2.1 table 27-5, and 27.2.5 table 27-8 for the string forms. */
static enum exit_reason decode_io(uint64_t qual, struct exit_event *e)
{
	e->io = (struct exit_io){
		.port = qual >> 16,
		.size = (qual & 7) + 1,
		.in = qual & IO_QUAL_IN,
		.string = qual & IO_QUAL_STRING,
		.rep = qual & IO_QUAL_REP,
	};
	if (e->io.string) {
		uint32_t info = vmcs_read(VMCS_EXIT_INSN_INFO);
		unsigned int asz = (info >> 7) & 7;

		e->io.addr_size = asz == 0 ? 2 : asz == 1 ? 4 : 8;
		e->io.seg_base = segment_base(e->io.in ? 0 : (info >> 15) & 7);
	}
	return EXIT_IO;
}

static enum exit_reason decode_ept_violation(uint64_t qual, struct exit_event *e)
{
	e->npf = (struct exit_npf){
		.gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS),
		.write = qual & EPT_QUAL_WRITE,
		.fetch = qual & EPT_QUAL_FETCH,
		.present = qual & EPT_QUAL_PRESENT,
	};
	return EXIT_NESTED_PAGE_FAULT;
}

/* A #DB's conditions are in the exit qualification, DR6's layout (SDM 27.2.1, table 27-1). */
static enum exit_reason decode_exception(uint64_t qual, struct exit_event *e)
{
	uint32_t info = vmcs_read(VMCS_EXIT_INTR_INFO);

	if (((info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT) == INTR_TYPE_NMI)
		return EXIT_NMI;
	e->exception = (struct exit_exception){
		.vector = info & INTR_INFO_VECTOR_MASK,
		.has_error_code = info & INTR_INFO_ERROR_VALID,
		.error_code = (info & INTR_INFO_ERROR_VALID) ? vmcs_read(VMCS_EXIT_INTR_ERROR) : 0,
		.dr6 = (info & INTR_INFO_VECTOR_MASK) == VECTOR_DB ? qual : 0,
	};
	return EXIT_EXCEPTION;
}

#define APIC_QUAL_OFFSET      0xfffu
#define APIC_QUAL_TYPE(q)     (((q) >> 12) & 0xf)
#define APIC_ACCESS_LINEAR_WRITE 1

/*
 * An APIC access that APIC-register virtualization does not serve (SDM
 * 27.2.1, table 27-6): handed on as the nested page fault it stands for.
 */
static enum exit_reason decode_apic_access(uint64_t qual, struct exit_event *e)
{
	e->npf = (struct exit_npf){
		.gpa = VLAPIC_DEFAULT_BASE | (qual & APIC_QUAL_OFFSET),
		.write = APIC_QUAL_TYPE(qual) == APIC_ACCESS_LINEAR_WRITE,
		.present = true,
	};
	return EXIT_NESTED_PAGE_FAULT;
}

/* With "acknowledge interrupt on exit" the vector is in the exit's interruption information (SDM 27.2.2). */
static enum exit_reason decode_external_interrupt(struct exit_event *e)
{
	uint32_t info = vmcs_read(VMCS_EXIT_INTR_INFO);

	e->host_vector = (info & INTR_INFO_VALID) ? (int)(info & INTR_INFO_VECTOR_MASK) : -1;
	return EXIT_EXTERNAL_INTERRUPT;
}

static enum exit_reason decode(uint32_t reason, uint64_t qual, struct exit_event *e)
{
	if (reason & VMX_EXIT_ENTRY_FAILURE)
		return EXIT_INVALID_STATE; /* 33, 34, 41 (SDM 26.8) */
	switch (VMX_EXIT_REASON_BASIC(reason)) {
	case VMX_EXIT_EXCEPTION_NMI:
		return decode_exception(qual, e);
	case VMX_EXIT_EXT_INTR:
		return decode_external_interrupt(e);
	case VMX_EXIT_TRIPLE_FAULT:
		return EXIT_SHUTDOWN;
	case VMX_EXIT_MTF:
		return EXIT_SINGLE_STEP;
	case VMX_EXIT_INIT:
	case VMX_EXIT_SIPI:
		return EXIT_INIT;
	case VMX_EXIT_CPUID:
		return EXIT_CPUID;
	case VMX_EXIT_HLT:
		return EXIT_HLT;
	case VMX_EXIT_VMCALL:
		return EXIT_HYPERCALL;
	case VMX_EXIT_IO:
		return decode_io(qual, e);
	case VMX_EXIT_RDMSR:
		return EXIT_RDMSR;
	case VMX_EXIT_WRMSR:
		return EXIT_WRMSR;
	case VMX_EXIT_EPT_VIOLATION:
		return decode_ept_violation(qual, e);
	case VMX_EXIT_XSETBV:
		return EXIT_XSETBV;
	case VMX_EXIT_CR_ACCESS:
		return EXIT_CR_ACCESS;
	case VMX_EXIT_DR_ACCESS: /* qualification: DR in 2:0, from DR in 4, GPR in 11:8 (table 28-4) */
		e->dr = (struct exit_dr){ qual & 7, (qual >> 8) & 15, !(qual & BIT(4)) };
		return EXIT_DR_ACCESS;
	case VMX_EXIT_TASK_SWITCH:
		return EXIT_TASK_SWITCH;
	case VMX_EXIT_INTR_WINDOW:
		return EXIT_INTERRUPT_WINDOW;
	case VMX_EXIT_NMI_WINDOW:
		return EXIT_NMI_WINDOW;
	case VMX_EXIT_APIC_ACCESS:
		return decode_apic_access(qual, e);
	case VMX_EXIT_EOI_INDUCED:
		e->eoi_vector = qual & 0xff;
		return EXIT_EOI_INDUCED;
	case VMX_EXIT_APIC_WRITE:
		e->apic_offset = qual & APIC_QUAL_OFFSET;
		return EXIT_APIC_WRITE;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_VMCLEAR ... VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_MWAIT:
		return EXIT_UNSUPPORTED_INSN;
	case VMX_EXIT_EPT_MISCONFIG: /* a bug in ept.c: crash the guest */
	default:
		return EXIT_UNKNOWN;
	}
}

/*
 * An exit taken while the CPU was delivering an event (IDT-vectoring
 * information valid) must not lose it: inject it again on the next entry
 * (SDM 27.2.4, 26.6.1). Software events need their instruction length.
 */
static void requeue_interrupted_event(void)
{
	uint32_t info = vmcs_read(VMCS_IDT_VECTORING_INFO);
	uint32_t type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;

	if (!(info & INTR_INFO_VALID))
		return; /* the exit already cleared the entry field's valid bit (24.8.3) */
	if (info & INTR_INFO_ERROR_VALID)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC ||
	    type == INTR_TYPE_SW_EXCEPTION)
		vmcs_write(VMCS_ENTRY_INSN_LENGTH, vmcs_read(VMCS_EXIT_INSN_LENGTH));
	/* An NMI's delivery set virtual-NMI blocking; its injection may not find it set (26.3.1.5). */
	if (type == INTR_TYPE_NMI)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
							~(uint64_t)INTERRUPTIBILITY_NMI);
	/* Bits 30:12 of the entry field are reserved (24.8.3). */
	vmcs_write(VMCS_ENTRY_INTR_INFO, info & (INTR_INFO_VALID | 0xfffu));
}

void vmx_decode_exit(struct vmx_vcpu *x, struct exit_event *e)
{
	uint32_t reason = vmcs_read(VMCS_EXIT_REASON);
	uint64_t qual = vmcs_read(VMCS_EXIT_QUALIFICATION);

	(void)x;
	requeue_interrupted_event();
	e->in_delivery = vmcs_read(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID;
	e->hw_reason = reason;
	e->hw_info1 = qual;
	e->hw_info2 = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
	e->reason = decode(reason, qual, e);
}
