/* Per-CPU descriptor tables: GDT and TSS; one IDT shared by all CPUs. */
#ifndef HV_HOST_CPU_TABLES_H
#define HV_HOST_CPU_TABLES_H

#include "lib/types.h"

enum gdt_selector {
	SEL_CODE64 = 0x08,
	SEL_DATA = 0x10,
	SEL_TSS = 0x18,
};

enum ist_index {
	IST_DOUBLE_FAULT = 1,
	IST_NMI = 2,
	IST_MACHINE_CHECK = 3,
	IST_COUNT = 3,
};

#define IST_STACK_SIZE (8 * KiB)

/* Intel SDM vol. 3, 8.7: the 64-bit TSS */
struct tss64 {
	uint32_t reserved0;  /* 0x00 */
	uint64_t rsp[3];     /* 0x04 */
	uint64_t reserved1;  /* 0x1c */
	uint64_t ist[7];     /* 0x24 */
	uint64_t reserved2;  /* 0x5c */
	uint16_t reserved3;  /* 0x64 */
	uint16_t iomap_base; /* 0x66 */
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "tss64");

struct cpu_tables {
	uint64_t gdt[5]; /* null, code64, data, TSS (16 bytes) */
	struct tss64 tss;
	uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __aligned(16);
} __aligned(16);

void idt_init(void);
void cpu_tables_load(struct cpu_tables *t);

#endif
