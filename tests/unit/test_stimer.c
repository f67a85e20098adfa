/* Host unit tests of the synthetic timers of one vCPU (synic/stimer.c, TLFS 12.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "synic/stimer.h"

#define CONFIG_MSR(n) (HV_MSR_STIMER0_CONFIG + 2 * (n))
#define COUNT_MSR(n)  (HV_MSR_STIMER0_CONFIG + 2 * (n) + 1)

/* STIMERn_CONFIG bits */
#define CFG_ENABLE    BIT(0)
#define CFG_PERIODIC  BIT(1)
#define CFG_LAZY      BIT(2)
#define CFG_AUTO      BIT(3)
#define CFG_VECTOR(v) ((uint64_t)(v) << 4)
#define CFG_DIRECT    BIT(12)
#define CFG_SINT(n)   ((uint64_t)(n) << 16)
#define CFG_VALID     0x000f1fffULL	/* every bit that is not RsvdZ */

#define MAX_EVENTS 64

static struct stimers st;

static struct {
	bool busy;		/* the SINT slots are taken: deliver fails */
	unsigned int attempts;	/* deliver calls, busy or not */
	unsigned int delivers, raises;
	struct { unsigned int sint; struct hv_message msg; } delivered[MAX_EVENTS];
	uint8_t raised[MAX_EVENTS];
} seen;
static int ctx_token;	/* its address is the ctx every callback must get back */

static bool fake_deliver(void *ctx, unsigned int sint, const struct hv_message *msg)
{
	assert_ptr_equal(ctx, &ctx_token);
	assert_true(sint < HV_SINT_COUNT);
	seen.attempts++;
	if (seen.busy)
		return false;
	assert_true(seen.delivers < MAX_EVENTS);
	seen.delivered[seen.delivers].sint = sint;
	seen.delivered[seen.delivers].msg = *msg;
	seen.delivers++;
	return true;
}

static void fake_raise(void *ctx, uint8_t vector)
{
	assert_ptr_equal(ctx, &ctx_token);
	assert_true(seen.raises < MAX_EVENTS);
	seen.raised[seen.raises++] = vector;
}

static const struct stimer_env env = {
	.deliver = fake_deliver,
	.raise = fake_raise,
};

static void reset(void)
{
	memset(&st, 0x5a, sizeof(st));	/* stimers_init must reset it */
	memset(&seen, 0, sizeof(seen));
	stimers_init(&st, &env, &ctx_token);
}

static int setup(void **state)
{
	(void)state;
	reset();
	return 0;
}

/* ---- helpers ---- */

static uint64_t rd(uint32_t msr)
{
	uint64_t val = 0xdeadbeefdeadbeefULL;

	assert_true(stimer_is_msr(msr));
	assert_true(stimer_msr_read(&st, msr, &val));
	return val;
}

static void wr(uint32_t msr, uint64_t val, uint64_t now)
{
	assert_true(stimer_msr_write(&st, msr, val, now));
}

static bool enabled(unsigned int n) { return rd(CONFIG_MSR(n)) & CFG_ENABLE; }

/* Timer n one-shot, due at the absolute time count, with flags (SINT, direct...) set at now. */
static void start_oneshot(unsigned int n, uint64_t flags, uint64_t count, uint64_t now)
{
	wr(COUNT_MSR(n), count, now);
	wr(CONFIG_MSR(n), CFG_ENABLE | flags, now);
	assert_true(enabled(n));
}

/* Timer n periodic with period, enabled at now (the first period starts then). */
static void start_periodic(unsigned int n, uint64_t flags, uint64_t period, uint64_t now)
{
	wr(COUNT_MSR(n), period, now);
	wr(CONFIG_MSR(n), CFG_ENABLE | CFG_PERIODIC | flags, now);
	assert_true(enabled(n));
}

static struct hv_timer_message_payload payload_of(unsigned int i)
{
	struct hv_timer_message_payload p;

	assert_true(i < seen.delivers);
	memcpy(&p, seen.delivered[i].msg.payload, sizeof(p));
	return p;
}

/* Delivery i is a timer-expired message of timer on sint, due at exp, delivered at at. */
static void assert_timer_msg(unsigned int i, unsigned int sint, unsigned int timer,
			     uint64_t exp, uint64_t at)
{
	const struct hv_message *m = &seen.delivered[i].msg;
	struct hv_timer_message_payload p = payload_of(i);

	assert_int_equal(seen.delivered[i].sint, sint);
	assert_int_equal(m->type, HV_MESSAGE_TIMER_EXPIRED);
	assert_int_equal(m->payload_size, 24);
	assert_int_equal(m->origin, 0);
	assert_int_equal(p.timer_index, timer);
	assert_int_equal(p.reserved, 0);
	assert_int_equal(p.expiration_time, exp);
	assert_int_equal(p.delivery_time, at);
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

/* xorshift64*: deterministic "random-ish" values */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A value in [lo, hi] */
static uint64_t rnd_in(uint64_t lo, uint64_t hi) { return lo + rnd() % (hi - lo + 1); }

/* ---- the MSR map ---- */

static void test_is_msr_range_edges(void **state)
{
	(void)state;
	for (uint32_t msr = 0x400000b0; msr <= 0x400000b7; msr++)
		assert_true(stimer_is_msr(msr));
	assert_false(stimer_is_msr(0x400000af));
	assert_false(stimer_is_msr(0x400000b8));
}

static void test_reset_values_zero(void **state)
{
	(void)state;
	for (uint32_t msr = 0x400000b0; msr <= 0x400000b7; msr++)
		assert_int_equal(rd(msr), 0);
	assert_int_equal(stimer_next_expiration(&st), 0);
}

static void test_config_and_count_read_back_per_timer(void **state)
{
	(void)state;
	for (unsigned int n = 0; n < HV_STIMER_COUNT; n++) {
		/* not enabled, no AutoEnable: nothing is armed */
		wr(CONFIG_MSR(n), CFG_LAZY | CFG_VECTOR(0x40 + n) | CFG_SINT(n + 1), 0);
		wr(COUNT_MSR(n), 1000 + n, 0);
		for (unsigned int m = 0; m < HV_STIMER_COUNT; m++) {
			uint64_t cfg = m <= n ? CFG_LAZY | CFG_VECTOR(0x40 + m) | CFG_SINT(m + 1) : 0;
			uint64_t count = m <= n ? 1000 + m : 0;

			assert_int_equal(rd(CONFIG_MSR(m)), cfg);
			assert_int_equal(rd(COUNT_MSR(m)), count);
		}
	}
}

/* ---- CONFIG reserved bits ---- */

static void test_config_reserved_bits_gp_keeps_old(void **state)
{
	const uint64_t old = CFG_PERIODIC | CFG_VECTOR(0x77) | CFG_SINT(9);

	(void)state;
	wr(CONFIG_MSR(2), old, 0);
	for (unsigned int b = 0; b < 64; b++) {
		if (!((b >= 13 && b <= 15) || b >= 20))
			continue;
		assert_false(stimer_msr_write(&st, CONFIG_MSR(2), old | BIT(b), 0));
		assert_int_equal(rd(CONFIG_MSR(2)), old);
	}
	assert_int_equal(stimer_next_expiration(&st), 0);
}

static void test_config_non_reserved_bits_accepted(void **state)
{
	(void)state;
	wr(CONFIG_MSR(1), CFG_VALID, 0);
	assert_int_equal(rd(CONFIG_MSR(1)), CFG_VALID);
	/* each bit alone but Enable (which alone means SINT 0 in message mode) */
	for (unsigned int b = 1; b < 20; b++) {
		if (b >= 13 && b <= 15)
			continue;
		wr(CONFIG_MSR(1), BIT(b), 0);
		assert_int_equal(rd(CONFIG_MSR(1)), BIT(b));
	}
}

/* ---- SINTx 0 ---- */

static void test_message_mode_sint0_enable_cleared(void **state)
{
	(void)state;
	wr(COUNT_MSR(0), 500, 0);
	wr(CONFIG_MSR(0), CFG_ENABLE | CFG_SINT(0) | CFG_VECTOR(0x33), 0);
	assert_int_equal(rd(CONFIG_MSR(0)), CFG_VECTOR(0x33));
	assert_int_equal(stimer_next_expiration(&st), 0);
	stimer_poll(&st, 1000);
	assert_int_equal(seen.attempts, 0);
}

static void test_message_mode_sint0_auto_enable_count_stays_disabled(void **state)
{
	(void)state;
	wr(CONFIG_MSR(0), CFG_AUTO | CFG_SINT(0), 0);
	wr(COUNT_MSR(0), 500, 0);
	assert_false(enabled(0));
	assert_int_equal(stimer_next_expiration(&st), 0);
}

static void test_direct_mode_sint0_keeps_enable(void **state)
{
	const uint64_t cfg = CFG_ENABLE | CFG_DIRECT | CFG_VECTOR(0x50) | CFG_SINT(0);

	(void)state;
	wr(CONFIG_MSR(3), cfg, 0);
	assert_int_equal(rd(CONFIG_MSR(3)), cfg);
}

/* ---- one-shot ---- */

static void test_oneshot_not_expired_before_count(void **state)
{
	(void)state;
	start_oneshot(0, CFG_SINT(2), 1000, 10);
	assert_int_equal(stimer_next_expiration(&st), 1000);
	stimer_poll(&st, 10);
	stimer_poll(&st, 999);
	assert_int_equal(seen.attempts, 0);
	assert_true(enabled(0));
	assert_int_equal(stimer_next_expiration(&st), 1000);
}

static void test_oneshot_expires_exactly_once(void **state)
{
	(void)state;
	start_oneshot(0, CFG_SINT(2), 1000, 10);
	stimer_poll(&st, 1000);
	assert_int_equal(seen.delivers, 1);
	stimer_poll(&st, 1000);
	stimer_poll(&st, 1001);
	stimer_poll(&st, 1000000);
	assert_int_equal(seen.attempts, 1);
}

static void test_oneshot_message_layout(void **state)
{
	(void)state;
	start_oneshot(2, CFG_SINT(5), 1000, 10);
	stimer_poll(&st, 1003);
	assert_int_equal(seen.delivers, 1);
	assert_int_equal(seen.delivered[0].msg.flags, 0);
	assert_timer_msg(0, 5, 2, 1000, 1003);
}

static void test_oneshot_delivered_on_configured_sint(void **state)
{
	(void)state;
	start_oneshot(0, CFG_SINT(1), 100, 0);
	start_oneshot(1, CFG_SINT(15), 200, 0);
	start_oneshot(2, CFG_SINT(7), 300, 0);
	start_oneshot(3, CFG_SINT(7), 400, 0);
	stimer_poll(&st, 400);
	assert_int_equal(seen.delivers, 4);
	assert_timer_msg(0, 1, 0, 100, 400);
	assert_timer_msg(1, 15, 1, 200, 400);
	assert_timer_msg(2, 7, 2, 300, 400);
	assert_timer_msg(3, 7, 3, 400, 400);
}

static void test_oneshot_expiry_clears_enable_and_disarms(void **state)
{
	(void)state;
	start_oneshot(1, CFG_SINT(3) | CFG_VECTOR(0x21), 1000, 10);
	stimer_poll(&st, 1000);
	assert_int_equal(rd(CONFIG_MSR(1)), CFG_SINT(3) | CFG_VECTOR(0x21));
	assert_int_equal(rd(COUNT_MSR(1)), 1000);
	assert_int_equal(stimer_next_expiration(&st), 0);
}

static void test_oneshot_count_in_past_expires_at_next_poll(void **state)
{
	(void)state;
	start_oneshot(0, CFG_SINT(4), 1000, 5000);
	assert_int_equal(stimer_next_expiration(&st), 1000);
	stimer_poll(&st, 5000);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 4, 0, 1000, 5000);
	assert_false(enabled(0));
}

