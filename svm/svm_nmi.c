/* NMI blocking and the NMI window under SVM (see svm_nmi.h). */
#include "svm/svm_nmi.h"

#define RFLAGS_TF BIT(8)
#define EXIT_DB   (SVM_EXIT_EXCEPTION_BASE + 1)

bool svm_nmi_allowed(const struct svm_nmi *n, const struct vmcb *vmcb)
{
	return !n->masked && !(vmcb->control.event_inj & EVENT_VALID);
}

void svm_nmi_inject(struct svm_nmi *n, struct vmcb *vmcb)
{
	vmcb->control.event_inj = 2 | EVENT_TYPE_NMI | EVENT_VALID;
	vmcb->control.intercept_misc1 |= INTERCEPT_IRET;
	n->masked = true;
	n->iret_seen = false;
}

/*
 * One instruction, then a #DB exit (the #DB intercept is always on). After
 * an IRET that instruction is the IRET; before an event queued for
 * injection it is the first one after that event's handler returns.
 */
static void step_begin(struct svm_nmi *n, struct vmcb *vmcb)
{
	if (n->stepping)
		return;
	n->stepping = true;
	n->guest_tf = vmcb->save.rflags & RFLAGS_TF;
	vmcb->save.rflags |= RFLAGS_TF;
}

/* TF as the guest had it (a TF the IRET itself loaded is lost: guests do not step NMI returns). */
static void step_end(struct svm_nmi *n, struct vmcb *vmcb)
{
	n->stepping = false;
	if (!n->guest_tf)
		vmcb->save.rflags &= ~RFLAGS_TF;
}

/* Until the IRET exits there is nothing to step over: its intercept is the window. */
static void arm_window(struct svm_nmi *n, struct vmcb *vmcb)
{
	if (n->window && !svm_nmi_allowed(n, vmcb) && (!n->masked || n->iret_seen))
		step_begin(n, vmcb);
}

void svm_nmi_request_window(struct svm_nmi *n, struct vmcb *vmcb, bool on)
{
	n->window = on;
	arm_window(n, vmcb);
}

static void iret_intercepted(struct svm_nmi *n, struct vmcb *vmcb)
{
	vmcb->control.intercept_misc1 &= ~INTERCEPT_IRET;
	n->iret_seen = true;
	n->iret_rip = vmcb->save.rip;
}

/* The IRET retired once RIP has left it (a fault in it delivers an exception, also unblocking). */
bool svm_nmi_after_exit(struct svm_nmi *n, struct vmcb *vmcb)
{
	bool ours = false;

	if (vmcb->control.exit_code == SVM_EXIT_IRET && n->masked && !n->iret_seen) {
		iret_intercepted(n, vmcb);
		ours = true;
	} else if (vmcb->control.exit_code == EXIT_DB && n->stepping) {
		step_end(n, vmcb);
		ours = true;
	}
	if (n->iret_seen && vmcb->save.rip != n->iret_rip)
		n->masked = n->iret_seen = false;
	arm_window(n, vmcb);
	return ours;
}

void svm_nmi_reset(struct svm_nmi *n, struct vmcb *vmcb)
{
	vmcb->control.intercept_misc1 &= ~INTERCEPT_IRET;
	*n = (struct svm_nmi){ .window = n->window };
}
