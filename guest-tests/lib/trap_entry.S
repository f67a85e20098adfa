/*
 * The entry stubs of all 256 vectors, exceptions and interrupts, and
 * try_call(), the resume point that the handler jumps back to when a
 * guest_try() caught an exception.
 */

/* Intel SDM vol. 3, 7.3: the exceptions that push an error code */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			   (v) == 21 || (v) == 29 || (v) == 30)

	.text
/* Builds a struct trap_frame (traps.c) on the stack; iretq reloads all of it. */
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
	call	trap_handler
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

/*
 * void try_call(uint64_t *saved_rsp, void (*fn)(void *), void *arg)
 *
 * Saves the callee-saved registers on the stack and the stack pointer in
 * *saved_rsp, then calls fn(arg). If fn raises an exception that guest_try()
 * catches, the handler resumes at try_resume with RSP = *saved_rsp, as if fn
 * had returned: the registers come back from the stack either way.
 */
	.globl try_call, try_resume
try_call:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	sub	$8, %rsp			/* keeps RSP 16-byte aligned at the call */
	mov	%rsp, (%rdi)
	mov	%rdx, %rdi
	call	*%rsi
try_resume:
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	vec = 0
	.rept 256
	trap_stub_addr %vec
	vec = vec + 1
	.endr
