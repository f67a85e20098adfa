/*
 * What a crash report shows of an SVM vCPU (core/crash.c): the exit in a
 * line, and the VMCB's state save area and control area (AMD APM vol. 2,
 * appendix B).
 */
#include "console/log.h"
#include "lib/fmt.h"
#include "svm/svm.h"
#include "svm/vmcb.h"

void svm_describe_exit(const struct exit_event *e, char *buf, size_t size)
{
	fmt_snprintf(buf, size, "SVM exit code 0x%lx, EXITINFO1 0x%lx, EXITINFO2 0x%lx",
		     e->hw_reason, e->hw_info1, e->hw_info2);
}

static void dump_segment(const char *name, const struct vmcb_segment *seg)
{
	log_err("  %-4s sel %04x attrib %03x limit %08x base %016lx", name, seg->selector,
		seg->attrib, seg->limit, seg->base);
}

/* The state VMRUN checks (APM vol. 2, 15.5.1), as the VMCB holds it. */
void svm_vcpu_dump_state(struct vcpu *v)
{
	const struct vmcb_save *s = &((struct svm_vcpu *)v->arch)->vmcb->save;
	const struct vmcb_segment *segs[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs,
					      &s->gdtr, &s->ldtr, &s->idtr, &s->tr };
	static const char *const names[] = { "es", "cs", "ss", "ds", "fs", "gs",
					     "gdtr", "ldtr", "idtr", "tr" };

	log_err("  VMCB: cr0 %lx cr3 %lx cr4 %lx efer %lx rflags %lx cpl %u dr6 %lx dr7 %lx",
		s->cr0, s->cr3, s->cr4, s->efer, s->rflags, s->cpl, s->dr6, s->dr7);
	for (unsigned int i = 0; i < ARRAY_SIZE(segs); i++)
		dump_segment(names[i], segs[i]);
}

/* The intercepts, interrupt control and the last exit (APM vol. 2, appendix B, table B-1). */
void svm_vcpu_dump_controls(struct vcpu *v)
{
	const struct vmcb_control *c = &((struct svm_vcpu *)v->arch)->vmcb->control;

	log_err("  VMCB intercepts: cr %08x dr %08x exceptions %08x misc %08x %08x %08x",
		c->intercept_cr, c->intercept_dr, c->intercept_exceptions, c->intercept_misc1,
		c->intercept_misc2, c->intercept_misc3);
	log_err("  VMCB asid %u tlb_control %u int_control %08x int_state %lx nested_cr3 %lx",
		c->guest_asid, c->tlb_control, c->int_control, c->int_state, c->nested_cr3);
	log_err("  VMCB exit: code %lx info1 %lx info2 %lx exit_int_info %lx event_inj %lx",
		c->exit_code, c->exit_info1, c->exit_info2, c->exit_int_info, c->event_inj);
}
