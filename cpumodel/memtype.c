/* The values IA32_PAT and the MTRRs take (SDM vol. 3, 12.11-12.12; APM vol. 2, 7.7-7.8). */
#include "cpumodel/memtype.h"

static bool mtrr_type_valid(uint64_t type)
{
	return type == MEMTYPE_UC || type == MEMTYPE_WC || type == MEMTYPE_WT ||
	       type == MEMTYPE_WP || type == MEMTYPE_WB;
}

static bool pat_type_valid(uint64_t type)
{
	return mtrr_type_valid(type) || type == MEMTYPE_UC_MINUS;
}

/* Bits phys_bits to 63 of an address: above the guest's MAXPHYADDR. */
static uint64_t above_phys(unsigned int phys_bits)
{
	return phys_bits >= 64 ? 0 : ~0ULL << phys_bits;
}

bool pat_valid(uint64_t pat)
{
	for (unsigned int i = 0; i < 8; i++)
		if (!pat_type_valid((pat >> (8 * i)) & 0xff))
			return false;
	return true;
}

bool mtrr_def_type_valid(uint64_t val)
{
	return !(val & ~(0xffULL | MTRR_DEF_TYPE_FE | MTRR_DEF_TYPE_E)) &&
	       mtrr_type_valid(val & 0xff);
}

bool mtrr_fixed_valid(uint64_t val)
{
	for (unsigned int i = 0; i < 8; i++)
		if (!mtrr_type_valid((val >> (8 * i)) & 0xff))
			return false;
	return true;
}

bool mtrr_physbase_valid(uint64_t val, unsigned int phys_bits)
{
	return !(val & (0xf00 | above_phys(phys_bits))) && mtrr_type_valid(val & 0xff);
}

bool mtrr_physmask_valid(uint64_t val, unsigned int phys_bits)
{
	return !(val & (0x7ff | above_phys(phys_bits)));
}
