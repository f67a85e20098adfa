/* The CPU's rules for a MOV to CR0 or CR4 (lib/cr_write.h). */
#include "lib/cr_write.h"

bool cr0_write_faults(const struct cr_state *s, uint64_t val)
{
	bool pg_on = (val & CR0_PG) && !(s->cr0 & CR0_PG);
	bool pg_off = !(val & CR0_PG) && (s->cr0 & CR0_PG);

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)) || (!(val & CR0_WP) && (s->cr4 & CR4_CET)))
		return true;
	if (pg_off && (cr_in_64bit_code(s) || (s->cr4 & CR4_PCIDE)))
		return true;
	return pg_on && (s->efer & EFER_LME) && (!(s->cr4 & CR4_PAE) || s->cs_long || s->tss16);
}

bool cr4_write_faults(uint64_t cr4_valid, const struct cr_state *s, uint64_t val)
{
	bool long_mode = s->efer & EFER_LMA;

	if ((val & ~cr4_valid) || ((val & CR4_CET) && !(s->cr0 & CR0_WP)))
		return true;
	if (long_mode && (!(val & CR4_PAE) || ((val ^ s->cr4) & CR4_LA57)))
		return true;
	if ((val & CR4_PCIDE) && !long_mode)
		return true;
	return (val & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) && (s->cr3 & CR3_PCID);
}
