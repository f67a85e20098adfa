/* What the SVM backend's files share (nothing outside svm/ includes this). */
#ifndef HV_SVM_SVM_H
#define HV_SVM_SVM_H

#include "core/exit.h"
#include "core/vcpu.h"
#include "svm/svm_nmi.h"
#include "svm/vmcb.h"

struct svm_vcpu {
	struct vmcb *vmcb;
	paddr_t vmcb_pa;
	bool avic_logical_dirty; /* an LDR or DFR write: rebuild the logical table */
	struct svm_nmi nmi;
	bool stepping;           /* the debugger's step: RFLAGS.TF set by it */
	bool guest_tf;           /* the guest's own TF meanwhile */
};

/* svm_exit.c: decodes the #VMEXIT the VMCB holds into e, and returns its reason. */
enum exit_reason svm_decode_exit(const struct vmcb *vmcb, struct exit_event *e);

/* cr_access.c: an intercepted CR0/CR4 write, checked and done or refused with #GP. */
bool svm_vcpu_cr_access(struct vcpu *v, const struct exit_event *e);

/* svm_dump.c: the backend's crash-report operations (struct backend). */
void svm_describe_exit(const struct exit_event *e, char *buf, size_t size);
void svm_vcpu_dump_state(struct vcpu *v);
void svm_vcpu_dump_controls(struct vcpu *v);

#endif
