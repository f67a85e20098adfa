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
#define REG(n) ((n) * 8)
#define RAX REG(0)
#define RBX REG(1)
#define RCX REG(2)
#define RDX REG(3)
#define RSI REG(4)
#define RDI REG(5)
#define RBP REG(6)
#define R8  REG(7)
#define R9  REG(8)
#define R10 REG(9)
#define R11 REG(10)
#define R12 REG(11)
#define R13 REG(12)
#define R14 REG(13)
#define R15 REG(14)

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
	mov	RAX(%rdi), %rax
	mov	RBX(%rdi), %rbx
	mov	RCX(%rdi), %rcx
	mov	RDX(%rdi), %rdx
	mov	RSI(%rdi), %rsi
	mov	RBP(%rdi), %rbp
	mov	R8(%rdi), %r8
	mov	R9(%rdi), %r9
	mov	R10(%rdi), %r10
	mov	R11(%rdi), %r11
	mov	R12(%rdi), %r12
	mov	R13(%rdi), %r13
	mov	R14(%rdi), %r14
	mov	R15(%rdi), %r15
	mov	RDI(%rdi), %rdi
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
	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, RAX(%rdi)
	mov	%rbx, RBX(%rdi)
	mov	%rcx, RCX(%rdi)
	mov	%rdx, RDX(%rdi)
	mov	%rsi, RSI(%rdi)
	mov	%rbp, RBP(%rdi)
	mov	%r8, R8(%rdi)
	mov	%r9, R9(%rdi)
	mov	%r10, R10(%rdi)
	mov	%r11, R11(%rdi)
	mov	%r12, R12(%rdi)
	mov	%r13, R13(%rdi)
	mov	%r14, R14(%rdi)
	mov	%r15, R15(%rdi)
	popq	RDI(%rdi)
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
