/* The multiboot2 header (Multiboot2 spec, section 3.1). */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386    0
#define MB2_TAG_MODULE_ALIGN 6

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* Page-aligned modules: guest images are mapped, not copied. */
	.balign 8
	.short MB2_TAG_MODULE_ALIGN, 0
	.long 8

	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:
