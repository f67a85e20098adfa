/*
 * The AP start-up trampoline. smp_start_ap() copies the bytes from
 * ap_trampoline to ap_trampoline_end to AP_TRAMPOLINE, where the SIPI starts
 * the AP in real mode (CS = vector << 8, IP = 0; Intel SDM vol. 3, 9.4.4.1).
 * It goes to protected mode with its own GDT, then to long mode with the BSP's
 * page tables (Intel SDM vol. 3, 10.8.5), loads the BSP's GDT and IDT and jumps
 * to ap_entry64 in the image, which calls ap_main(cpu) on the AP's stack.
 */
#include "guest-tests/lib/ap_boot.h"

#define CR0_PE       0x00000001
#define CR0_PG_WP    0x80010000
#define CR4_PAE      0x20
#define MSR_EFER     0xc0000080
#define EFER_LME     0x100

#define TRAMP_CODE32 0x08		/* selectors of the trampoline's GDT */
#define TRAMP_DATA   0x10
#define TRAMP_CODE64 0x18
#define SEL_CODE64   0x08		/* and of the BSP's (entry.S) */
#define SEL_DATA     0x10

/* Where a trampoline label is once copied */
#define TRAMP(label) (AP_TRAMPOLINE + (label) - ap_trampoline)

	.section .rodata
	.globl ap_trampoline, ap_trampoline_end
	.code16
ap_trampoline:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	TRAMP(tramp_gdt_ptr)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$TRAMP_CODE32, $TRAMP(ap_protected)

	.code32
ap_protected:
	mov	$TRAMP_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	AP_PARAMS + AP_PARAM_CR3, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG_WP, %eax
	mov	%eax, %cr0
	ljmp	$TRAMP_CODE64, $TRAMP(ap_long)

	.code64
ap_long:
	lgdt	AP_PARAMS + AP_PARAM_GDTR
	lidt	AP_PARAMS + AP_PARAM_IDTR
	mov	AP_PARAMS + AP_PARAM_STACK, %rsp
	movabs	$ap_entry64, %rax
	pushq	$SEL_CODE64			/* reload CS from the BSP's GDT */
	push	%rax
	lretq

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff		/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
	.quad	0x00af9a000000ffff		/* 0x18: 64-bit code */
tramp_gdt_ptr:
	.short	tramp_gdt_ptr - tramp_gdt - 1
	.long	TRAMP(tramp_gdt)
ap_trampoline_end:

	.text
ap_entry64:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	AP_PARAMS + AP_PARAM_CPU, %edi
	xor	%ebp, %ebp			/* ends a backtrace */
	call	ap_main				/* does not return */
