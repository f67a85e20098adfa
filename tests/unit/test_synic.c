/* Host unit tests of the SynIC state machine of one vCPU (synic/, TLFS chapter 11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "synic/synic.h"

#define RAM_SIZE   (64 * KiB)	/* the fake guest RAM, GPA 0 to 0xffff */
#define SIMP_GPA   0x1000UL
#define SIEFP_GPA  0x2000UL
#define PAGE_EN    1UL		/* the enable bit of SIMP/SIEFP */

#define SINT_MASKED   BIT(16)
#define SINT_AUTO_EOI BIT(17)
#define SINT_POLLING  BIT(18)
#define SINT_MSR(n)   (HV_MSR_SINT0 + (n))

#define MAX_RAISES 64

static uint8_t ram[RAM_SIZE] __aligned(4096);
#define QUEUE_SIZE (2 * SYNIC_BUFFERS_PER_CONNECTION) /* two connections per SINT */

static struct synic_queue queues[HV_SINT_COUNT];
static struct synic_queued rings[HV_SINT_COUNT][QUEUE_SIZE];
static uint32_t buffers[HV_SINT_COUNT][2];	/* per SINT: connection 0 and 1 */
static struct synic syn;

static struct {
	unsigned int raises, kicks;
	struct { uint8_t vector; bool auto_eoi; } raised[MAX_RAISES];
} seen;
static int ctx_token;	/* its address is the ctx every callback must get back */

static void *fake_guest_page(void *ctx, uint64_t gpa)
{
	assert_ptr_equal(ctx, &ctx_token);
	if (gpa % PAGE_SIZE || gpa >= RAM_SIZE)
		return NULL;
	return &ram[gpa];
}

static void fake_raise(void *ctx, uint8_t vector, bool auto_eoi)
{
	assert_ptr_equal(ctx, &ctx_token);
	assert_true(seen.raises < MAX_RAISES);
	seen.raised[seen.raises].vector = vector;
	seen.raised[seen.raises].auto_eoi = auto_eoi;
	seen.raises++;
}

static void fake_kick(void *ctx)
{
	assert_ptr_equal(ctx, &ctx_token);
	seen.kicks++;
}

static const struct synic_env env = {
	.guest_page = fake_guest_page,
	.raise = fake_raise,
	.kick = fake_kick,
};

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	memset(queues, 0x5a, sizeof(queues));	/* synic_init must reset them */
	memset(buffers, 0, sizeof(buffers));
	for (unsigned int i = 0; i < HV_SINT_COUNT; i++) {
		queues[i].ring = rings[i];
		queues[i].size = QUEUE_SIZE;
	}
	memset(&seen, 0, sizeof(seen));
	synic_init(&syn, queues, &env, &ctx_token);
	return 0;
}

/* ---- helpers ---- */

static uint64_t rd(uint32_t msr)
{
	uint64_t val = 0xdeadbeefdeadbeefULL;

	assert_true(synic_msr_read(&syn, msr, &val));
	return val;
}

static void wr(uint32_t msr, uint64_t val) { assert_true(synic_msr_write(&syn, msr, val)); }

static void set_sint(unsigned int n, uint64_t val) { wr(SINT_MSR(n), val); }

/* SCONTROL enabled, SIMP at SIMP_GPA, SIEFP at SIEFP_GPA; the SINTs stay masked. */
static void enable_synic(void)
{
	wr(HV_MSR_SCONTROL, 1);
	wr(HV_MSR_SIMP, SIMP_GPA | PAGE_EN);
	wr(HV_MSR_SIEFP, SIEFP_GPA | PAGE_EN);
}

/* enable_synic() and SINT n set to val (a vector, unmasked, and maybe flags). */
static void enable_sint(unsigned int n, uint64_t val)
{
	enable_synic();
	set_sint(n, val);
}

static struct hv_message *slot_at(uint64_t simp_gpa, unsigned int n)
{
	return (struct hv_message *)&ram[simp_gpa] + n;
}

static struct hv_message *slot(unsigned int n) { return slot_at(SIMP_GPA, n); }

static uint8_t *event_area(unsigned int n) { return &ram[SIEFP_GPA + n * HV_EVENT_AREA_BYTES]; }

/* A message of type with size payload bytes first, first+1, ... and the rest 0xee. */
static struct hv_message make_msg(uint32_t type, uint8_t size, uint64_t origin, uint8_t first)
{
	struct hv_message m;

	memset(&m, 0xee, sizeof(m));
	m.type = type;
	m.payload_size = size;
	m.flags = 0;
	m.reserved = 0;
	m.origin = origin;
	for (unsigned int i = 0; i < size; i++)
		m.payload[i] = (uint8_t)(first + i);
	return m;
}

static void post_ok(unsigned int n, uint32_t type, uint8_t first)
{
	struct hv_message m = make_msg(type, 8, 0x100 + n, first);

	assert_int_equal(synic_post_message(&syn, n, &m, buffers[n]), HV_STATUS_SUCCESS);
}

/* The guest still holds an unread message in slot n. */
static void occupy_slot(unsigned int n)
{
	slot(n)->type = 0x1234;
	memset(slot(n)->payload, 0x77, HV_MESSAGE_PAYLOAD_MAX);
}

/* The guest's handler: it has read the slot and frees it. */
static void guest_frees_slot(unsigned int n) { slot(n)->type = HV_MESSAGE_NONE; }

static void assert_raised_once(uint8_t vector, bool auto_eoi)
{
	assert_int_equal(seen.raises, 1);
	assert_int_equal(seen.raised[0].vector, vector);
	assert_int_equal(seen.raised[0].auto_eoi, auto_eoi);
}

static void assert_slot_holds(unsigned int n, uint32_t type, uint8_t first)
{
	assert_int_equal(slot(n)->type, type);
	assert_int_equal(slot(n)->payload_size, 8);
	assert_int_equal(slot(n)->origin, 0x100 + n);
	assert_int_equal(slot(n)->payload[0], first);
	assert_int_equal(slot(n)->payload[7], (uint8_t)(first + 7));
}

static bool in_map(const uint64_t map[4], uint8_t v) { return map[v / 64] & BIT(v % 64); }

static bool map_empty(const uint64_t map[4]) { return !(map[0] | map[1] | map[2] | map[3]); }

static unsigned int page_bits_set(const uint8_t *page)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		n += (unsigned int)__builtin_popcount(page[i]);
	return n;
}

/* ---- MSRs: reset values, #GP, the MSR range ---- */

static void test_reset_values(void **state)
{
	(void)state;
	assert_int_equal(rd(HV_MSR_SCONTROL), 0);
	assert_int_equal(rd(HV_MSR_SVERSION), 1);
	assert_int_equal(rd(HV_MSR_SIEFP), 0);
	assert_int_equal(rd(HV_MSR_SIMP), 0);
	assert_int_equal(rd(HV_MSR_EOM), 0);
	for (unsigned int n = 0; n < HV_SINT_COUNT; n++)
		assert_int_equal(rd(SINT_MSR(n)), 0x10000);
	assert_true(map_empty(syn.vectors));
	assert_true(map_empty(syn.auto_eoi));
	assert_int_equal(syn.queued, 0);
}

static void test_eom_reads_zero_after_write(void **state)
{
	(void)state;
	wr(HV_MSR_EOM, 0x1234);
	assert_int_equal(rd(HV_MSR_EOM), 0);
}

static void test_sversion_write_gp(void **state)
{
	(void)state;
	assert_false(synic_msr_write(&syn, HV_MSR_SVERSION, 1));
	assert_false(synic_msr_write(&syn, HV_MSR_SVERSION, 2));
	assert_int_equal(rd(HV_MSR_SVERSION), 1);
}

static void test_unknown_msr_gp(void **state)
{
	static const uint32_t unknown[] = { 0x40000085, 0x4000008f, 0x400000a0, 0x4000007f,
					    0x40000070 /* HV_X64_MSR_EOI */, 0 };
	uint64_t val;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(unknown); i++) {
		assert_false(synic_msr_read(&syn, unknown[i], &val));
		assert_false(synic_msr_write(&syn, unknown[i], 0));
	}
}

static void test_is_msr_range_edges(void **state)
{
	(void)state;
	for (uint32_t msr = 0x40000080; msr <= 0x40000084; msr++)
		assert_true(synic_is_msr(msr));
	for (uint32_t msr = 0x40000090; msr <= 0x4000009f; msr++)
		assert_true(synic_is_msr(msr));
	assert_false(synic_is_msr(0x4000007f));
	assert_false(synic_is_msr(0x40000085));
	assert_false(synic_is_msr(0x4000008f));
	assert_false(synic_is_msr(0x400000a0));
}

static void test_scontrol_reserved_bits_preserved(void **state)
{
	(void)state;
	wr(HV_MSR_SCONTROL, 0xfffffffffffffffeULL);
	assert_int_equal(rd(HV_MSR_SCONTROL), 0xfffffffffffffffeULL);
	wr(HV_MSR_SCONTROL, 0x8000000000000001ULL);
	assert_int_equal(rd(HV_MSR_SCONTROL), 0x8000000000000001ULL);
}

/* ---- SINTx ---- */

static void test_sint_unmasked_low_vector_gp_keeps_value(void **state)
{
	(void)state;
	set_sint(3, 0x40);
	assert_false(synic_msr_write(&syn, SINT_MSR(3), 0x05));
	assert_false(synic_msr_write(&syn, SINT_MSR(3), 0x00));
	assert_false(synic_msr_write(&syn, SINT_MSR(3), SINT_AUTO_EOI | 0x0f));
	assert_false(synic_msr_write(&syn, SINT_MSR(3), SINT_POLLING | 0x0f));
	assert_int_equal(rd(SINT_MSR(3)), 0x40);
	assert_true(in_map(syn.vectors, 0x40));
	assert_false(in_map(syn.vectors, 0x05));
}

static void test_sint_vector_boundary_15_gp_16_accepted(void **state)
{
	(void)state;
	assert_false(synic_msr_write(&syn, SINT_MSR(0), 15));
	assert_int_equal(rd(SINT_MSR(0)), 0x10000);
	assert_true(synic_msr_write(&syn, SINT_MSR(0), 16));
	assert_int_equal(rd(SINT_MSR(0)), 16);
}

static void test_sint_masked_low_vector_accepted(void **state)
{
	(void)state;
	set_sint(0, 0x10000);
	assert_int_equal(rd(SINT_MSR(0)), 0x10000);
	set_sint(1, 0x10005);
	assert_int_equal(rd(SINT_MSR(1)), 0x10005);
	assert_true(map_empty(syn.vectors));
}

static void test_sint_reserved_bits_preserved(void **state)
{
	const uint64_t rsvd = 0xfffffffffff8ab00ULL;	/* 15:8 and 63:19 */

	(void)state;
	set_sint(4, rsvd | SINT_MASKED | 0x40);
	assert_int_equal(rd(SINT_MSR(4)), rsvd | SINT_MASKED | 0x40);
	set_sint(5, rsvd | 0x41);
	assert_int_equal(rd(SINT_MSR(5)), rsvd | 0x41);
	assert_true(in_map(syn.vectors, 0x41));
}

/* ---- SIMP / SIEFP ---- */

static void assert_page_msr_outside_ram_gp(uint32_t msr)
{
	wr(msr, 0x3000 | PAGE_EN);
	assert_false(synic_msr_write(&syn, msr, RAM_SIZE | PAGE_EN));	/* just past the end */
	assert_false(synic_msr_write(&syn, msr, 0xfffffffffffff001ULL));
	assert_int_equal(rd(msr), 0x3000 | PAGE_EN);
	wr(msr, (RAM_SIZE - PAGE_SIZE) | PAGE_EN);			/* the last page is fine */
	assert_int_equal(rd(msr), (RAM_SIZE - PAGE_SIZE) | PAGE_EN);
}

static void test_simp_enable_outside_ram_gp_keeps_old(void **state)
{
	(void)state;
	assert_page_msr_outside_ram_gp(HV_MSR_SIMP);
}

static void test_siefp_enable_outside_ram_gp_keeps_old(void **state)
{
	(void)state;
	assert_page_msr_outside_ram_gp(HV_MSR_SIEFP);
}

static void test_page_msrs_disabled_any_pfn_accepted(void **state)
{
	(void)state;
	wr(HV_MSR_SIMP, 0xfffffffffffff000ULL);
	assert_int_equal(rd(HV_MSR_SIMP), 0xfffffffffffff000ULL);
	wr(HV_MSR_SIEFP, (uint64_t)RAM_SIZE);
	assert_int_equal(rd(HV_MSR_SIEFP), (uint64_t)RAM_SIZE);
}

static void test_page_msrs_reserved_bits_read_back(void **state)
{
	(void)state;
	wr(HV_MSR_SIMP, SIMP_GPA | 0xffe | PAGE_EN);
	assert_int_equal(rd(HV_MSR_SIMP), SIMP_GPA | 0xffe | PAGE_EN);
	wr(HV_MSR_SIEFP, SIEFP_GPA | 0xaaa);
	assert_int_equal(rd(HV_MSR_SIEFP), SIEFP_GPA | 0xaaa);
}

/* ---- vector bitmaps ---- */

static void test_vector_set_when_sint_unmasked(void **state)
{
	(void)state;
	set_sint(2, SINT_MASKED | 0x93);
	assert_false(in_map(syn.vectors, 0x93));
	set_sint(2, 0x93);
	assert_true(in_map(syn.vectors, 0x93));
	assert_false(in_map(syn.auto_eoi, 0x93));
}

