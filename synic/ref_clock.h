/*
 * The partition reference time (TLFS, "Partition Reference Counter" and
 * "Partition Reference Time Enlightenment"): 100 ns units since the
 * partition started, as the reference TSC page has guests compute it,
 * ((TSC * scale) >> 64) + offset. Pure arithmetic.
 */
#ifndef HV_SYNIC_REF_CLOCK_H
#define HV_SYNIC_REF_CLOCK_H

#include "synic/hv_state.h"

#define HV_REF_HZ 10000000ULL /* the reference time counts 100 ns units */

/* The reference TSC page */
struct hv_ref_tsc_page {
	uint32_t sequence;  /* 0: not valid, use TIME_REF_COUNT */
	uint32_t reserved1;
	uint64_t scale;
	int64_t offset;
	uint64_t reserved2[509];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_ref_tsc_page) == PAGE_SIZE, "reference TSC page");

/*
 * Starts the clock at 0 at TSC start for a TSC of tsc_khz. A TSC of 10 MHz
 * or less cannot be scaled (the scale would not fit in 64 bits): the clock
 * then counts nothing usable and is marked unreliable.
 */
void ref_clock_init(struct hv_ref_clock *c, uint64_t tsc_khz, uint64_t start, bool reliable);
uint64_t ref_clock_at(const struct hv_ref_clock *c, uint64_t tsc);
/* The first TSC value at which the reference time is at least ref. */
uint64_t ref_clock_tsc_for(const struct hv_ref_clock *c, uint64_t tsc_khz, uint64_t ref);
/*
 * Fills the page a guest reads, for vCPUs whose TSC is the host's plus
 * tsc_offset (within one unit of the clock), with a new sequence number so
 * that a guest reading it meanwhile reads again (TLFS, "Reference TSC
 * Page"); sequence 0 (use TIME_REF_COUNT) when the TSC is not to be trusted
 * or not valid (the vCPUs' TSCs differ).
 */
void ref_clock_fill_page(const struct hv_ref_clock *c, struct hv_ref_tsc_page *page,
			 uint64_t tsc_offset, bool valid);

#endif
