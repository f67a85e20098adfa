/*
 * The application-processor trampoline. It is copied to a page below 1 MiB
 * and runs from there after INIT-SIPI-SIPI: real mode (CS = page >> 4, IP = 0)
 * -> 32-bit protected mode -> long mode, then jumps into the image at
 * ap_entry64. Everything position-dependent is in the parameter block, which
 * the BSP fills in for each AP (struct trampoline_params in smp/trampoline.h).
 */
#define MSR_EFER 0xc0000080
#define CR0_PE   0x1
#define CR0_WP_PG 0x80010000
#define CR4_PAE  0x20

#define TSEL_CODE64 0x08
#define TSEL_DATA   0x10
#define TSEL_CODE32 0x18

#define OFF(sym) ((sym) - trampoline_start)

	.section .rodata.trampoline, "a"
	.code16
	.globl trampoline_start, trampoline_end, trampoline_params, trampoline_gdt
	.globl trampoline_pm32
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	movzwl	%ax, %ebp
	shl	$4, %ebp			/* EBP = linear base of this page */
	lgdtl	OFF(trampoline_params)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	*OFF(trampoline_params + 6)

	.code32
trampoline_pm32:
	mov	$TSEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	OFF(trampoline_params + 18)(%ebp), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	mov	OFF(trampoline_params + 22)(%ebp), %eax
	xor	%edx, %edx
	wrmsr
	mov	%cr0, %eax
	or	$CR0_WP_PG, %eax
	mov	%eax, %cr0
	mov	OFF(trampoline_params + 26)(%ebp), %esp
	mov	OFF(trampoline_params + 30)(%ebp), %edi
	ljmpl	*OFF(trampoline_params + 12)(%ebp)

	.balign 8
trampoline_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
	.quad	0x00cf9a000000ffff		/* 0x18: 32-bit code */
trampoline_gdt_end:

	.balign 8
trampoline_params:
	.skip	34
trampoline_end:
