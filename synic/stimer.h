/*
 * The four synthetic timers of one vCPU (TLFS 12.3): their MSRs and their
 * state machine over the partition's reference time (100 ns units). Pure
 * logic, run on the vCPU's own CPU; the caller polls it when the earliest
 * expiration is due and tells it when the guest acknowledges a SINT.
 */
#ifndef HV_SYNIC_STIMER_H
#define HV_SYNIC_STIMER_H

#include "synic/hv_tlfs.h"

struct stimer_env {
	/*
	 * Puts msg into SINT sint's message slot now and interrupts; false when
	 * the slot is busy (MessagePending is then set there) or the page is off.
	 */
	bool (*deliver)(void *ctx, unsigned int sint, const struct hv_message *msg);
	void (*raise)(void *ctx, uint8_t vector); /* direct mode: a fixed interrupt */
};

struct stimer {
	union hv_stimer_config config;
	uint64_t count;
	uint64_t expiration;  /* reference time it is next due, 0: not armed */
	uint64_t due;         /* a one-shot expired at this time; its message waits for the slot */
};

struct stimers {
	struct stimer t[HV_STIMER_COUNT];
	const struct stimer_env *env;
	void *ctx;
};

void stimers_init(struct stimers *s, const struct stimer_env *env, void *ctx);

/* The MSRs of the four timers; the two calls below take only those. */
bool stimer_is_msr(uint32_t msr);
bool stimer_msr_read(const struct stimers *s, uint32_t msr, uint64_t *val);
/* false: #GP (reserved bits); now: the reference time of the write. */
bool stimer_msr_write(struct stimers *s, uint32_t msr, uint64_t val, uint64_t now);

/* Expires every timer due at now (never one that is not). */
void stimer_poll(struct stimers *s, uint64_t now);
/* The earliest expiration armed, 0 when none. */
uint64_t stimer_next_expiration(const struct stimers *s);
/* The guest acknowledged the SINTs in sint_mask (EOM, EOI): a waiting message goes again. */
void stimer_sints_acked(struct stimers *s, uint32_t sint_mask, uint64_t now);

#endif
