/*
 * The multiboot (v1) header and entry of a 32-bit guest program: it stays in
 * protected mode, where the loader leaves it (Multiboot spec 0.6.96, 3.2:
 * paging off, interrupts off, no valid stack), and calls ia32_main().
 * Vectors 10-14 (#TS, #NP, #SS, #GP, #PF, each with an error code) go to
 * ia32_trap() through the stubs below, which may move the return EIP.
 */
#define MB1_HEADER_MAGIC 0x1badb002
#define MB1_FLAGS        ((1 << 0) | (1 << 1) | (1 << 16)) /* page-aligned modules, memory map, addresses */

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long	MB1_HEADER_MAGIC
	.long	MB1_FLAGS
	.long	-(MB1_HEADER_MAGIC + MB1_FLAGS)
	.long	mb1_header			/* header_addr */
	.long	guest_image_start		/* load_addr */
	.long	guest_load_end			/* load_end_addr */
	.long	guest_image_end			/* bss_end_addr */
	.long	_start				/* entry_addr */

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	mov	$stack_top, %esp
	call	ia32_main
1:	cli
	hlt
	jmp	1b

/* The CPU pushed the error code; the stub adds the vector and the registers. */
.macro trap_with_error vector
	.globl ia32_trap_\vector
ia32_trap_\vector:
	push	$\vector
	jmp	trap_common
.endm

	trap_with_error 10
	trap_with_error 11
	trap_with_error 12
	trap_with_error 13
	trap_with_error 14

/* DS and ES as the handler needs them: a fault in a new task may come with them unusable. */
trap_common:
	pusha
	mov	$0x10, %eax			/* SEL_DATA */
	mov	%eax, %ds
	mov	%eax, %es
	push	%esp				/* struct ia32_frame * */
	call	ia32_trap
	add	$4, %esp
	popa
	add	$8, %esp			/* the vector and the error code */
	iret

	.bss
	.balign 16
	.space	16384
stack_top:
