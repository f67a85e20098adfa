/*
 * The guest's NMI blocking under SVM, which has no NMI window of its own
 * (AMD APM vol. 2, 15.20-15.21; without the vNMI extension). An injected NMI
 * blocks the next until the guest's IRET retires (Intel SDM vol. 3, 6.7.1;
 * the same on AMD): the IRET intercept says when the handler returns, and a
 * single step past that IRET (RFLAGS.TF, the #DB intercept) gives the exit
 * at which a waiting NMI can go in. Pure logic on the VMCB: host-tested.
 */
#ifndef HV_SVM_SVM_NMI_H
#define HV_SVM_SVM_NMI_H

#include "svm/vmcb.h"

struct svm_nmi {
	bool masked;        /* an NMI was injected and its handler's IRET has not retired */
	bool iret_seen;     /* its IRET exited (at iret_rip) and is let through */
	bool stepping;      /* RFLAGS.TF is ours: the #DB after one instruction ends it */
	bool guest_tf;      /* the guest's own TF when the step began */
	bool window;        /* core/ wants EXIT_NMI_WINDOW once an NMI can go in */
	uint64_t iret_rip;
};

bool svm_nmi_allowed(const struct svm_nmi *n, const struct vmcb *vmcb);
void svm_nmi_inject(struct svm_nmi *n, struct vmcb *vmcb);
void svm_nmi_request_window(struct svm_nmi *n, struct vmcb *vmcb, bool on);

/* After every #VMEXIT: true if the exit was the IRET intercept or the end of the step. */
bool svm_nmi_after_exit(struct svm_nmi *n, struct vmcb *vmcb);

/* INIT and SIPI: nothing blocked, nothing intercepted. */
void svm_nmi_reset(struct svm_nmi *n, struct vmcb *vmcb);

#endif
