/*
 * void svm_vmrun(struct guest_regs *regs, paddr_t vmcb, paddr_t host_save)
 *
 * Called with GIF clear. Loads the guest's general-purpose registers (RAX
 * and RSP live in the VMCB), VMLOADs the guest's FS/GS/TR/LDTR/syscall
 * state, runs it, VMSAVEs that state back, stores the guest registers and
 * VMLOADs the host's own (its GS base is the per-CPU pointer).
 */
#include "core/guest_regs_asm.h"

	.text
	.globl svm_vmrun
svm_vmrun:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx				/* host save area */
	push	%rdi				/* guest registers */

	mov	%rsi, %rax
	LOAD_GUEST_REGS_BUT_RAX

	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	STORE_GUEST_REGS			/* RAX is the VMCB here; C takes the guest's from it */
	pop	%rdi
	pop	%rax
	vmload	%rax

	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