static void test_vector_cleared_when_sint_masked(void **state)
{
	(void)state;
	set_sint(2, 0xc4);
	set_sint(2, SINT_MASKED | 0xc4);
	assert_true(map_empty(syn.vectors));
}

static void test_old_vector_cleared_when_sint_moves(void **state)
{
	(void)state;
	set_sint(6, 0x30);
	set_sint(6, 0xf0);
	assert_false(in_map(syn.vectors, 0x30));
	assert_true(in_map(syn.vectors, 0xf0));
}

static void test_shared_vector_kept_while_another_sint_uses_it(void **state)
{
	(void)state;
	set_sint(1, 0x50);
	set_sint(9, 0x50);
	set_sint(1, SINT_MASKED | 0x50);
	assert_true(in_map(syn.vectors, 0x50));
	set_sint(9, 0x51);
	assert_false(in_map(syn.vectors, 0x50));
	assert_true(in_map(syn.vectors, 0x51));
}

static void test_auto_eoi_bit_follows_flag(void **state)
{
	(void)state;
	set_sint(7, SINT_AUTO_EOI | 0x61);
	assert_true(in_map(syn.vectors, 0x61));
	assert_true(in_map(syn.auto_eoi, 0x61));
	set_sint(7, 0x61);
	assert_true(in_map(syn.vectors, 0x61));
	assert_false(in_map(syn.auto_eoi, 0x61));
	set_sint(7, SINT_AUTO_EOI | 0x61);
	set_sint(7, SINT_MASKED | SINT_AUTO_EOI | 0x61);
	assert_false(in_map(syn.auto_eoi, 0x61));
}

static void test_polling_sint_not_in_bitmaps(void **state)
{
	(void)state;
	set_sint(8, SINT_POLLING | SINT_AUTO_EOI | 0x70);
	assert_true(map_empty(syn.vectors));
	assert_true(map_empty(syn.auto_eoi));
	set_sint(8, 0x70);
	assert_true(in_map(syn.vectors, 0x70));
	set_sint(8, SINT_POLLING | 0x70);
	assert_false(in_map(syn.vectors, 0x70));
}

static void test_vector_is_auto_eoi(void **state)
{
	(void)state;
	set_sint(1, SINT_AUTO_EOI | 0x50);
	set_sint(2, 0x51);
	assert_true(synic_vector_is_auto_eoi(&syn, 0x50));
	assert_false(synic_vector_is_auto_eoi(&syn, 0x51));
	assert_false(synic_vector_is_auto_eoi(&syn, 0x52));
	set_sint(1, SINT_MASKED | SINT_AUTO_EOI | 0x50);
	assert_false(synic_vector_is_auto_eoi(&syn, 0x50));
}

/* ---- messages ---- */

/* The sender puts it into the free slot itself: no queue, no kick, one raise. */
static void test_post_free_slot_delivers_and_raises_once(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	post_ok(2, 1, 0x10);
	assert_slot_holds(2, 1, 0x10);
	assert_int_equal(slot(2)->flags, 0);
	assert_int_equal(slot(2)->reserved, 0);
	assert_raised_once(0x92, false);
	assert_int_equal(syn.queued, 0);
	assert_int_equal(seen.kicks, 0);
	assert_int_equal(buffers[2][0], 0);	/* never queued: no buffer taken */
	synic_deliver(&syn);			/* nothing left: no second raise */
	assert_int_equal(seen.raises, 1);
}

/* A message waiting in the queue keeps its place: a later post queues behind it. */
static void test_post_queues_behind_a_waiting_message(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	guest_frees_slot(2);			/* the owner has not delivered yet */
	post_ok(2, 2, 0x20);
	assert_int_equal(slot(2)->type, HV_MESSAGE_NONE);
	assert_int_equal(seen.kicks, 2);
	synic_deliver(&syn);
	assert_slot_holds(2, 1, 0x10);
	assert_true(slot(2)->flags & HV_MESSAGE_FLAG_PENDING);
	guest_frees_slot(2);
	wr(HV_MSR_EOM, 0);
	assert_slot_holds(2, 2, 0x20);
}

