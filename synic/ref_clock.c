/* The partition reference time from the TSC (TLFS, "Partition Reference Time Enlightenment"). */
#include "synic/ref_clock.h"

#define KHZ_PER_REF_HZ 10000 /* tsc_khz * 1000 / HV_REF_HZ = tsc_khz / 10000 TSC ticks per unit */

static uint64_t mul_hi(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

/* (hi:lo) / d where hi < d, so the quotient fits: one DIV. */
static uint64_t div_128_64(uint64_t hi, uint64_t lo, uint64_t d)
{
	uint64_t q, r;

	asm("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
	(void)r;
	return q;
}

/* scale = 2^64 * HV_REF_HZ / (tsc_khz * 1000) = 2^64 * 10000 / tsc_khz */
void ref_clock_init(struct hv_ref_clock *c, uint64_t tsc_khz, uint64_t start, bool reliable)
{
	bool scalable = tsc_khz > KHZ_PER_REF_HZ;

	c->scale = scalable ? div_128_64(KHZ_PER_REF_HZ, 0, tsc_khz) : 0;
	c->offset = -(int64_t)mul_hi(start, c->scale);
	c->tsc_reliable = reliable && scalable;
	c->last = 0;
}

uint64_t ref_clock_at(const struct hv_ref_clock *c, uint64_t tsc)
{
	return mul_hi(tsc, c->scale) + (uint64_t)c->offset;
}

/*
 * The inverse through the TSC rate, split so that nothing overflows: units
 * of 10000 ticks-per-kHz whole, then the rest; one unit more makes up for the
 * scale's rounding down, so the clock has surely reached ref there. A ref
 * whose TSC lies beyond 2^64 - 1 (a timer set for the far future) gives
 * 2^64 - 1, never a wrapped TSC in the past. The offset is never positive:
 * the clock starts at a TSC of 0 or later.
 */
uint64_t ref_clock_tsc_for(const struct hv_ref_clock *c, uint64_t tsc_khz, uint64_t ref)
{
	uint64_t x = ref - (uint64_t)c->offset, whole, rest;

	if (x < ref)
		return UINT64_MAX;
	whole = x / KHZ_PER_REF_HZ;
	rest = x % KHZ_PER_REF_HZ * tsc_khz / KHZ_PER_REF_HZ + tsc_khz / KHZ_PER_REF_HZ + 1;
	if (tsc_khz && whole > (UINT64_MAX - rest) / tsc_khz)
		return UINT64_MAX;
	return whole * tsc_khz + rest;
}

/* The reference time that tsc_offset ticks make, signed (rounded toward zero). */
static int64_t ticks_to_ref(const struct hv_ref_clock *c, uint64_t tsc_offset)
{
	if ((int64_t)tsc_offset >= 0)
		return (int64_t)mul_hi(tsc_offset, c->scale);
	return -(int64_t)mul_hi(-tsc_offset, c->scale);
}

/* 0 means "not valid" and readers see 0xffffffff as no sequence: both skipped. */
static uint32_t next_sequence(uint32_t seq)
{
	return seq + 1 >= 0xffffffffu ? 1 : seq + 1;
}

void ref_clock_fill_page(const struct hv_ref_clock *c, struct hv_ref_tsc_page *page,
			 uint64_t tsc_offset, bool valid)
{
	uint32_t seq = page->sequence;

	page->sequence = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	page->scale = c->scale;
	page->offset = c->offset - ticks_to_ref(c, tsc_offset);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	page->sequence = c->tsc_reliable && valid ? next_sequence(seq) : 0;
}