/* ---- periodic ---- */

static void test_periodic_first_expiration_write_time_plus_period(void **state)
{
	(void)state;
	start_periodic(0, CFG_SINT(2), 100, 300);
	assert_int_equal(stimer_next_expiration(&st), 400);
	stimer_poll(&st, 399);
	assert_int_equal(seen.attempts, 0);
	stimer_poll(&st, 400);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 2, 0, 400, 400);
}

static void test_periodic_one_message_per_period(void **state)
{
	const uint64_t start = 300, period = 100;

	(void)state;
	start_periodic(1, CFG_SINT(6), period, start);
	for (unsigned int k = 1; k <= 10; k++) {
		stimer_poll(&st, start + k * period);
		stimer_poll(&st, start + k * period + period / 2);
		assert_int_equal(seen.delivers, k);
		assert_timer_msg(k - 1, 6, 1, start + k * period, start + k * period);
		assert_int_equal(stimer_next_expiration(&st), start + (k + 1) * period);
		assert_true(enabled(1));
	}
}

static void test_periodic_non_lazy_catches_up_two_missed(void **state)
{
	const uint64_t start = 1000, period = 100, now = start + 3 * period;

	(void)state;
	start_periodic(0, CFG_SINT(2), period, start);
	/* due at start + P, missed start + 2P and start + 3P: one more per poll */
	for (unsigned int k = 1; k <= 3; k++) {
		stimer_poll(&st, now);
		assert_int_equal(seen.delivers, k);
		assert_timer_msg(k - 1, 2, 0, start + k * period, now);
		assert_int_equal(stimer_next_expiration(&st), start + (k + 1) * period);
	}
	stimer_poll(&st, now);
	assert_int_equal(seen.attempts, 3);
}

