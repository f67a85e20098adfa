/* One entry stub per vector: push a zero error code where the CPU pushes
 * none, then the vector number, then every general-purpose register. */

/* Intel SDM vol. 3, 7.3: the exceptions that push an error code */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			   (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
trap_common:
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%r11
	push	%r10
	push	%r9
	push	%r8
	push	%rbp
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	push	%rbx
	push	%rax
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
	pop	%rax
	pop	%rbx
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
	pop	%rbp
	pop	%r8
	pop	%r9
	pop	%r10
	pop	%r11
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	add	$16, %rsp			/* vector and error code */
	iretq

	.altmacro
.macro trap_stub v
	.balign 16
trap_stub_\v:
	.if !HAS_ERROR_CODE(\v)
	push	$0
	.endif
	push	$\v
	jmp	trap_common
.endm

.macro trap_stub_addr v
	.quad	trap_stub_\v
.endm

	vec = 0
	.rept 256
	trap_stub %vec
	vec = vec + 1
	.endr

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	vec = 0
	.rept 256
	trap_stub_addr %vec
	vec = vec + 1
	.endr
