/*
 * The memory-type registers' rules (Intel SDM vol. 3, 12.11 "Memory Type
 * Range Registers" and 12.12 "Page Attribute Table"; AMD APM vol. 2, 7.7
 * and 7.8): which values IA32_PAT and the MTRRs take; any other is #GP.
 * Pure, for the host unit tests.
 */
#ifndef HV_CPUMODEL_MEMTYPE_H
#define HV_CPUMODEL_MEMTYPE_H

#include "lib/types.h"

enum memtype {
	MEMTYPE_UC = 0,
	MEMTYPE_WC = 1,
	MEMTYPE_WT = 4,
	MEMTYPE_WP = 5,
	MEMTYPE_WB = 6,
	MEMTYPE_UC_MINUS = 7, /* PAT only */
};

/* IA32_MTRRCAP: 8 variable ranges, fixed ranges and write-combining; no SMRR */
#define MTRRCAP_VCNT     8
#define MTRRCAP_FIX      BIT(8)
#define MTRRCAP_WC       BIT(10)
#define MTRRCAP_GUEST    (MTRRCAP_VCNT | MTRRCAP_FIX | MTRRCAP_WC)

/* IA32_MTRR_DEF_TYPE: the default type in 7:0, FE (fixed ranges on), E (MTRRs on) */
#define MTRR_DEF_TYPE_FE BIT(10)
#define MTRR_DEF_TYPE_E  BIT(11)
/* What firmware leaves for an operating system whose memory is all RAM: write-back everywhere */
#define MTRR_DEF_TYPE_FIRMWARE (MTRR_DEF_TYPE_E | MEMTYPE_WB)

/* IA32_MTRR_PHYSMASKn.V: the range is on */
#define MTRR_PHYSMASK_V  BIT(11)

/* Every byte UC, WC, WT, WP, WB or UC- (2 and 3 are reserved, as are bits 7:3). */
bool pat_valid(uint64_t pat);
/* Type, FE and E, the type one of UC, WC, WT, WP, WB. */
bool mtrr_def_type_valid(uint64_t val);
/* Each of the eight bytes of a fixed-range MTRR a valid MTRR type. */
bool mtrr_fixed_valid(uint64_t val);
/*
 * PHYSBASE: type in 7:0, the base in 51:12 below phys_bits (the guest's
 * MAXPHYADDR); PHYSMASK: V in 11, the mask in 51:12 below phys_bits.
 */
bool mtrr_physbase_valid(uint64_t val, unsigned int phys_bits);
bool mtrr_physmask_valid(uint64_t val, unsigned int phys_bits);

#endif