static void test_periodic_non_lazy_makes_up_three_missed(void **state)
{
	const uint64_t start = 1000, period = 100, now = start + 4 * period + 50;

	(void)state;
	start_periodic(0, CFG_SINT(2), period, start);
	for (unsigned int k = 1; k <= 6; k++)
		stimer_poll(&st, now);
	assert_int_equal(seen.delivers, 4);
	for (unsigned int k = 1; k <= 4; k++)
		assert_timer_msg(k - 1, 2, 0, start + k * period, now);
	assert_int_equal(stimer_next_expiration(&st), start + 5 * period);
}

static void test_periodic_non_lazy_more_than_three_missed_skips(void **state)
{
	const uint64_t start = 1000, period = 100, now = start + 5 * period + 50;

	(void)state;
	start_periodic(0, CFG_SINT(2), period, start);
	stimer_poll(&st, now);
	stimer_poll(&st, now);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 2, 0, start + period, now);
	assert_int_equal(stimer_next_expiration(&st), start + 6 * period);
}

/*
 * Found by the guest fuzzer (seed=1): a period near 2^64 made now + COUNT
 * wrap into the past, and the timer fired at every poll with expirations
 * going backwards. It is never due now.
 */
static void test_periodic_huge_period_never_due(void **state)
{
	static const uint64_t periods[] = { UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 999,
					    1ULL << 63 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(periods); i++) {
		reset();
		start_periodic(0, CFG_SINT(2), periods[i], 1000);
		assert_true(stimer_next_expiration(&st) > 1000);
		stimer_poll(&st, 1001);
		stimer_poll(&st, 1ULL << 62);
		assert_int_equal(seen.attempts, 0);
	}
}

/* Expirations that would pass 2^64 - 1 stay there instead of wrapping to the past. */
static void test_periodic_next_expiration_saturates(void **state)
{
	const uint64_t period = 1ULL << 62;

	(void)state;
	for (unsigned int lazy = 0; lazy < 2; lazy++) {
		reset();
		start_periodic(0, (lazy ? CFG_LAZY : 0) | CFG_SINT(2), period, 0);
		for (uint64_t k = 1; k <= 3; k++)
			stimer_poll(&st, k * period);
		assert_int_equal(seen.delivers, 3);
		assert_int_equal(stimer_next_expiration(&st), UINT64_MAX);
		stimer_poll(&st, UINT64_MAX - 1);
		assert_int_equal(seen.delivers, 3);
	}
}

static void test_periodic_lazy_skips_to_next_future_period(void **state)
{
	static const uint64_t late[] = { 2 * 100, 2 * 100 + 1, 3 * 100 - 1, 3 * 100, 3 * 100 + 50,
					 1000 * 100 + 99 };
	const uint64_t start = 1000, period = 100;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(late); i++) {
		uint64_t now = start + period + late[i], next;

		reset();
		start_periodic(0, CFG_LAZY | CFG_SINT(2), period, start);
		stimer_poll(&st, now);
		stimer_poll(&st, now);
		assert_int_equal(seen.delivers, 1);
		assert_timer_msg(0, 2, 0, start + period, now);
		next = stimer_next_expiration(&st);
		assert_true(next > now);
		assert_true(next <= now + period);
		assert_int_equal((next - start) % period, 0);
	}
}

/* ---- never early ---- */

static void test_never_delivers_before_expiration(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 2000; i++) {
		bool periodic = rnd() & 1;
		uint64_t written = rnd_in(0, 1ULL << 40);
		uint64_t count = rnd_in(1, i & 1 ? 1ULL << 40 : 1000);
		uint64_t exp, now = written;	/* polls come after the write */
		unsigned int n = rnd() % HV_STIMER_COUNT;

		reset();
		if (periodic) {
			start_periodic(n, CFG_SINT(1 + n) | (rnd() & CFG_LAZY), count, written);
			exp = written + count;
		} else {
			start_oneshot(n, CFG_SINT(1 + n), count, written);
			exp = count;
		}
		assert_int_equal(stimer_next_expiration(&st), exp);
		for (unsigned int j = 0; j < 8 && now < exp; j++) {
			now = rnd_in(now, exp - 1);
			stimer_poll(&st, now);
			assert_int_equal(seen.attempts, 0);
		}
		now = MAX(now, exp);
		stimer_poll(&st, now);
		assert_int_equal(seen.delivers, 1);
		assert_timer_msg(0, 1 + n, n, exp, now);
	}
}

/* ---- AutoEnable and COUNT 0 ---- */

static void test_auto_enable_nonzero_count_enables_and_arms(void **state)
{
	(void)state;
	wr(CONFIG_MSR(2), CFG_AUTO | CFG_SINT(3), 0);
	assert_false(enabled(2));
	assert_int_equal(stimer_next_expiration(&st), 0);
	wr(COUNT_MSR(2), 500, 10);
	assert_true(enabled(2));
	assert_int_equal(stimer_next_expiration(&st), 500);
	stimer_poll(&st, 500);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 3, 2, 500, 500);
}

static void test_auto_enable_periodic_first_period_from_count_write(void **state)
{
	(void)state;
	wr(CONFIG_MSR(2), CFG_AUTO | CFG_PERIODIC | CFG_SINT(3), 0);
	wr(COUNT_MSR(2), 500, 70);
	assert_true(enabled(2));
	assert_int_equal(stimer_next_expiration(&st), 570);
}

static void test_count_nonzero_without_auto_enable_stays_disabled(void **state)
{
	(void)state;
	wr(CONFIG_MSR(2), CFG_SINT(3), 0);
	wr(COUNT_MSR(2), 500, 10);
	assert_false(enabled(2));
	assert_int_equal(stimer_next_expiration(&st), 0);
	stimer_poll(&st, 1000);
	assert_int_equal(seen.attempts, 0);
}

static void test_count_zero_disables_despite_auto_enable(void **state)
{
	(void)state;
	start_oneshot(1, CFG_AUTO | CFG_SINT(3), 500, 0);
	wr(COUNT_MSR(1), 0, 10);
	assert_false(enabled(1));
	assert_int_equal(rd(COUNT_MSR(1)), 0);
	assert_int_equal(stimer_next_expiration(&st), 0);
	stimer_poll(&st, 1000000);
	assert_int_equal(seen.attempts, 0);
}

static void test_count_zero_periodic_disables(void **state)
{
	(void)state;
	start_periodic(1, CFG_AUTO | CFG_SINT(3), 500, 0);
	wr(COUNT_MSR(1), 0, 10);
	assert_false(enabled(1));
	assert_int_equal(stimer_next_expiration(&st), 0);
	stimer_poll(&st, 1000000);
	assert_int_equal(seen.attempts, 0);
}

static void test_config_disable_disarms(void **state)
{
	(void)state;
	start_periodic(0, CFG_SINT(3), 500, 0);
	wr(CONFIG_MSR(0), CFG_PERIODIC | CFG_SINT(3), 10);
	assert_int_equal(stimer_next_expiration(&st), 0);
	stimer_poll(&st, 1000000);
	assert_int_equal(seen.attempts, 0);
}

/* ---- direct mode ---- */

static void test_direct_oneshot_raises_vector_no_message(void **state)
{
	(void)state;
	start_oneshot(3, CFG_DIRECT | CFG_VECTOR(0xe1) | CFG_SINT(5), 700, 0);
	stimer_poll(&st, 699);
	assert_int_equal(seen.raises, 0);
	stimer_poll(&st, 700);
	stimer_poll(&st, 800);
	assert_int_equal(seen.raises, 1);
	assert_int_equal(seen.raised[0], 0xe1);
	assert_int_equal(seen.attempts, 0);
	assert_false(enabled(3));
	assert_int_equal(stimer_next_expiration(&st), 0);
}

static void test_direct_periodic_raises_each_period(void **state)
{
	(void)state;
	start_periodic(0, CFG_DIRECT | CFG_VECTOR(0x42), 250, 1000);
	for (unsigned int k = 1; k <= 5; k++) {
		stimer_poll(&st, 1000 + k * 250 - 1);
		stimer_poll(&st, 1000 + k * 250);
		assert_int_equal(seen.raises, k);
		assert_int_equal(seen.raised[k - 1], 0x42);
		assert_int_equal(stimer_next_expiration(&st), 1000 + (k + 1) * 250);
	}
	assert_int_equal(seen.attempts, 0);
	assert_true(enabled(0));
}

static void test_direct_ignores_busy_slot(void **state)
{
	(void)state;
	seen.busy = true;
	start_oneshot(0, CFG_DIRECT | CFG_VECTOR(0x42) | CFG_SINT(2), 100, 0);
	stimer_poll(&st, 100);
	assert_int_equal(seen.raises, 1);
	assert_int_equal(seen.attempts, 0);
	assert_false(enabled(0));
	stimer_sints_acked(&st, 0xffff, 200);
	assert_int_equal(seen.raises, 1);
	assert_int_equal(seen.attempts, 0);
}

/* ---- busy slot ---- */

static void test_busy_oneshot_not_rearmed(void **state)
{
	(void)state;
	seen.busy = true;
	start_oneshot(0, CFG_SINT(4), 1000, 0);
	stimer_poll(&st, 1000);
	assert_int_equal(seen.attempts, 1);
	assert_int_equal(seen.delivers, 0);
	assert_int_equal(stimer_next_expiration(&st), 0);
	assert_true(enabled(0));	/* it has not gone yet */
	seen.busy = false;
	stimer_poll(&st, 2000);
	stimer_poll(&st, 1000000);
	assert_int_equal(seen.attempts, 1);
}

static void test_busy_oneshot_delivered_when_its_sint_acked(void **state)
{
	(void)state;
	seen.busy = true;
	start_oneshot(1, CFG_SINT(4), 1000, 0);
	stimer_poll(&st, 1000);
	seen.busy = false;
	stimer_sints_acked(&st, BIT(4) | BIT(9), 1500);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 4, 1, 1000, 1500);
	assert_false(enabled(1));
	assert_int_equal(stimer_next_expiration(&st), 0);
	stimer_sints_acked(&st, 0xffff, 1600);
	stimer_poll(&st, 2000);
	assert_int_equal(seen.attempts, 2);
}

static void test_busy_oneshot_ack_of_other_sints_delivers_nothing(void **state)
{
	(void)state;
	seen.busy = true;
	start_oneshot(1, CFG_SINT(4), 1000, 0);
	stimer_poll(&st, 1000);
	seen.busy = false;
	stimer_sints_acked(&st, 0xffff & ~BIT(4), 1500);
	assert_int_equal(seen.attempts, 1);
	assert_true(enabled(1));
	/* still waiting for its own SINT */
	stimer_sints_acked(&st, BIT(4), 1700);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 4, 1, 1000, 1700);
}

static void test_busy_oneshot_ack_while_still_busy_keeps_waiting(void **state)
{
	(void)state;
	seen.busy = true;
	start_oneshot(2, CFG_SINT(6), 1000, 0);
	stimer_poll(&st, 1000);
	stimer_sints_acked(&st, BIT(6), 1200);
	assert_int_equal(seen.attempts, 2);
	assert_int_equal(seen.delivers, 0);
	assert_true(enabled(2));
	seen.busy = false;
	stimer_sints_acked(&st, BIT(6), 1300);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 6, 2, 1000, 1300);
	assert_false(enabled(2));
}

static void test_busy_oneshot_count_rewrite_drops_waiting_message(void **state)
{
	(void)state;
	seen.busy = true;
	start_oneshot(0, CFG_SINT(4), 1000, 0);
	stimer_poll(&st, 1000);
	seen.busy = false;
	wr(COUNT_MSR(0), 5000, 1100);
	stimer_sints_acked(&st, BIT(4), 1200);
	assert_int_equal(seen.attempts, 1);
	stimer_poll(&st, 5000);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 4, 0, 5000, 5000);
}

static void test_busy_periodic_tick_dropped_not_retried(void **state)
{
	(void)state;
	seen.busy = true;
	start_periodic(0, CFG_SINT(4), 100, 0);
	stimer_poll(&st, 100);
	assert_int_equal(seen.attempts, 1);
	assert_int_equal(seen.delivers, 0);
	assert_true(enabled(0));
	assert_int_equal(stimer_next_expiration(&st), 200);
	seen.busy = false;
	stimer_sints_acked(&st, 0xffff, 150);
	assert_int_equal(seen.attempts, 1);
	stimer_poll(&st, 200);
	assert_int_equal(seen.delivers, 1);
	assert_timer_msg(0, 4, 0, 200, 200);
}

/* ---- the earliest expiration ---- */

static void test_next_expiration_is_minimum_over_timers(void **state)
{
	(void)state;
	start_oneshot(0, CFG_SINT(1), 4000, 0);
	start_oneshot(1, CFG_SINT(1), 1500, 0);
	start_periodic(2, CFG_SINT(1), 3000, 0);
	wr(COUNT_MSR(3), 10, 0);	/* not enabled: not counted */
	assert_int_equal(stimer_next_expiration(&st), 1500);
	stimer_poll(&st, 1500);
	assert_int_equal(stimer_next_expiration(&st), 3000);
	stimer_poll(&st, 3000);
	assert_int_equal(stimer_next_expiration(&st), 4000);
	stimer_poll(&st, 4000);
	assert_int_equal(stimer_next_expiration(&st), 6000);
	wr(CONFIG_MSR(2), 0, 4100);
	assert_int_equal(stimer_next_expiration(&st), 0);
	assert_int_equal(seen.delivers, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_is_msr_range_edges, setup),
		cmocka_unit_test_setup(test_reset_values_zero, setup),
		cmocka_unit_test_setup(test_config_and_count_read_back_per_timer, setup),
		cmocka_unit_test_setup(test_config_reserved_bits_gp_keeps_old, setup),
		cmocka_unit_test_setup(test_config_non_reserved_bits_accepted, setup),
		cmocka_unit_test_setup(test_message_mode_sint0_enable_cleared, setup),
		cmocka_unit_test_setup(test_message_mode_sint0_auto_enable_count_stays_disabled, setup),
		cmocka_unit_test_setup(test_direct_mode_sint0_keeps_enable, setup),
		cmocka_unit_test_setup(test_oneshot_not_expired_before_count, setup),
		cmocka_unit_test_setup(test_oneshot_expires_exactly_once, setup),
		cmocka_unit_test_setup(test_oneshot_message_layout, setup),
		cmocka_unit_test_setup(test_oneshot_delivered_on_configured_sint, setup),
		cmocka_unit_test_setup(test_oneshot_expiry_clears_enable_and_disarms, setup),
		cmocka_unit_test_setup(test_oneshot_count_in_past_expires_at_next_poll, setup),
		cmocka_unit_test_setup(test_periodic_first_expiration_write_time_plus_period, setup),
		cmocka_unit_test_setup(test_periodic_one_message_per_period, setup),
		cmocka_unit_test_setup(test_periodic_non_lazy_catches_up_two_missed, setup),
		cmocka_unit_test_setup(test_periodic_non_lazy_makes_up_three_missed, setup),
		cmocka_unit_test_setup(test_periodic_non_lazy_more_than_three_missed_skips, setup),
		cmocka_unit_test_setup(test_periodic_lazy_skips_to_next_future_period, setup),
		cmocka_unit_test_setup(test_periodic_huge_period_never_due, setup),
		cmocka_unit_test_setup(test_periodic_next_expiration_saturates, setup),
		cmocka_unit_test_setup(test_never_delivers_before_expiration, setup),
		cmocka_unit_test_setup(test_auto_enable_nonzero_count_enables_and_arms, setup),
		cmocka_unit_test_setup(test_auto_enable_periodic_first_period_from_count_write, setup),
		cmocka_unit_test_setup(test_count_nonzero_without_auto_enable_stays_disabled, setup),
		cmocka_unit_test_setup(test_count_zero_disables_despite_auto_enable, setup),
		cmocka_unit_test_setup(test_count_zero_periodic_disables, setup),
		cmocka_unit_test_setup(test_config_disable_disarms, setup),
		cmocka_unit_test_setup(test_direct_oneshot_raises_vector_no_message, setup),
		cmocka_unit_test_setup(test_direct_periodic_raises_each_period, setup),
		cmocka_unit_test_setup(test_direct_ignores_busy_slot, setup),
		cmocka_unit_test_setup(test_busy_oneshot_not_rearmed, setup),
		cmocka_unit_test_setup(test_busy_oneshot_delivered_when_its_sint_acked, setup),
		cmocka_unit_test_setup(test_busy_oneshot_ack_of_other_sints_delivers_nothing, setup),
		cmocka_unit_test_setup(test_busy_oneshot_ack_while_still_busy_keeps_waiting, setup),
		cmocka_unit_test_setup(test_busy_oneshot_count_rewrite_drops_waiting_message, setup),
		cmocka_unit_test_setup(test_busy_periodic_tick_dropped_not_retried, setup),
		cmocka_unit_test_setup(test_next_expiration_is_minimum_over_timers, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
