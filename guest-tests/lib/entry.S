/*
 * The multiboot header and the 32-bit entry of a guest program.
 *
 * Assembled twice: as is, with a multiboot (v1) header, and with -DMULTIBOOT2,
 * with a multiboot2 header. Both headers carry the load addresses, so a loader
 * need not read the ELF64 program headers (QEMU's -kernel refuses ELF64
 * without them).
 *
 * On entry (Multiboot spec 0.6.96, 3.2; Multiboot2 spec, 3.3): EAX = the
 * loader's magic, EBX = the physical address of the information structure,
 * 32-bit protected mode, paging off, interrupts off, no valid stack.
 */
#define CR0_PE_WP_PG 0x80010001
#define CR4_PAE      0x20
#define MSR_EFER     0xc0000080
#define EFER_LME     0x100
#define PTE_P_RW     0x03
#define PDE_2M       0x83			/* present, writable, 2 MiB page */
#define PTE_PWT_PCD  0x18			/* uncacheable */

#define SEL_CODE64 0x08
#define SEL_DATA   0x10

#ifndef MULTIBOOT2
/* Multiboot spec 0.6.96, 3.1.1-3.1.3 */
#define MB1_HEADER_MAGIC  0x1badb002
#define MB1_PAGE_ALIGN    (1 << 0)		/* modules on page boundaries */
#define MB1_MEMORY_INFO   (1 << 1)		/* mem_lower/mem_upper and the memory map */
#define MB1_ADDRESS_INFO  (1 << 16)		/* the address fields below are valid */
#define MB1_FLAGS         (MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_ADDRESS_INFO)

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
#else
/* Multiboot2 spec, 3.1.1-3.1.6 */
#define MB2_HEADER_MAGIC  0xe85250d6
#define MB2_ARCH_I386     0
#define MB2_TAG_END       0
#define MB2_TAG_ADDRESS   2
#define MB2_TAG_ENTRY     3

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long	MB2_HEADER_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	-(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	.balign 8
	.short	MB2_TAG_ADDRESS, 0
	.long	24
	.long	mb2_header			/* header_addr */
	.long	guest_image_start		/* load_addr */
	.long	guest_load_end			/* load_end_addr */
	.long	guest_image_end			/* bss_end_addr */

	.balign 8
	.short	MB2_TAG_ENTRY, 0
	.long	12
	.long	_start				/* entry_addr */

	.balign 8
	.short	MB2_TAG_END, 0
	.long	8
mb2_header_end:
#endif

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov	%eax, %ebp			/* the magic and the info address */
	mov	%ebx, %esi			/* survive the BSS clear below */

	mov	$guest_bss_start, %edi
	mov	$guest_image_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages */
	mov	$pdpt + PTE_P_RW, %eax
	mov	%eax, pml4
	mov	$pd + PTE_P_RW, %eax
	mov	$pdpt, %edi
	mov	$4, %ecx
1:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	1b
	mov	$PDE_2M, %eax
	mov	$pd, %edi
	mov	$2048, %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b
	/*
	 * The last GiB holds the local APIC and other MMIO: map it uncacheable,
	 * so the page attributes do not depend on the MTRRs (Intel SDM vol. 3, 12.5.2.2).
	 */
	mov	$pd + 3 * 4096, %edi
	mov	$512, %ecx
3:	orl	$PTE_PWT_PCD, (%edi)
	add	$8, %edi
	loop	3b

	/* Intel SDM vol. 3, 10.8.5: PAE, CR3, EFER.LME, then CR0.PG */
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PE_WP_PG, %eax
	mov	%eax, %cr0

	lgdt	gdt_ptr
	ljmp	$SEL_CODE64, $entry64

	.code64
entry64:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$stack_top, %rsp		/* RSP[63:32] are undefined after the switch */
	mov	%ebp, %edi			/* guest_main(magic, info) */
	xor	%ebp, %ebp			/* ends a backtrace */
	call	guest_main
4:	cli
	hlt
	jmp	4b

	.section .rodata
	.balign 8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
gdt_end:
gdt_ptr:
	.short	gdt_end - gdt - 1
	.long	gdt

	.section .bss
	.balign 4096
pml4:
	.skip	4096
pdpt:
	.skip	4096
pd:
	.skip	4 * 4096
stack_bottom:
	.skip	16384
stack_top:
