/*
 * int vmx_enter(struct guest_regs *regs, bool launched)
 *
 * Called with interrupts disabled and the vCPU's VMCS current. Saves the
 * host's callee-saved registers, records RSP as the VMCS host RSP, loads
 * all 15 guest general-purpose registers (RSP is in the VMCS; RAX is not),
 * and enters the guest with VMLAUNCH or VMRESUME. A VM exit lands at
 * vmx_exit (the VMCS host RIP) with RSP as recorded, stores the guest's
 * registers and returns 0. A failed VMLAUNCH/VMRESUME falls through and
 * returns 1 for VMfailInvalid (CF) or 2 for VMfailValid (ZF: the error
 * number is in the VM-instruction error field) (SDM vol. 3, 30.2).
 */
#include "core/guest_regs_asm.h"

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_enter
vmx_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi				/* guest registers: at the host RSP */

	mov	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	vmx_fail_early

	test	%sil, %sil			/* launched? (mov keeps the flags) */
	mov	GUEST_RAX(%rdi), %rax
	LOAD_GUEST_REGS_BUT_RAX
	jnz	1f
	vmlaunch
	jmp	vmx_fail
1:	vmresume
vmx_fail:
	/* Still the host, with the guest's registers loaded: only the flags matter. */
vmx_fail_early:
	mov	$2, %eax
	jz	2f
	mov	$1, %eax
2:	pop	%rdi
	jmp	vmx_return

	.globl vmx_exit
vmx_exit:
	STORE_GUEST_REGS
	pop	%rdi
	xor	%eax, %eax

vmx_return:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
