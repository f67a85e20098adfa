/*
 * Decoding a #VMEXIT (AMD APM vol. 2, 15.6 and appendix C) into the
 * arch-neutral exit event of core/exit.h: the exit code, and what EXITINFO1
 * and EXITINFO2 say of I/O (15.10.2), nested page faults (15.25.6),
 * exceptions and the AVIC exits (15.29). CR writes go to cr_access.c as
 * they are (EXITINFO1 in hw_info1).
 */
#include "apic/vlapic.h"
#include "lib/types.h"
#include "svm/avic_table.h"
#include "svm/svm.h"
#include "lib/x86.h"
#include "svm/vmcb.h"

/* VMEXIT_INVALID is -1; QEMU's TCG stores it as a 32-bit -1, so compare 32 bits. */
#define SVM_EXIT_INVALID 0xffffffffu

/* The segment base of an INS/OUTS memory operand (INS always writes ES:DI). */
static uint64_t ioio_segment_base(const struct vmcb *vmcb, uint64_t info)
{
	const struct vmcb_segment *segs[] = { &vmcb->save.es, &vmcb->save.cs, &vmcb->save.ss,
					      &vmcb->save.ds, &vmcb->save.fs, &vmcb->save.gs };
	unsigned int seg = (info >> IOIO_SEG_SHIFT) & 7;

	if ((info & IOIO_IN) || seg >= ARRAY_SIZE(segs))
		return vmcb->save.es.base;
	return segs[seg]->base;
}

static enum exit_reason decode_ioio(const struct vmcb *vmcb, struct exit_event *e)
{
	uint64_t info = vmcb->control.exit_info1;

	e->io = (struct exit_io){
		.port = info >> 16,
		.size = (info & IOIO_SIZE32) ? 4 : (info & IOIO_SIZE16) ? 2 : 1,
		.in = info & IOIO_IN,
		.string = info & IOIO_STRING,
		.rep = info & IOIO_REP,
		.addr_size = (info & IOIO_ADDR16) ? 2 : (info & IOIO_ADDR32) ? 4 : 8,
	};
	if (e->io.string)
		e->io.seg_base = ioio_segment_base(vmcb, info);
	return EXIT_IO;
}

static enum exit_reason decode_npf(const struct vmcb_control *c, struct exit_event *e)
{
	e->npf = (struct exit_npf){
		.gpa = c->exit_info2,
		.write = c->exit_info1 & NPF_WRITE,
		.fetch = c->exit_info1 & NPF_FETCH,
		.present = c->exit_info1 & NPF_PRESENT,
	};
	return EXIT_NESTED_PAGE_FAULT;
}

/* A #DB's conditions: the VMCB's DR6, which the intercepted #DB has set (APM 15.12). */
static enum exit_reason decode_exception(const struct vmcb *vmcb, struct exit_event *e)
{
	const struct vmcb_control *c = &vmcb->control;
	uint8_t vector = c->exit_code - SVM_EXIT_EXCEPTION_BASE;

	e->exception = (struct exit_exception){
		.vector = vector,
		.has_error_code = vector == 17,
		.error_code = (uint32_t)c->exit_info1,
		.dr6 = vector == VECTOR_DB ? vmcb->save.dr6 : 0,
	};
	return EXIT_EXCEPTION;
}

/*
 * AVIC_INCOMPLETE_IPI (APM 15.29): the CPU wrote the ICR into the backing
 * page. With every target's IRR set (some not running), the targets are
 * woken; otherwise the ICR is delivered in software, as an APIC-write trap.
 */
static enum exit_reason decode_incomplete_ipi(const struct vmcb_control *c, struct exit_event *e)
{
	struct avic_incomplete_ipi ipi = avic_decode_incomplete_ipi(c->exit_info1, c->exit_info2);

	e->apic_offset = 0x300;
	return avic_ipi_irr_done(&ipi) ? EXIT_APIC_IPI_WAKE : EXIT_APIC_WRITE;
}

/*
 * AVIC_NOACCEL: a write to a register AVIC traps (done, RIP advanced) goes
 * to the model; any other access is emulated as the nested page fault it
 * stands for (APM vol. 2, 15.29).
 */
static enum exit_reason decode_avic_noaccel(const struct vmcb_control *c, struct exit_event *e)
{
	uint32_t offset = c->exit_info1 & 0xff0;
	bool write = (c->exit_info1 >> 32) & 1;

	if (write && avic_noaccel_is_trap(offset)) {
		e->apic_offset = offset;
		return EXIT_APIC_WRITE;
	}
	e->npf = (struct exit_npf){ .gpa = VLAPIC_DEFAULT_BASE | offset, .write = write,
				    .present = true };
	return EXIT_NESTED_PAGE_FAULT;
}

enum exit_reason svm_decode_exit(const struct vmcb *vmcb, struct exit_event *e)
{
	const struct vmcb_control *c = &vmcb->control;

	switch (c->exit_code) {
	case SVM_EXIT_CPUID:
		return EXIT_CPUID;
	case SVM_EXIT_MSR:
		return c->exit_info1 ? EXIT_WRMSR : EXIT_RDMSR;
	case SVM_EXIT_IOIO:
		return decode_ioio(vmcb, e);
	case SVM_EXIT_HLT:
		return EXIT_HLT;
	case SVM_EXIT_XSETBV:
		return EXIT_XSETBV;
	case SVM_EXIT_CR0_WRITE: /* MOV to CR0, LMSW, CLTS (APM 15.9) */
	case SVM_EXIT_CR4_WRITE:
		return EXIT_CR_ACCESS;
	case SVM_EXIT_DR0_READ ... SVM_EXIT_DR0_WRITE + 15:
		/* EXITINFO1[3:0]: the GPR, with decode assists (APM 15.33); svm.c decodes it otherwise */
		e->dr = (struct exit_dr){ c->exit_code & 7, c->exit_info1 & 15,
					  c->exit_code >= SVM_EXIT_DR0_WRITE };
		return EXIT_DR_ACCESS;
	case SVM_EXIT_VMMCALL:
		return EXIT_HYPERCALL;
	case SVM_EXIT_NPF:
		return decode_npf(c, e);
	case SVM_EXIT_AVIC_INCOMPLETE_IPI:
		return decode_incomplete_ipi(c, e);
	case SVM_EXIT_AVIC_NOACCEL:
		return decode_avic_noaccel(c, e);
	case SVM_EXIT_INTR:
		e->host_vector = -1; /* still pending: the host takes it after STGI */
		return EXIT_EXTERNAL_INTERRUPT;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		return EXIT_NMI;
	case SVM_EXIT_INIT:
		return EXIT_INIT;
	case SVM_EXIT_VINTR:
		return EXIT_INTERRUPT_WINDOW;
	case SVM_EXIT_SHUTDOWN:
		return EXIT_SHUTDOWN;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD ... SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		return EXIT_UNSUPPORTED_INSN;
	}
	if ((uint32_t)c->exit_code == SVM_EXIT_INVALID)
		return EXIT_INVALID_STATE;
	if (c->exit_code >= SVM_EXIT_EXCEPTION_BASE && c->exit_code < SVM_EXIT_EXCEPTION_BASE + 32)
		return decode_exception(vmcb, e);
	return EXIT_UNKNOWN;
}