static void test_post_copies_only_payload_size_bytes(void **state)
{
	struct hv_message m = make_msg(0x22, 3, 0xabcdef, 0x01);

	(void)state;
	enable_sint(4, 0x94);
	memset(slot(4)->payload, 0x55, HV_MESSAGE_PAYLOAD_MAX);	/* stale, but the slot is free */
	assert_int_equal(synic_post_message(&syn, 4, &m, buffers[4]), HV_STATUS_SUCCESS);
	synic_deliver(&syn);
	assert_int_equal(slot(4)->type, 0x22);
	assert_int_equal(slot(4)->payload_size, 3);
	assert_int_equal(slot(4)->origin, 0xabcdef);
	assert_memory_equal(slot(4)->payload, "\x01\x02\x03", 3);
	for (unsigned int i = 3; i < HV_MESSAGE_PAYLOAD_MAX; i++)
		assert_int_equal(slot(4)->payload[i], 0x55);
	assert_int_equal(slot(3)->type, 0);
	assert_int_equal(slot(5)->type, 0);
}

static void test_post_masked_sint_writes_slot_no_raise(void **state)
{
	(void)state;
	enable_synic();
	set_sint(2, SINT_MASKED | 0x92);
	post_ok(2, 1, 0x10);
	synic_deliver(&syn);
	assert_slot_holds(2, 1, 0x10);
	assert_int_equal(seen.raises, 0);
}

static void test_post_polling_sint_writes_slot_no_raise(void **state)
{
	(void)state;
	enable_sint(2, SINT_POLLING | 0x92);
	post_ok(2, 1, 0x10);
	synic_deliver(&syn);
	assert_slot_holds(2, 1, 0x10);
	assert_int_equal(seen.raises, 0);
}

static void test_post_auto_eoi_sint_raises_with_auto_eoi(void **state)
{
	(void)state;
	enable_sint(0, SINT_AUTO_EOI | 0xa0);
	post_ok(0, 1, 0);
	synic_deliver(&syn);
	assert_raised_once(0xa0, true);
}

