/*
 * The CPU's rules for a MOV to CR0 or CR4 (and LMSW, CLTS), for the backends
 * that emulate them (vmx/cr_access.c, svm/cr_access.c): which writes it
 * refuses with #GP(0), which bits it has, which flush the TLB. Pure.
 */
#ifndef HV_LIB_CR_WRITE_H
#define HV_LIB_CR_WRITE_H

#include "lib/x86.h"

/* The bits CR0 has; the others of 31:0 are reserved and ignored when written (APM vol. 2, 3.1.1) */
#define CR0_ARCH_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
		       CR0_NW | CR0_CD | CR0_PG)
/* The bits LMSW loads (SDM vol. 2 and APM vol. 3, LMSW): PE, MP, EM, TS; it never clears PE */
#define CR0_LMSW_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS)
#define CR3_PCID      0xfffUL

/* Changing these flushes the TLB (SDM vol. 3, 4.10.4.1; APM vol. 2, 5.5) */
#define CR0_FLUSH_BITS (CR0_PG | CR0_PE | CR0_WP)
#define CR4_FLUSH_BITS (CR4_PGE | CR4_PAE | CR4_PSE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | \
			CR4_PKE | CR4_LA57)

/* The segment types of a 16-bit TSS, available and busy (SDM vol. 3, 3.5) */
#define TSS16_AVAILABLE 1
#define TSS16_BUSY      3

/* What the rules read of the guest. */
struct cr_state {
	uint64_t cr0, cr3, cr4, efer;
	bool cs_long; /* CS.L: with EFER.LMA, 64-bit code */
	bool tss16;   /* TR holds a 16-bit TSS */
};

/* 64-bit code moves 64 bits to a control register, other code 32 (SDM vol. 2, MOV CR). */
static inline bool cr_in_64bit_code(const struct cr_state *s)
{
	return (s->efer & EFER_LMA) && s->cs_long;
}

/*
 * MOV to CR0 that the CPU refuses with #GP(0) (SDM vol. 2, MOV to CR; APM
 * vol. 3, MOV CRn; SDM vol. 3, 2.5 and 10.8.5): bits 63:32; PG without PE;
 * NW without CD; WP cleared while CR4.CET is set; PG cleared in 64-bit code
 * or with CR4.PCIDE set; PG set with EFER.LME (long-mode activation, APM
 * vol. 2, 14.6) without CR4.PAE, from a 64-bit code segment or with a
 * 16-bit TSS in TR.
 */
bool cr0_write_faults(const struct cr_state *s, uint64_t val);

/*
 * MOV to CR4 that the CPU refuses with #GP(0) (same pages; SDM vol. 3,
 * 4.10.1): a bit outside cr4_valid (reserved, or of a feature the guest's
 * CPUID does not offer); in long mode PAE cleared or LA57 changed; PCIDE set
 * outside long mode or, from 0, with CR3[11:0] not 0; CET set while CR0.WP
 * is clear.
 */
bool cr4_write_faults(uint64_t cr4_valid, const struct cr_state *s, uint64_t val);

#endif
