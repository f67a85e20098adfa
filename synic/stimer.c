/* The synthetic timers of one vCPU (TLFS 12.3, "Synthetic Timers"). */
#include "synic/stimer.h"
#include "lib/string.h"

#define MAX_CATCH_UP 3 /* a non-lazy periodic timer makes up at most this many missed periods */

void stimers_init(struct stimers *s, const struct stimer_env *env, void *ctx)
{
	*s = (struct stimers){ .env = env, .ctx = ctx };
}

bool stimer_is_msr(uint32_t msr)
{
	return msr >= HV_MSR_STIMER0_CONFIG && msr <= HV_MSR_STIMER3_COUNT;
}

static struct stimer *timer_of(const struct stimers *s, uint32_t msr)
{
	return (struct stimer *)&s->t[(msr - HV_MSR_STIMER0_CONFIG) / 2];
}

static bool is_count_msr(uint32_t msr) { return (msr - HV_MSR_STIMER0_CONFIG) & 1; }

bool stimer_msr_read(const struct stimers *s, uint32_t msr, uint64_t *val)
{
	const struct stimer *t = timer_of(s, msr);

	*val = is_count_msr(msr) ? t->count : t->config.raw;
	return true;
}

/*
 * A time that would pass 2^64 - 1 (a period of up to 2^64 - 1 units) stays
 * there: never due, rather than wrapped into the past and due at once.
 */
static uint64_t later(uint64_t time, uint64_t units)
{
	return time + units < time ? UINT64_MAX : time + units;
}

/*
 * A one-shot's COUNT is the absolute time it is due (in the past: at once);
 * a periodic one's is the period, the first counted from now.
 */
static void arm(struct stimer *t, uint64_t now)
{
	t->expiration = 0;
	t->due = 0;
	if (!t->config.enable || !t->count)
		return;
	t->expiration = t->config.periodic ? later(now, t->count) : t->count;
}

/* In message mode SINT 0 cannot be the target: Enable stays clear (TLFS 12.3.2). */
static void check_enable(struct stimer *t)
{
	if (!t->config.direct_mode && !t->config.sintx)
		t->config.enable = 0;
}

static bool write_config(struct stimer *t, uint64_t val, uint64_t now)
{
	if (val & HV_STIMER_CONFIG_RSVDZ)
		return false;
	t->config.raw = val;
	check_enable(t);
	arm(t, now);
	return true;
}

/* COUNT 0 stops the timer; another value enables it when AutoEnable is set. */
static void write_count(struct stimer *t, uint64_t val, uint64_t now)
{
	t->count = val;
	if (!val)
		t->config.enable = 0;
	else if (t->config.auto_enable)
		t->config.enable = 1;
	check_enable(t);
	arm(t, now);
}

bool stimer_msr_write(struct stimers *s, uint32_t msr, uint64_t val, uint64_t now)
{
	struct stimer *t = timer_of(s, msr);

	if (is_count_msr(msr)) {
		write_count(t, val, now);
		return true;
	}
	return write_config(t, val, now);
}

static unsigned int index_of(const struct stimers *s, const struct stimer *t)
{
	return (unsigned int)(t - s->t);
}

/* The timer-expired message (TLFS 12.3.4): origin 0, the timer's index, due and delivery times. */
static bool send_message(struct stimers *s, struct stimer *t, uint64_t due, uint64_t now)
{
	struct hv_message msg = { .type = HV_MESSAGE_TIMER_EXPIRED,
				  .payload_size = sizeof(struct hv_timer_message_payload) };
	struct hv_timer_message_payload p = { .timer_index = index_of(s, t),
					      .expiration_time = due, .delivery_time = now };

	memcpy(msg.payload, &p, sizeof(p));
	return s->env->deliver(s->ctx, t->config.sintx, &msg);
}

/*
 * The next expiration of a periodic timer: one period on, making up missed
 * periods (the next ones come at once) unless it is lazy or has missed more
 * than MAX_CATCH_UP, when the missed ones are skipped.
 */
static uint64_t next_period(const struct stimer *t, uint64_t due, uint64_t now)
{
	uint64_t missed = now > due ? (now - due) / t->count : 0;

	if (!t->config.lazy && missed <= MAX_CATCH_UP)
		return later(due, t->count);
	return later(due + missed * t->count, t->count); /* due + missed periods <= now */
}

/*
 * A periodic message into a busy slot is dropped, not kept: the ticks do not
 * pile up (KVM met a livelock that way). A one-shot's waits for the slot and
 * is not re-armed: it goes when the guest acknowledges the SINT.
 */
static void expire(struct stimers *s, struct stimer *t, uint64_t now)
{
	uint64_t due = t->expiration;
	bool sent;

	if (t->config.direct_mode) {
		s->env->raise(s->ctx, (uint8_t)t->config.apic_vector);
		sent = true;
	} else {
		sent = send_message(s, t, due, now);
	}
	if (t->config.periodic) {
		t->expiration = next_period(t, due, now);
		return;
	}
	t->expiration = 0;
	t->due = sent ? 0 : due;
	if (sent)
		t->config.enable = 0;
}

void stimer_poll(struct stimers *s, uint64_t now)
{
	for (unsigned int i = 0; i < HV_STIMER_COUNT; i++) {
		struct stimer *t = &s->t[i];

		if (t->expiration && now >= t->expiration)
			expire(s, t, now);
	}
}

uint64_t stimer_next_expiration(const struct stimers *s)
{
	uint64_t next = 0;

	for (unsigned int i = 0; i < HV_STIMER_COUNT; i++) {
		uint64_t e = s->t[i].expiration;

		if (e && (!next || e < next))
			next = e;
	}
	return next;
}

void stimer_sints_acked(struct stimers *s, uint32_t sint_mask, uint64_t now)
{
	for (unsigned int i = 0; i < HV_STIMER_COUNT; i++) {
		struct stimer *t = &s->t[i];

		if (!t->due || !(sint_mask & BIT(t->config.sintx)))
			continue;
		if (send_message(s, t, t->due, now)) {
			t->due = 0;
			t->config.enable = 0;
		}
	}
}
