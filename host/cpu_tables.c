/* GDT, TSS (with IST stacks for #DF, NMI and #MC) and the IDT. */
#include "host/cpu_tables.h"
#include "host/traps.h"

/* Intel SDM vol. 3, 7.14.1: a 64-bit interrupt gate */
struct idt_gate {
	uint16_t offset_lo; /* 0x00 */
	uint16_t selector;  /* 0x02 */
	uint8_t ist;        /* 0x04 */
	uint8_t type_attr;  /* 0x05 */
	uint16_t offset_mid;/* 0x06 */
	uint32_t offset_hi; /* 0x08 */
	uint32_t reserved;  /* 0x0c */
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "idt gate");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

#define GATE_INTERRUPT_PRESENT 0x8e
#define TSS_AVAILABLE_PRESENT  0x89ULL

static struct idt_gate idt[256] __aligned(16);

static uint8_t ist_for_vector(unsigned int vector)
{
	switch (vector) {
	case 2:
		return IST_NMI;
	case 8:
		return IST_DOUBLE_FAULT;
	case 18:
		return IST_MACHINE_CHECK;
	default:
		return 0;
	}
}

void idt_init(void)
{
	for (unsigned int v = 0; v < ARRAY_SIZE(idt); v++) {
		uint64_t addr = trap_stubs[v];
		idt[v] = (struct idt_gate){
			.offset_lo = addr & 0xffff,
			.selector = SEL_CODE64,
			.ist = ist_for_vector(v),
			.type_attr = GATE_INTERRUPT_PRESENT,
			.offset_mid = (addr >> 16) & 0xffff,
			.offset_hi = addr >> 32,
		};
	}
}

static void gdt_set_tss(uint64_t *gdt, const struct tss64 *tss)
{
	uint64_t base = (uintptr_t)tss, limit = sizeof(*tss) - 1;

	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (TSS_AVAILABLE_PRESENT << 40) | ((limit >> 16) << 48) |
			   ((base >> 24) & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;
}

static void load_gdt_and_segments(uint64_t *gdt, size_t size)
{
	struct desc_ptr p = { (uint16_t)(size - 1), (uintptr_t)gdt };

	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %2, %%ds\n\t"
		     "mov %2, %%es\n\t"
		     "mov %2, %%ss\n\t"
		     :
		     : "m"(p), "i"(SEL_CODE64), "r"((uint64_t)SEL_DATA)
		     : "rax", "memory");
}

void cpu_tables_load(struct cpu_tables *t)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	t->gdt[0] = 0;
	t->gdt[SEL_CODE64 / 8] = 0x00af9a000000ffffULL;
	t->gdt[SEL_DATA / 8] = 0x00cf92000000ffffULL;
	t->tss = (struct tss64){ .iomap_base = sizeof(struct tss64) };
	for (unsigned int i = 0; i < IST_COUNT; i++)
		t->tss.ist[i] = (uintptr_t)t->ist_stacks[i] + IST_STACK_SIZE;
	gdt_set_tss(t->gdt, &t->tss);
	load_gdt_and_segments(t->gdt, sizeof(t->gdt));
	asm volatile("ltr %w0" ::"r"(SEL_TSS));
	asm volatile("lidt %0" ::"m"(idtr));
}
