/* The SynIC state machine of one vCPU (TLFS chapter 11). */
#include "synic/synic.h"

#define SINT_OF(msr) ((msr) - HV_MSR_SINT0)

static bool test_vector(const uint64_t map[4], uint8_t v) { return map[v / 64] & BIT(v % 64); }

static void assign_vector(uint64_t map[4], uint8_t v, bool on)
{
	if (on)
		map[v / 64] |= BIT(v % 64);
	else
		map[v / 64] &= ~BIT(v % 64);
}

/* A SINT interrupts when unmasked and not polling (TLFS 11.8.4). */
static bool sint_interrupts(union hv_sint sint) { return !sint.masked && !sint.polling; }

static union hv_sint sint_get(const struct synic *s, unsigned int n)
{
	return (union hv_sint){ .raw = __atomic_load_n(&s->sint[n].raw, __ATOMIC_RELAXED) };
}

void synic_init(struct synic *s, struct synic_queue *queues, const struct synic_env *env,
		void *ctx)
{
	*s = (struct synic){ .queues = queues, .env = env, .ctx = ctx };
	for (unsigned int i = 0; i < HV_SINT_COUNT; i++) {
		s->sint[i].raw = HV_SINT_RESET;
		queues[i].head = queues[i].count = 0;
	}
}

bool synic_is_msr(uint32_t msr)
{
	return (msr >= HV_MSR_SCONTROL && msr <= HV_MSR_EOM) ||
	       (msr >= HV_MSR_SINT0 && msr <= HV_MSR_SINT15);
}

bool synic_vector_is_auto_eoi(const struct synic *s, uint8_t vector)
{
	return test_vector(s->auto_eoi, vector);
}

bool synic_msr_read(const struct synic *s, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case HV_MSR_SCONTROL:
		*val = s->scontrol;
		return true;
	case HV_MSR_SVERSION:
		*val = HV_SYNIC_VERSION;
		return true;
	case HV_MSR_SIEFP:
		*val = s->siefp.raw;
		return true;
	case HV_MSR_SIMP:
		*val = s->simp.raw;
		return true;
	case HV_MSR_EOM:
		*val = 0;
		return true;
	}
	if (msr < HV_MSR_SINT0 || msr > HV_MSR_SINT15)
		return false;
	*val = sint_get(s, SINT_OF(msr)).raw;
	return true;
}

/*
 * A vector is in the bitmaps while any SINT that interrupts uses it (several
 * may share one); recomputed for the old and the new vector of a SINT write.
 */
static void update_vector(struct synic *s, uint8_t vector)
{
	bool used = false, auto_eoi = false;

	for (unsigned int i = 0; i < HV_SINT_COUNT; i++) {
		union hv_sint sint = s->sint[i];

		if (sint.vector != vector || !sint_interrupts(sint))
			continue;
		used = true;
		auto_eoi |= sint.auto_eoi;
	}
	assign_vector(s->vectors, vector, used);
	assign_vector(s->auto_eoi, vector, auto_eoi);
}

/*
 * Vectors 0-15 are illegal (TLFS 11.8.4), but only an unmasked one #GPs:
 * guests write the reset value 0x10000 (masked, vector 0) back, as KVM found
 * with nested Hyper-V.
 */
static bool write_sint(struct synic *s, unsigned int n, uint64_t val)
{
	union hv_sint new = { .raw = val };
	uint8_t old_vector = s->sint[n].vector;

	if (!new.masked && new.vector < 16)
		return false;
	__atomic_store_n(&s->sint[n].raw, val, __ATOMIC_RELAXED);
	update_vector(s, old_vector);
	update_vector(s, new.vector);
	synic_deliver(s);
	return true;
}

/*
 * Under the lock: a sender writing a slot holds it, so it writes into the
 * message page as enabled when it looked (synic_post_message()).
 */
static void store_locked(struct synic *s, uint64_t *reg, uint64_t val)
{
	spin_lock(&s->lock);
	__atomic_store_n(reg, val, __ATOMIC_RELAXED);
	spin_unlock(&s->lock);
}

/* The page of an enabling write must be the guest's RAM: else #GP. */
static bool write_page_msr(struct synic *s, union hv_page_msr *reg, uint64_t val)
{
	union hv_page_msr new = { .raw = val };

	if (new.enable && !s->env->guest_page(s->ctx, (uint64_t)new.pfn << PAGE_SHIFT))
		return false;
	store_locked(s, &reg->raw, val);
	synic_deliver(s);
	return true;
}

bool synic_msr_write(struct synic *s, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case HV_MSR_SCONTROL:
		store_locked(s, &s->scontrol, val);
		synic_deliver(s);
		return true;
	case HV_MSR_SVERSION:
		return false;
	case HV_MSR_SIEFP:
		return write_page_msr(s, &s->siefp, val);
	case HV_MSR_SIMP:
		return write_page_msr(s, &s->simp, val);
	case HV_MSR_EOM:
		synic_deliver(s);
		return true;
	}
	if (msr < HV_MSR_SINT0 || msr > HV_MSR_SINT15)
		return false;
	return write_sint(s, SINT_OF(msr), val);
}

static bool synic_enabled(const struct synic *s)
{
	return __atomic_load_n(&s->scontrol, __ATOMIC_RELAXED) & 1;
}

/* The enabled overlay page of reg, or NULL. */
static void *enabled_page(const struct synic *s, const union hv_page_msr *reg)
{
	union hv_page_msr r = { .raw = __atomic_load_n(&reg->raw, __ATOMIC_RELAXED) };

	if (!synic_enabled(s) || !r.enable)
		return NULL;
	return s->env->guest_page(s->ctx, (uint64_t)r.pfn << PAGE_SHIFT);
}

static bool enqueue(struct synic *s, unsigned int sint, const struct hv_message *msg,
		    uint32_t *buffers)
{
	struct synic_queue *q = &s->queues[sint];

	if (*buffers >= SYNIC_BUFFERS_PER_CONNECTION || q->count == q->size)
		return false;
	(*buffers)++;
	q->ring[(q->head + q->count++) % q->size] = (struct synic_queued){ *msg, buffers };
	__atomic_fetch_or(&s->queued, BIT(sint), __ATOMIC_RELEASE);
	__atomic_store_n(&s->posted, true, __ATOMIC_RELEASE);
	return true;
}

enum hv_status synic_signal_event(struct synic *s, unsigned int sint, unsigned int flag)
{
	union hv_sint target = sint_get(s, sint);
	uint8_t *page = enabled_page(s, &s->siefp);
	uint8_t bit = (uint8_t)BIT(flag % 8), old;

	if (flag >= HV_EVENT_FLAGS_PER_SINT)
		return HV_STATUS_INVALID_PARAMETER;
	if (!page || target.masked)
		return HV_STATUS_INVALID_SYNIC_STATE;
	old = __atomic_fetch_or(&page[sint * HV_EVENT_AREA_BYTES + flag / 8], bit,
				__ATOMIC_SEQ_CST);
	if (!(old & bit) && sint_interrupts(target))
		s->env->raise(s->ctx, (uint8_t)target.vector, target.auto_eoi);
	return HV_STATUS_SUCCESS;
}

/*
 * The slot's type goes in last: a free slot (type 0) never shows a half
 * written message. MessagePending tells the guest to write EOM when it has
 * emptied the slot because more messages wait (TLFS 11.9.2).
 */
static void write_slot(struct hv_message *slot, const struct hv_message *msg, bool more)
{
	unsigned int size = MIN(msg->payload_size, HV_MESSAGE_PAYLOAD_MAX);

	slot->payload_size = (uint8_t)size;
	slot->flags = more ? HV_MESSAGE_FLAG_PENDING : 0;
	slot->reserved = 0;
	slot->origin = msg->origin;
	for (unsigned int i = 0; i < size; i++)
		slot->payload[i] = msg->payload[i];
	__atomic_store_n(&slot->type, msg->type, __ATOMIC_RELEASE);
}

static bool slot_free(const struct hv_message *slot)
{
	return __atomic_load_n(&slot->type, __ATOMIC_ACQUIRE) == HV_MESSAGE_NONE;
}

/* The slot is free: or else MessagePending tells the guest to EOM when it frees it. */
static bool claim_slot(struct hv_message *slot)
{
	if (slot_free(slot))
		return true;
	__atomic_fetch_or(&slot->flags, HV_MESSAGE_FLAG_PENDING, __ATOMIC_RELAXED);
	return false;
}

static void raise_sint(struct synic *s, unsigned int n)
{
	union hv_sint sint = sint_get(s, n);

	if (sint_interrupts(sint))
		s->env->raise(s->ctx, (uint8_t)sint.vector, sint.auto_eoi);
}

/*
 * A message goes straight into its slot, from the sender's CPU, when no other
 * waits before it and the slot is free: with posted interrupts (or AVIC) the
 * vCPU then takes it without an exit. Else it is queued for the owner, whom
 * the sender kicks (the owner sets MessagePending if the slot is busy).
 */
enum hv_status synic_post_message(struct synic *s, unsigned int sint,
				  const struct hv_message *msg, uint32_t *buffers)
{
	enum hv_status status = HV_STATUS_SUCCESS;
	struct hv_message *page;
	bool now = false;

	spin_lock(&s->lock);
	page = enabled_page(s, &s->simp);
	if (!page)
		status = HV_STATUS_INVALID_SYNIC_STATE;
	else if (!s->queues[sint].count && slot_free(&page[sint]))
		now = true;
	else if (!enqueue(s, sint, msg, buffers))
		status = HV_STATUS_INSUFFICIENT_BUFFERS;
	if (now)
		write_slot(&page[sint], msg, false);
	spin_unlock(&s->lock);
	if (now)
		raise_sint(s, sint);
	else if (status == HV_STATUS_SUCCESS)
		s->env->kick(s->ctx);
	return status;
}

bool synic_deliver_now(struct synic *s, unsigned int sint, const struct hv_message *msg)
{
	struct hv_message *page;
	bool now;

	spin_lock(&s->lock);
	page = enabled_page(s, &s->simp);
	now = page && claim_slot(&page[sint]);
	if (now)
		write_slot(&page[sint], msg, false);
	spin_unlock(&s->lock);
	if (now)
		raise_sint(s, sint);
	return now;
}

uint32_t synic_sints_of_vector(const struct synic *s, uint8_t vector)
{
	uint32_t mask = 0;

	for (unsigned int n = 0; n < HV_SINT_COUNT; n++) {
		union hv_sint sint = sint_get(s, n);

		if (sint.vector == vector && sint_interrupts(sint))
			mask |= BIT(n);
	}
	return mask;
}

/* Delivers the head of SINT n's queue if its slot is free; the lock is held. */
static bool deliver_one(struct synic *s, struct hv_message *page, unsigned int n)
{
	struct synic_queue *q = &s->queues[n];
	struct hv_message *slot = &page[n];

	if (!claim_slot(slot))
		return false;
	write_slot(slot, &q->ring[q->head].msg, q->count > 1);
	(*q->ring[q->head].buffers)--;
	q->head = (q->head + 1) % q->size;
	if (--q->count == 0)
		__atomic_fetch_and(&s->queued, ~(uint32_t)BIT(n), __ATOMIC_RELAXED);
	return true;
}

void synic_deliver(struct synic *s)
{
	struct hv_message *page = enabled_page(s, &s->simp);
	uint32_t raise = 0;

	if (!page || !__atomic_load_n(&s->queued, __ATOMIC_ACQUIRE))
		return;
	spin_lock(&s->lock);
	for (unsigned int n = 0; n < HV_SINT_COUNT; n++)
		if ((s->queued & BIT(n)) && deliver_one(s, page, n))
			raise |= BIT(n);
	spin_unlock(&s->lock);
	for (unsigned int n = 0; n < HV_SINT_COUNT; n++)
		if (raise & BIT(n))
			raise_sint(s, n);
}

/* A plain load first: the exchange, a locked instruction, only when something came. */
void synic_deliver_posted(struct synic *s)
{
	if (__atomic_load_n(&s->posted, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&s->posted, false, __ATOMIC_ACQUIRE))
		synic_deliver(s);
}

void synic_eoi(struct synic *s, uint8_t vector)
{
	if (test_vector(s->vectors, vector))
		synic_deliver(s);
}
