/* The AP trampoline blob (smp/trampoline.S) and its parameter block. */
#ifndef HV_SMP_TRAMPOLINE_H
#define HV_SMP_TRAMPOLINE_H

#include "lib/types.h"

/* Offsets are fixed: smp/trampoline.S reads the fields by offset. */
struct trampoline_params {
	uint16_t gdt_limit;  /* 0x00: lgdt operand */
	uint32_t gdt_base;   /* 0x02 */
	uint32_t pm32_entry; /* 0x06: far pointer to trampoline_pm32 */
	uint16_t pm32_sel;   /* 0x0a */
	uint32_t lm_entry;   /* 0x0c: far pointer to ap_entry64 */
	uint16_t lm_sel;     /* 0x10 */
	uint32_t cr3;        /* 0x12 */
	uint32_t efer;       /* 0x16 */
	uint32_t stack;      /* 0x1a */
	uint32_t arg;        /* 0x1e: the AP's struct percpu */
} __packed;
_Static_assert(sizeof(struct trampoline_params) == 34, "trampoline params");

#define TRAMPOLINE_SEL_CODE64 0x08
#define TRAMPOLINE_SEL_CODE32 0x18
#define TRAMPOLINE_GDT_SIZE   32

extern const char trampoline_start[], trampoline_end[], trampoline_params[];
extern const char trampoline_gdt[], trampoline_pm32[];
extern const char ap_entry64[];

#endif
