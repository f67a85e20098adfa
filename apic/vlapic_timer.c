/* The virtual local APIC timer: one-shot, periodic and TSC-deadline (SDM 11.5.4). */
#include "apic/vlapic.h"

static uint64_t vlapic_now(const struct vlapic *a)
{
	return a->group->hooks->now();
}

/* x * mul / div without overflowing 64 bits while x % div * mul fits. */
static uint64_t vlapic_scale(uint64_t x, uint64_t mul, uint64_t div)
{
	return x / div * mul + x % div * mul / div;
}

static uint32_t vlapic_timer_mode(const struct vlapic *a)
{
	return APIC_LVT_TIMER_MODE(vlapic_get_reg(a, APIC_LVT_TIMER));
}

/* SDM figure 11-10: DCR bits 3 and 1:0 select divide by 2, 4, ..., 128, 1. */
static uint32_t vlapic_timer_divisor(const struct vlapic *a)
{
	uint32_t dcr = vlapic_get_reg(a, APIC_TIMER_DCR);
	uint32_t shift = ((dcr & 3) | ((dcr >> 1) & 4)) + 1;

	return 1u << (shift & 7);
}

/* TSC ticks in one count-down from the initial count, at least one. */
static uint64_t vlapic_timer_period(const struct vlapic *a)
{
	uint64_t ticks = (uint64_t)vlapic_get_reg(a, APIC_TIMER_ICR) * vlapic_timer_divisor(a);
	uint64_t tsc = vlapic_scale(ticks, a->group->tsc_khz, a->group->timer_khz);

	return MAX(tsc, 1);
}

static void vlapic_timer_set_deadline(struct vlapic *a, uint64_t deadline)
{
	if (a->timer_deadline == deadline)
		return;
	a->timer_deadline = deadline;
	a->group->hooks->timer_changed(a);
}

/* The expiry after now: periodic expiries stay on the grid started at timer_start. */
static uint64_t vlapic_timer_next_expiry(const struct vlapic *a, uint64_t now)
{
	uint64_t period = vlapic_timer_period(a);

	if (vlapic_timer_mode(a) != APIC_TIMER_PERIODIC)
		return a->timer_start + period;
	return a->timer_start + ((now - a->timer_start) / period + 1) * period;
}

void vlapic_timer_reset(struct vlapic *a)
{
	a->timer_start = 0;
	a->tsc_deadline = 0;
	vlapic_timer_set_deadline(a, 0);
}

/*
 * Switching into or out of TSC-deadline mode disarms the timer (SDM
 * 11.5.4.1): the initial count and IA32_TSC_DEADLINE are cleared. The old
 * mode is the model's own: under APIC-register virtualization the CPU has
 * stored the new LVT before the write traps (found by the fuzzer under
 * Bochs: the switch went unseen and the initial count stayed).
 */
void vlapic_timer_write_lvt(struct vlapic *a, uint32_t val)
{
	bool deadline = APIC_LVT_TIMER_MODE(val) == APIC_TIMER_TSC_DEADLINE;

	vlapic_set_reg(a, APIC_LVT_TIMER, val);
	if (deadline == a->deadline_mode)
		return;
	a->deadline_mode = deadline;
	vlapic_set_reg(a, APIC_TIMER_ICR, 0);
	vlapic_timer_reset(a);
}

/*
 * SDM 11.5.4: a write starts the count-down; 0 stops it. Ignored in
 * TSC-deadline mode (11.5.4.1), where the register keeps the 0 the switch
 * to that mode left: under APIC-register virtualization the CPU has already
 * stored the value (an APIC-write trap, SDM 29.4.3.3), so the 0 goes back.
 */
void vlapic_timer_write_initial_count(struct vlapic *a, uint32_t count)
{
	if (vlapic_timer_mode(a) == APIC_TIMER_TSC_DEADLINE) {
		vlapic_set_reg(a, APIC_TIMER_ICR, 0);
		return;
	}
	vlapic_set_reg(a, APIC_TIMER_ICR, count);
	a->timer_start = vlapic_now(a);
	vlapic_timer_set_deadline(a, count ? vlapic_timer_next_expiry(a, a->timer_start) : 0);
}

/*
 * The SDM does not say how a divider change affects a running count-down;
 * here the running timer is re-timed as if the new divider had applied since
 * the initial-count write.
 */
void vlapic_timer_write_divide(struct vlapic *a, uint32_t val)
{
	vlapic_set_reg(a, APIC_TIMER_DCR, val);
	if (a->timer_deadline && vlapic_timer_mode(a) != APIC_TIMER_TSC_DEADLINE)
		vlapic_timer_set_deadline(a, vlapic_timer_next_expiry(a, vlapic_now(a)));
}

/* The current count is derived from the TSC; 0 once a one-shot expired and in TSC-deadline mode. */
uint32_t vlapic_timer_current_count(const struct vlapic *a)
{
	uint32_t initial = vlapic_get_reg(a, APIC_TIMER_ICR);
	uint64_t elapsed;

	if (!a->timer_deadline || vlapic_timer_mode(a) == APIC_TIMER_TSC_DEADLINE)
		return 0;
	elapsed = vlapic_scale(vlapic_now(a) - a->timer_start, a->group->timer_khz,
			       a->group->tsc_khz) / vlapic_timer_divisor(a);
	if (vlapic_timer_mode(a) == APIC_TIMER_PERIODIC)
		return initial - elapsed % initial;
	return elapsed >= initial ? 0 : initial - elapsed;
}

uint64_t vlapic_timer_deadline(const struct vlapic *a)
{
	return a->timer_deadline;
}

/*
 * The counter runs on while the LVT entry is masked; only the interrupt is
 * suppressed (SDM 11.5.4). TSC-deadline expiry clears IA32_TSC_DEADLINE.
 */
void vlapic_timer_expired(struct vlapic *a)
{
	uint32_t lvt = vlapic_get_reg(a, APIC_LVT_TIMER);
	uint64_t now = vlapic_now(a);

	if (!a->timer_deadline || now < a->timer_deadline)
		return;
	if (!(lvt & APIC_LVT_MASKED))
		vlapic_accept_irq(a, lvt & APIC_LVT_VECTOR, false);
	if (APIC_LVT_TIMER_MODE(lvt) == APIC_TIMER_TSC_DEADLINE)
		a->tsc_deadline = 0;
	if (APIC_LVT_TIMER_MODE(lvt) == APIC_TIMER_PERIODIC)
		vlapic_timer_set_deadline(a, vlapic_timer_next_expiry(a, now));
	else
		vlapic_timer_set_deadline(a, 0);
}

/* SDM 11.5.4.1: outside TSC-deadline mode the MSR reads 0 and writes are ignored. */
uint64_t vlapic_tsc_deadline_read(const struct vlapic *a)
{
	if (vlapic_timer_mode(a) != APIC_TIMER_TSC_DEADLINE)
		return 0;
	return a->tsc_deadline;
}

void vlapic_tsc_deadline_write(struct vlapic *a, uint64_t val, uint64_t due)
{
	if (vlapic_timer_mode(a) != APIC_TIMER_TSC_DEADLINE)
		return;
	a->tsc_deadline = val;
	vlapic_timer_set_deadline(a, val ? due : 0);
}
