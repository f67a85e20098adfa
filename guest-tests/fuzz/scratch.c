/*
 * The scratch region: pages of the fuzzer's own BSS over which the SynIC
 * pages, the hypercall page and the reference TSC page move, and where
 * hypercall inputs are written. Nothing else of the fuzzer lives there, so
 * whatever the hypervisor writes or maps there cannot hurt it.
 */
#include "guest-tests/fuzz/fuzz.h"

static uint8_t scratch[SCRATCH_PAGES][PAGE] __attribute__((aligned(PAGE)));
/* Holds bytes the fuzzer wrote as hypercall input, or that an overlay kept it from zeroing */
static bool dirty[SCRATCH_PAGES];

uint64_t scratch_gpa(unsigned int i)
{
	return (uint64_t)(uintptr_t)scratch[i % SCRATCH_PAGES];
}

uint64_t scratch_random(void)
{
	return scratch_gpa((unsigned int)rng_below(SCRATCH_PAGES));
}

static int index_of(uint64_t gpa)
{
	uint64_t base = scratch_gpa(0);

	if (gpa < base || gpa >= base + sizeof(scratch))
		return -1;
	return (int)((gpa - base) / PAGE);
}

bool scratch_contains(uint64_t gpa)
{
	return index_of(gpa) >= 0;
}

bool scratch_is_dirty(uint64_t gpa)
{
	int i = index_of(gpa);

	return i < 0 || dirty[i];
}

void scratch_mark_dirty(uint64_t gpa)
{
	int i = index_of(gpa);

	if (i >= 0)
		dirty[i] = true;
}

static void zero_page(void *arg)
{
	volatile uint64_t *p = arg;

	for (unsigned int i = 0; i < PAGE / 8; i++)
		p[i] = 0;
}

/* An overlay page is read-only (TLFS "GPA Overlay Pages"): the write #GPs and the page stays dirty. */
bool scratch_zero(uint64_t gpa)
{
	int i = index_of(gpa);

	if (i < 0)
		return false;
	dirty[i] = guest_try(zero_page, scratch[i]).vector != NO_EXCEPTION;
	return !dirty[i];
}

/* Page-aligned guest-physical addresses that are no RAM of the partition */
uint64_t outside_ram_gpa(void)
{
	uint64_t end = (fz.mem_size + PAGE - 1) & ~(PAGE - 1);

	switch (rng_below(8)) {
	case 0:
		return end;
	case 1:
		return end + PAGE * rng_range(1, 256);
	case 2:
		return 1ULL << 32;
	case 3:
		return 0xfee00000; /* the local APIC */
	case 4:
		return 0xfec00000; /* the I/O APIC */
	case 5:
		return 1ULL << 40;
	case 6:
		return (1ULL << 52) - PAGE;
	default:
		return (end + (rng_u64() & ((1ULL << 51) - 1))) & ~(PAGE - 1); /* below 2^52 */
	}
}
