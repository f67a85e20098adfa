/*
 * The 32-bit entry from a multiboot2 loader, and the way into long mode.
 * On entry (Multiboot2 spec, 3.3): EAX = magic, EBX = physical address of the
 * information structure, protected mode, paging off, no valid stack.
 * The boot page tables identity-map the first 4 GiB with 2 MiB pages; the
 * C code replaces them with tables that reach all of physical memory.
 */
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MSR_EFER   0xc0000080
#define EFER_LME   0x100
#define CR0_PE_WP_PG 0x80010001
#define CR4_PAE    0x20
#define PTE_P_RW   0x3
#define PDE_2M     0x83
#define COM1       0x3f8

#define SEL_CODE64 0x08
#define SEL_DATA   0x10

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	cmp	$MB2_BOOTLOADER_MAGIC, %eax
	jne	.Lno_multiboot
	mov	%ebx, %esi			/* survives the BSS clear below */

	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	.Lno_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx			/* CPUID.80000001H:EDX.LM */
	jnc	.Lno_long_mode

	mov	$_bss_start, %edi
	mov	$_bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$boot_stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages */
	mov	$boot_pdpt + PTE_P_RW, %eax
	mov	%eax, boot_pml4
	mov	$boot_pd + PTE_P_RW, %eax
	mov	$boot_pdpt, %edi
	mov	$4, %ecx
1:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	1b
	mov	$PDE_2M, %eax
	mov	$boot_pd, %edi
	mov	$2048, %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b

	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PE_WP_PG, %eax
	mov	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$SEL_CODE64, $entry64

/* Without a stack or a console driver: write a line straight to COM1 and stop. */
.Lno_multiboot:
	mov	$msg_no_multiboot, %esi
	jmp	.Lfatal
.Lno_long_mode:
	mov	$msg_no_long_mode, %esi
.Lfatal:
	mov	$COM1 + 5, %dx
3:	in	%dx, %al
	test	$0x20, %al			/* LSR.THRE */
	jz	3b
	lodsb
	test	%al, %al
	jz	4f
	mov	$COM1, %dx
	out	%al, %dx
	jmp	.Lfatal
4:	cli
	hlt
	jmp	4b

	.code64
entry64:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	mov	%esi, %edi			/* hv_main(the information address) */
	xor	%ebp, %ebp			/* ends the backtrace */
	call	hv_main
5:	cli
	hlt
	jmp	5b

/* An application processor arrives here from the trampoline, in long mode,
 * with ESP = its stack and EDI = its per-CPU area (both below 4 GiB). */
	.globl ap_entry64
ap_entry64:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%esp, %esp
	mov	%edi, %edi
	xor	%ebp, %ebp
	call	ap_main
6:	cli
	hlt
	jmp	6b

	.section .rodata
msg_no_multiboot:
	.asciz	"hv: not started by a multiboot2 loader, halting\r\n"
msg_no_long_mode:
	.asciz	"hv: this CPU has no long mode (x86-64), halting\r\n"

	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	.section .bss
	.balign 4096
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip	16384
boot_stack_top:
