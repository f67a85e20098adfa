/*
 * The SynIC's message slots as the guest sees them (TLFS 11.9): every
 * message found is checked (a posted one against what was posted, a timer's
 * against the timer's epoch, ops_timer.c) and the slot emptied as the TLFS
 * tells the guest to: type 0, then EOM when MessagePending is set. Only a
 * message page that nothing else shares and the fuzzer has not written is
 * read: anything else makes the slots' content undefined.
 */
#include "guest-tests/fuzz/fuzz.h"

#define MAX_PASSES      8
#define PAYLOAD_MAX     240
#define SKEW            10000 /* 1 ms of reference time between vCPUs' TSCs */

#define TIMER_PAYLOAD   24 /* u32 index, u32 reserved, u64 expiration, u64 delivery */

struct timer_payload {
	uint32_t index;
	uint64_t expiration, delivery;
};

static uint64_t next_seq[2], last_seq[2]; /* the BSP's and the AP's posts, by marker */
static unsigned int garbage;          /* posts of unknown content that may have gone through */
static bool seen_once[NR_VPS][4];     /* a one-shot epoch delivered */

static uint8_t pattern(unsigned int i) { return (uint8_t)(i * 13 + 7); }

/* The first 8 bytes: marker and sequence number (each marker's CPU its own); then a pattern. */
void messages_fill_payload(uint8_t *payload, uint32_t size, uint64_t marker)
{
	uint64_t head = marker << 56 | ++next_seq[marker == POST_MARKER_AP];

	for (uint32_t i = 0; i < size && i < PAYLOAD_MAX; i++)
		payload[i] = i < 8 ? (uint8_t)(head >> (8 * i)) : pattern(i);
}

void messages_posted(void)
{
	if (hv.outstanding >= 0)
		hv.outstanding++;
}

void messages_garbage_posted(void)
{
	hv.outstanding = -1;
	garbage++;
}

/* A message that is not what the fuzzer posted may be one it posted blind. */
static bool excused(void)
{
	if (!garbage)
		return false;
	garbage--;
	return true;
}

static bool slots_visible(unsigned int vp)
{
	uint64_t simp = hv.vp[vp].simp;

	return model_synic_page(vp, simp) && model_roles(page_gpa(simp)) == role_simp(vp) &&
	       !scratch_is_dirty(page_gpa(simp));
}

static void check_order(uint64_t head)
{
	unsigned int who = (head >> 56) == POST_MARKER_AP;
	uint64_t seq = head & ((1ULL << 56) - 1);

	if ((head >> 56) != POST_MARKER_BSP && (head >> 56) != POST_MARKER_AP) {
		if (!excused())
			mismatch("posted message with a corrupted head 0x%lx", head);
	} else if (seq <= last_seq[who]) {
		if (!excused()) /* an old input the fuzzer left in RAM, posted blind */
			mismatch("posted message %lu of the %s after %lu: reordered or repeated",
				 seq, who ? "AP" : "BSP", last_seq[who]);
	} else {
		last_seq[who] = seq;
	}
}

static void check_posted(const struct hv_message *m)
{
	const uint8_t *p = (const uint8_t *)m->payload;
	uint64_t head = m->payload[0];

	if (m->payload_size > PAYLOAD_MAX || m->origin != MSG_CONN || (m->flags & ~1u) ||
	    m->reserved) {
		if (excused())
			return;
		mismatch("posted message type 0x%x: size %u, origin 0x%lx, flags 0x%x, reserved 0x%x",
			 m->type, m->payload_size, m->origin, m->flags, m->reserved);
		return;
	}
	if (m->payload_size >= 8)
		check_order(head);
	for (unsigned int i = 8; i < m->payload_size; i++)
		if (p[i] != pattern(i)) {
			if (excused())
				return;
			mismatch("posted message byte %u is 0x%x, 0x%x was posted", i, p[i],
				 pattern(i));
			return;
		}
}

/* The epoch of the timer (ops_timer.c) says what may come after it began. */
static void check_epoch(unsigned int vp, unsigned int sint, const struct timer_payload *t)
{
	const struct timer_epoch *e = &hv.vp[vp].epoch[t->index];

	if (t->delivery <= e->t_after)
		return; /* from before the epoch: nothing known */
	if (!e->armed || e->direct)
		mismatch("vp %u timer %u: message delivered at 0x%lx, disarmed or direct since 0x%lx",
			 vp, t->index, t->delivery, e->t_after);
	else if (sint != e->sint)
		mismatch("vp %u timer %u: message on SINT %u, configured for SINT %u", vp, t->index,
			 sint, e->sint);
	else if (t->expiration < e->min_expiration)
		mismatch("vp %u timer %u: expiration 0x%lx before 0x%lx (%s, count 0x%lx): early",
			 vp, t->index, t->expiration, e->min_expiration,
			 e->periodic ? "periodic" : "one-shot", e->count);
	else if (!e->periodic && seen_once[vp][t->index])
		mismatch("vp %u one-shot timer %u delivered twice", vp, t->index);
	if (!e->periodic)
		seen_once[vp][t->index] = true;
}

void messages_epoch_begins(unsigned int vp, unsigned int timer)
{
	seen_once[vp][timer] = false;
}

/* TLFS 12.3.4: the timer-expired message */
static void check_timer(unsigned int vp, unsigned int sint, const struct hv_message *m)
{
	struct timer_payload t = { (uint32_t)m->payload[0], m->payload[1], m->payload[2] };
	uint64_t now = ref_count() + (vp == BSP ? 0 : SKEW);

	if (m->payload_size != TIMER_PAYLOAD || m->origin || t.index >= 4 ||
	    t.expiration > t.delivery || t.delivery > now) {
		mismatch("vp %u SINT %u timer message: size %u, origin 0x%lx, timer %u, expiration "
			 "0x%lx, delivery 0x%lx, now 0x%lx", vp, sint, m->payload_size, m->origin,
			 t.index, t.expiration, t.delivery, now);
		return;
	}
	check_epoch(vp, sint, &t);
}

static void check_message(unsigned int vp, unsigned int sint, const struct hv_message *m)
{
	if (m->type == HV_MESSAGE_TIMER_EXPIRED)
		check_timer(vp, sint, m);
	else if (vp == MSG_VP && sint == MSG_SINT && !(m->type & 0x80000000u))
		check_posted(m);
	else
		mismatch("vp %u SINT %u: a message of type 0x%x nobody sends there", vp, sint,
			 m->type);
}

union slot_copy {
	struct hv_message m;
	uint64_t q[sizeof(struct hv_message) / 8];
};

static void copy_slot(union slot_copy *dst, const volatile struct hv_message *src)
{
	const volatile uint64_t *s = (const volatile uint64_t *)src;

	for (unsigned int i = 0; i < sizeof(dst->q) / 8; i++)
		dst->q[i] = s[i];
}

/* One pass over the 16 slots; whether any held a message, and whether one was pending. */
static bool drain_pass(unsigned int vp, struct hv_message *page, bool *pending)
{
	bool any = false;

	for (unsigned int n = 0; n < 16; n++) {
		union slot_copy c;

		if (!__atomic_load_n(&page[n].type, __ATOMIC_ACQUIRE))
			continue;
		copy_slot(&c, &page[n]);
		check_message(vp, n, &c.m);
		__atomic_store_n(&page[n].type, 0, __ATOMIC_SEQ_CST);
		*pending |= __atomic_load_n(&page[n].flags, __ATOMIC_SEQ_CST) & HV_MESSAGE_PENDING;
		any = true;
	}
	return any;
}

/*
 * Until a pass finds nothing after an EOM: then no message waits in the
 * hypervisor's queues (EOM delivers what waits into the free slots at once),
 * unless the AP's hypercall burst was posting meanwhile (Bochs seed 6 of
 * make fuzz: a post found the buffers full that the model had as empty).
 */
void messages_drain(unsigned int vp)
{
	struct hv_message *page = (struct hv_message *)(uintptr_t)page_gpa(hv.vp[vp].simp);
	bool pending = false, no_burst = ap_task_idle();

	if (!slots_visible(vp) || (vp == AP && !fz.ap_alive))
		return;
	for (unsigned int pass = 0; pass < MAX_PASSES; pass++) {
		bool any = drain_pass(vp, page, &pending);

		if (!any && pass > 0) {
			if (vp == MSG_VP && no_burst)
				hv.outstanding = 0;
			return;
		}
		msr_write_on(vp, HV_MSR_EOM, 0);
	}
}

/* The event flag of EVENT_CONN in its vCPU's page: 1 set (and now clear), 0 clear, -1 unknown. */
int messages_take_event_flag(void)
{
	uint64_t siefp = hv.vp[fz.event_vp].siefp;
	uint8_t *flags = (uint8_t *)(uintptr_t)page_gpa(siefp);
	uint8_t bit = 1u << (EVENT_FLAG % 8);

	if (!model_synic_page(fz.event_vp, siefp) ||
	    model_roles(page_gpa(siefp)) != role_siefp(fz.event_vp))
		return -1;
	return (__atomic_fetch_and(&flags[EVENT_SINT * 256 + EVENT_FLAG / 8], (uint8_t)~bit,
				   __ATOMIC_SEQ_CST) & bit) != 0;
}