static void test_post_scontrol_disabled_invalid_state(void **state)
{
	struct hv_message m = make_msg(1, 8, 0, 0);

	(void)state;
	enable_sint(2, 0x92);
	wr(HV_MSR_SCONTROL, 0);
	assert_int_equal(synic_post_message(&syn, 2, &m, buffers[2]), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(seen.kicks, 0);
	assert_int_equal(syn.queued, 0);
	wr(HV_MSR_SCONTROL, 1);			/* nothing was queued */
	assert_int_equal(slot(2)->type, 0);
}

static void test_post_simp_disabled_invalid_state(void **state)
{
	struct hv_message m = make_msg(1, 8, 0, 0);

	(void)state;
	enable_sint(2, 0x92);
	wr(HV_MSR_SIMP, SIMP_GPA);
	assert_int_equal(synic_post_message(&syn, 2, &m, buffers[2]), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(seen.kicks, 0);
	assert_int_equal(syn.queued, 0);
}

static void test_post_busy_slot_sets_pending_no_raise(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	occupy_slot(2);
	assert_int_equal(synic_post_message(&syn, 2, &(struct hv_message){ .type = 1 }, buffers[2]),
			 HV_STATUS_SUCCESS);
	synic_deliver(&syn);
	assert_int_equal(slot(2)->type, 0x1234);
	for (unsigned int i = 0; i < HV_MESSAGE_PAYLOAD_MAX; i++)
		assert_int_equal(slot(2)->payload[i], 0x77);
	assert_true(slot(2)->flags & HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(seen.raises, 0);
	assert_true(syn.queued & BIT(2));
}

/* A message waits behind an occupied slot of SINT 2 (vector 0x92); the guest then frees it. */
static void queue_behind_busy_slot(void)
{
	enable_sint(2, 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	synic_deliver(&syn);
	assert_int_equal(seen.raises, 0);
	guest_frees_slot(2);
}

static void test_eom_delivers_queued_message(void **state)
{
	(void)state;
	queue_behind_busy_slot();
	wr(HV_MSR_EOM, 0);
	assert_slot_holds(2, 1, 0x10);
	assert_int_equal(slot(2)->flags, 0);	/* nothing more waits */
	assert_raised_once(0x92, false);
}

static void test_eoi_of_sint_vector_delivers_queued_message(void **state)
{
	(void)state;
	queue_behind_busy_slot();
	synic_eoi(&syn, 0x92);
	assert_slot_holds(2, 1, 0x10);
	assert_raised_once(0x92, false);
}

static void test_eoi_of_unrelated_vector_does_not_deliver(void **state)
{
	(void)state;
	queue_behind_busy_slot();
	synic_eoi(&syn, 0x93);			/* no SINT uses it */
	synic_eoi(&syn, 0x20);
	assert_int_equal(slot(2)->type, 0);
	assert_int_equal(seen.raises, 0);
	assert_true(syn.queued & BIT(2));
}

/* Before entry the owner delivers what was posted, once: a busy slot is not retried. */
static void test_deliver_posted_tries_once_per_post(void **state)
{
	(void)state;
	enable_synic();
	enable_sint(2, 0x92);
	occupy_slot(2);
	assert_int_equal(synic_post_message(&syn, 2, &(struct hv_message){ .type = 1 }, buffers[2]),
			 HV_STATUS_SUCCESS);
	synic_deliver_posted(&syn);
	assert_true(slot(2)->flags & HV_MESSAGE_FLAG_PENDING);
	guest_frees_slot(2);
	synic_deliver_posted(&syn);		/* no new post: no retry */
	assert_int_equal(slot(2)->type, 0);
	assert_int_equal(seen.raises, 0);
	wr(HV_MSR_EOM, 0);
	assert_raised_once(0x92, false);
}

/* 16 buffers per connection: the 17th message of one is refused, another still has its own. */
static void test_connection_buffers_run_out(void **state)
{
	struct hv_message m = make_msg(1, 8, 0, 0);

	(void)state;
	enable_sint(2, 0x92);
	occupy_slot(2);
	for (unsigned int i = 0; i < SYNIC_BUFFERS_PER_CONNECTION; i++)
		post_ok(2, 1, (uint8_t)i);
	synic_deliver(&syn);			/* the slot is busy: all 16 still wait */
	assert_int_equal(synic_post_message(&syn, 2, &m, buffers[2]),
			 HV_STATUS_INSUFFICIENT_BUFFERS);
	assert_int_equal(seen.kicks, SYNIC_BUFFERS_PER_CONNECTION);
	assert_int_equal(synic_post_message(&syn, 2, &m, &buffers[2][1]), HV_STATUS_SUCCESS);
}

/* A buffer comes back when its message goes into the slot. */
static void test_delivery_gives_the_buffer_back(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	post_ok(2, 1, 0x20);
	assert_int_equal(buffers[2][0], 2);
	guest_frees_slot(2);
	synic_deliver(&syn);
	assert_int_equal(buffers[2][0], 1);
	guest_frees_slot(2);
	wr(HV_MSR_EOM, 0);
	assert_int_equal(buffers[2][0], 0);
}

/* A ring the owner sized too small refuses too, rather than overwrite. */
static void test_full_ring_refuses(void **state)
{
	struct hv_message m = make_msg(1, 8, 0, 0);

	(void)state;
	queues[2].size = 1;
	enable_sint(2, 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	assert_int_equal(synic_post_message(&syn, 2, &m, &buffers[2][1]),
			 HV_STATUS_INSUFFICIENT_BUFFERS);
}

static void test_queue_drains_in_order_with_pending_flags(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	post_ok(2, 2, 0x20);
	guest_frees_slot(2);
	synic_deliver(&syn);
	assert_slot_holds(2, 1, 0x10);
	assert_true(slot(2)->flags & HV_MESSAGE_FLAG_PENDING);	/* more waiting */
	assert_raised_once(0x92, false);
	guest_frees_slot(2);
	wr(HV_MSR_EOM, 0);
	assert_slot_holds(2, 2, 0x20);
	assert_int_equal(slot(2)->flags, 0);
	assert_int_equal(seen.raises, 2);
	assert_int_equal(syn.queued, 0);
}

static void test_queue_survives_simp_disable_and_each_post_kicks(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	assert_int_equal(seen.kicks, 1);
	post_ok(2, 2, 0x20);
	assert_int_equal(seen.kicks, 2);
	guest_frees_slot(2);
	wr(HV_MSR_SIMP, SIMP_GPA);		/* disabled before the vCPU delivered */
	synic_deliver(&syn);
	assert_int_equal(slot(2)->type, 0);
	assert_int_equal(seen.raises, 0);
	wr(HV_MSR_SIMP, 0x3000 | PAGE_EN);	/* enabling delivers into the new page */
	assert_int_equal(slot(2)->type, 0);
	assert_int_equal(slot_at(0x3000, 2)->type, 1);
	assert_int_equal(slot_at(0x3000, 2)->payload[0], 0x10);
	assert_true(slot_at(0x3000, 2)->flags & HV_MESSAGE_FLAG_PENDING);
	assert_raised_once(0x92, false);
}

static void test_queue_survives_scontrol_disable(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	guest_frees_slot(2);
	wr(HV_MSR_SCONTROL, 0);
	synic_deliver(&syn);
	assert_int_equal(slot(2)->type, 0);
	wr(HV_MSR_SCONTROL, 1);
	assert_slot_holds(2, 1, 0x10);
	assert_raised_once(0x92, false);
}

static void test_unmasking_sint_delivers_and_raises(void **state)
{
	(void)state;
	enable_synic();
	set_sint(2, SINT_MASKED | 0x92);
	occupy_slot(2);
	post_ok(2, 1, 0x10);
	synic_deliver(&syn);
	guest_frees_slot(2);
	set_sint(2, 0x92);
	assert_slot_holds(2, 1, 0x10);
	assert_raised_once(0x92, false);
}

/* ---- event flags ---- */

static void test_signal_sets_flag_and_raises_once(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	assert_int_equal(synic_signal_event(&syn, 2, 13), HV_STATUS_SUCCESS);
	assert_int_equal(event_area(2)[1], BIT(5));
	assert_int_equal(page_bits_set(&ram[SIEFP_GPA]), 1);
	assert_raised_once(0x92, false);
	assert_int_equal(seen.kicks, 0);
}

static void test_signal_already_set_flag_raises_nothing(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	assert_int_equal(synic_signal_event(&syn, 2, 0), HV_STATUS_SUCCESS);
	assert_int_equal(synic_signal_event(&syn, 2, 0), HV_STATUS_SUCCESS);
	assert_int_equal(seen.raises, 1);
	event_area(2)[0x10] = BIT(3);		/* flag 131, left set by the guest */
	assert_int_equal(synic_signal_event(&syn, 2, 131), HV_STATUS_SUCCESS);
	assert_int_equal(seen.raises, 1);
	assert_int_equal(synic_signal_event(&syn, 2, 130), HV_STATUS_SUCCESS);
	assert_int_equal(event_area(2)[0x10], BIT(3) | BIT(2));
	assert_int_equal(seen.raises, 2);
}

static void test_signal_last_flag_is_last_page_byte(void **state)
{
	(void)state;
	enable_sint(15, 0xff);
	assert_int_equal(synic_signal_event(&syn, 15, 2047), HV_STATUS_SUCCESS);
	assert_int_equal(ram[SIEFP_GPA + PAGE_SIZE - 1], 0x80);
	assert_int_equal(page_bits_set(&ram[SIEFP_GPA]), 1);
	assert_int_equal(ram[SIEFP_GPA + PAGE_SIZE], 0);
	assert_raised_once(0xff, false);
}

static void test_signal_flag_2048_invalid_parameter(void **state)
{
	(void)state;
	enable_sint(15, 0xff);
	assert_int_equal(synic_signal_event(&syn, 15, 2048), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(synic_signal_event(&syn, 0, 2048), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(page_bits_set(&ram[SIEFP_GPA]), 0);
	assert_int_equal(ram[SIEFP_GPA + PAGE_SIZE], 0);
	assert_int_equal(seen.raises, 0);
}

static void assert_signal_invalid_state(void)
{
	assert_int_equal(synic_signal_event(&syn, 2, 1), HV_STATUS_INVALID_SYNIC_STATE);
	assert_int_equal(page_bits_set(&ram[SIEFP_GPA]), 0);
	assert_int_equal(seen.raises, 0);
}

static void test_signal_siefp_disabled_invalid_state(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	wr(HV_MSR_SIEFP, SIEFP_GPA);
	assert_signal_invalid_state();
}

static void test_signal_scontrol_disabled_invalid_state(void **state)
{
	(void)state;
	enable_sint(2, 0x92);
	wr(HV_MSR_SCONTROL, 0);
	assert_signal_invalid_state();
}

static void test_signal_masked_sint_invalid_state(void **state)
{
	(void)state;
	enable_synic();
	set_sint(2, SINT_MASKED | 0x92);
	assert_signal_invalid_state();
}

static void test_signal_auto_eoi_sint_passes_auto_eoi(void **state)
{
	(void)state;
	enable_sint(3, SINT_AUTO_EOI | 0xb3);
	assert_int_equal(synic_signal_event(&syn, 3, 7), HV_STATUS_SUCCESS);
	assert_raised_once(0xb3, true);
}

static void test_signal_polling_sint_sets_flag_no_raise(void **state)
{
	(void)state;
	enable_sint(3, SINT_POLLING | 0xb3);
	assert_int_equal(synic_signal_event(&syn, 3, 7), HV_STATUS_SUCCESS);
	assert_int_equal(event_area(3)[0], BIT(7));
	assert_int_equal(seen.raises, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_values, setup),
		cmocka_unit_test_setup(test_eom_reads_zero_after_write, setup),
		cmocka_unit_test_setup(test_sversion_write_gp, setup),
		cmocka_unit_test_setup(test_unknown_msr_gp, setup),
		cmocka_unit_test_setup(test_is_msr_range_edges, setup),
		cmocka_unit_test_setup(test_scontrol_reserved_bits_preserved, setup),
		cmocka_unit_test_setup(test_sint_unmasked_low_vector_gp_keeps_value, setup),
		cmocka_unit_test_setup(test_sint_vector_boundary_15_gp_16_accepted, setup),
		cmocka_unit_test_setup(test_sint_masked_low_vector_accepted, setup),
		cmocka_unit_test_setup(test_sint_reserved_bits_preserved, setup),
		cmocka_unit_test_setup(test_simp_enable_outside_ram_gp_keeps_old, setup),
		cmocka_unit_test_setup(test_siefp_enable_outside_ram_gp_keeps_old, setup),
		cmocka_unit_test_setup(test_page_msrs_disabled_any_pfn_accepted, setup),
		cmocka_unit_test_setup(test_page_msrs_reserved_bits_read_back, setup),
		cmocka_unit_test_setup(test_vector_set_when_sint_unmasked, setup),
		cmocka_unit_test_setup(test_vector_cleared_when_sint_masked, setup),
		cmocka_unit_test_setup(test_old_vector_cleared_when_sint_moves, setup),
		cmocka_unit_test_setup(test_shared_vector_kept_while_another_sint_uses_it, setup),
		cmocka_unit_test_setup(test_auto_eoi_bit_follows_flag, setup),
		cmocka_unit_test_setup(test_polling_sint_not_in_bitmaps, setup),
		cmocka_unit_test_setup(test_vector_is_auto_eoi, setup),
		cmocka_unit_test_setup(test_post_free_slot_delivers_and_raises_once, setup),
		cmocka_unit_test_setup(test_post_queues_behind_a_waiting_message, setup),
		cmocka_unit_test_setup(test_post_copies_only_payload_size_bytes, setup),
		cmocka_unit_test_setup(test_post_masked_sint_writes_slot_no_raise, setup),
		cmocka_unit_test_setup(test_post_polling_sint_writes_slot_no_raise, setup),
		cmocka_unit_test_setup(test_post_auto_eoi_sint_raises_with_auto_eoi, setup),
		cmocka_unit_test_setup(test_post_scontrol_disabled_invalid_state, setup),
		cmocka_unit_test_setup(test_post_simp_disabled_invalid_state, setup),
		cmocka_unit_test_setup(test_post_busy_slot_sets_pending_no_raise, setup),
		cmocka_unit_test_setup(test_eom_delivers_queued_message, setup),
		cmocka_unit_test_setup(test_eoi_of_sint_vector_delivers_queued_message, setup),
		cmocka_unit_test_setup(test_eoi_of_unrelated_vector_does_not_deliver, setup),
		cmocka_unit_test_setup(test_deliver_posted_tries_once_per_post, setup),
		cmocka_unit_test_setup(test_connection_buffers_run_out, setup),
		cmocka_unit_test_setup(test_delivery_gives_the_buffer_back, setup),
		cmocka_unit_test_setup(test_full_ring_refuses, setup),
		cmocka_unit_test_setup(test_queue_drains_in_order_with_pending_flags, setup),
		cmocka_unit_test_setup(test_queue_survives_simp_disable_and_each_post_kicks, setup),
		cmocka_unit_test_setup(test_queue_survives_scontrol_disable, setup),
		cmocka_unit_test_setup(test_unmasking_sint_delivers_and_raises, setup),
		cmocka_unit_test_setup(test_signal_sets_flag_and_raises_once, setup),
		cmocka_unit_test_setup(test_signal_already_set_flag_raises_nothing, setup),
		cmocka_unit_test_setup(test_signal_last_flag_is_last_page_byte, setup),
		cmocka_unit_test_setup(test_signal_flag_2048_invalid_parameter, setup),
		cmocka_unit_test_setup(test_signal_siefp_disabled_invalid_state, setup),
		cmocka_unit_test_setup(test_signal_scontrol_disabled_invalid_state, setup),
		cmocka_unit_test_setup(test_signal_masked_sint_invalid_state, setup),
		cmocka_unit_test_setup(test_signal_auto_eoi_sint_passes_auto_eoi, setup),
		cmocka_unit_test_setup(test_signal_polling_sint_sets_flag_no_raise, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
