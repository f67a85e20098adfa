/*
 * libFuzzer target for the SynIC of one vCPU (synic/synic.c): the input is a
 * sequence of operations, each an opcode byte (low 3 bits: what, bit 3 on an
 * MSR write: keep only the value's low 15 bits, so that page numbers and
 * vectors are small) and its operands:
 *   0 write an MSR (u8 selector, u64 value)   1 read an MSR (u8 selector)
 *   2 post a message (u8: SINT, connection in bits 4-5; u32 type, 0 read as
 *     1; u8 size)
 *   3 signal an event (u8 SINT, u16 flag)
 *   4 the guest's side (u8: SINT; 0x10 frees the slot, 0x20 clears its
 *     flags, 0x40 writes EOM)
 *   5 EOI of a vector, then the delivery before guest entry (u8 vector)
 *   6 a timer message now (u8 SINT)
 *   7 the guest writes a byte of its RAM (u16 offset, u8 value)
 * The MSR selector picks SCONTROL..EOM, SINT0-15 or a neighbour from a table,
 * or above 0xf0 a raw 32-bit MSR number that follows.
 * The fake guest RAM is 4 pages at GPA 0 (the 4th is not RAM: guest_page()
 * refuses it), with guard bytes on both sides.
 * Beyond no sanitizer report: the guards stay intact and no page the SynIC
 * was never given is written; a read works exactly for synic_is_msr() MSRs;
 * an accepted write reads back, a refused one changes no register (and only
 * the documented cases are refused); the vector bitmaps match the SINTs; an
 * interrupt is only raised on a vector of a SINT that interrupts; every
 * message is either in a queue or delivered (the connections' buffer counts
 * match the queues; a post into a free slot with none waiting before it is
 * delivered at once, taking no buffer), and after a delivery a SINT with
 * messages waiting has its slot busy with MessagePending set (else nothing
 * would make the guest write EOM); posting answers as documented; a
 * signalled flag is set in the event page.
 */
#include <string.h>

#include "synic/synic.h"
#include "tests/fuzz/fuzz.h"

#define RAM_PAGES   4
#define RAM_SIZE    (RAM_PAGES * PAGE_SIZE)
#define MMIO_GPA    (3 * PAGE_SIZE) /* inside the array, but not the guest's RAM */
#define GUARD       64
#define GUARD_BYTE  0x5a
#define QUEUE_SIZE  8               /* less than two connections' buffers: it fills up */
#define NR_CONNS    3
#define MAX_OPS     256

static struct {
	uint8_t guard_lo[GUARD];
	uint8_t ram[RAM_SIZE];
	uint8_t guard_hi[GUARD];
} mem __aligned(PAGE_SIZE);

static struct synic syn;
static struct synic_queue queues[HV_SINT_COUNT];
static struct synic_queued rings[HV_SINT_COUNT][QUEUE_SIZE];
static uint32_t conn_buffers[NR_CONNS];
static unsigned int used_pages; /* bit n: page n was the SIMP or SIEFP, or the guest wrote it */
static int ctx_token;

static const uint32_t msr_table[] = {
	HV_MSR_SCONTROL, HV_MSR_SVERSION, HV_MSR_SIEFP, HV_MSR_SIMP, HV_MSR_EOM,
	HV_MSR_SINT0, HV_MSR_SINT0 + 1, HV_MSR_SINT0 + 2, HV_MSR_SINT0 + 3, HV_MSR_SINT0 + 7,
	HV_MSR_SINT15, HV_MSR_SCONTROL - 1, HV_MSR_EOM + 1, HV_MSR_SINT0 - 1, HV_MSR_SINT15 + 1,
	HV_MSR_GUEST_OS_ID, HV_MSR_STIMER0_CONFIG,
};

static void *fake_guest_page(void *ctx, uint64_t gpa)
{
	CHECK(ctx == &ctx_token && gpa % PAGE_SIZE == 0);
	if (gpa >= RAM_SIZE || gpa == MMIO_GPA)
		return NULL;
	return &mem.ram[gpa];
}

static void fake_raise(void *ctx, uint8_t vector, bool auto_eoi)
{
	CHECK(ctx == &ctx_token && vector >= 16);
	CHECK(synic_sints_of_vector(&syn, vector));
	CHECK(!auto_eoi || synic_vector_is_auto_eoi(&syn, vector));
}

static void fake_kick(void *ctx) { CHECK(ctx == &ctx_token); }

static bool is_ram(uint64_t pfn)
{
	return fake_guest_page(&ctx_token, pfn << PAGE_SHIFT) != NULL;
}

static const struct synic_env env = { fake_guest_page, fake_raise, fake_kick };

static void reset(void)
{
	memset(&mem, GUARD_BYTE, sizeof(mem));
	memset(mem.ram, 0, sizeof(mem.ram));
	memset(conn_buffers, 0, sizeof(conn_buffers));
	for (unsigned int i = 0; i < HV_SINT_COUNT; i++)
		queues[i] = (struct synic_queue){ .ring = rings[i], .size = QUEUE_SIZE };
	used_pages = 0;
	synic_init(&syn, queues, &env, &ctx_token);
}

static uint32_t read_msr_number(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);

	return sel >= 0xf0 ? fuzz_u32(in) : msr_table[sel % ARRAY_SIZE(msr_table)];
}

/* The pages the SynIC may write: the enabled SIMP and SIEFP, whenever they were. */
static void note_pages(void)
{
	if (syn.simp.enable && syn.simp.pfn < RAM_PAGES)
		used_pages |= 1u << syn.simp.pfn;
	if (syn.siefp.enable && syn.siefp.pfn < RAM_PAGES)
		used_pages |= 1u << syn.siefp.pfn;
}

struct regs {
	uint64_t scontrol, simp, siefp, sint[HV_SINT_COUNT];
};

static void snapshot(struct regs *r)
{
	r->scontrol = syn.scontrol;
	r->simp = syn.simp.raw;
	r->siefp = syn.siefp.raw;
	for (unsigned int i = 0; i < HV_SINT_COUNT; i++)
		r->sint[i] = syn.sint[i].raw;
}

/* Whether the SynIC must refuse this write (#GP): the rules of synic.h and the TLFS. */
static bool must_refuse(uint32_t msr, uint64_t val)
{
	union hv_sint sint = { .raw = val };
	union hv_page_msr page = { .raw = val };

	if (!synic_is_msr(msr) || msr == HV_MSR_SVERSION)
		return true;
	if (msr == HV_MSR_SIMP || msr == HV_MSR_SIEFP)
		return page.enable && !is_ram(page.pfn);
	if (msr >= HV_MSR_SINT0)
		return !sint.masked && sint.vector < 16;
	return false;
}

/* The SynIC and its message page are on: messages may go into the slots. */
static bool message_page_on(void)
{
	return (syn.scontrol & 1) && syn.simp.enable && is_ram(syn.simp.pfn);
}

static struct hv_message *message_slot(unsigned int sint)
{
	return (struct hv_message *)(mem.ram + ((uint64_t)syn.simp.pfn << PAGE_SHIFT)) + sint;
}

/*
 * After a delivery (every accepted SynIC MSR write makes one): a SINT with
 * messages waiting has its slot busy with MessagePending set, so that the
 * guest writes EOM when it frees the slot (TLFS 11.9.2): no message is stuck.
 */
static void check_delivered(void)
{
	if (!message_page_on())
		return;
	for (unsigned int n = 0; n < HV_SINT_COUNT; n++) {
		const struct hv_message *slot = message_slot(n);

		if (queues[n].count)
			CHECK(slot->type != HV_MESSAGE_NONE &&
			      (slot->flags & HV_MESSAGE_FLAG_PENDING));
	}
}

static void op_write(struct fuzz_input *in, bool small)
{
	uint32_t msr = read_msr_number(in);
	uint64_t val = fuzz_u64(in), back;
	struct regs before, after;
	bool ok;

	if (small)
		val &= 0x7fff;
	snapshot(&before);
	ok = synic_msr_write(&syn, msr, val);
	snapshot(&after);
	CHECK(ok == !must_refuse(msr, val));
	if (!ok) {
		CHECK(!memcmp(&before, &after, sizeof(before)));
		return;
	}
	note_pages();
	check_delivered();
	CHECK(synic_msr_read(&syn, msr, &back));
	CHECK(msr == HV_MSR_EOM ? back == 0 : back == val);
}

static void op_read(struct fuzz_input *in)
{
	uint32_t msr = read_msr_number(in);
	uint64_t val = 0;
	bool ok = synic_msr_read(&syn, msr, &val);

	CHECK(ok == synic_is_msr(msr));
	CHECK(msr != HV_MSR_SVERSION || val == HV_SYNIC_VERSION);
}

/* A post goes straight into the slot: the page on, the slot free, nothing queued before it. */
static bool post_delivers_now(unsigned int sint)
{
	return message_page_on() && !queues[sint].count &&
	       message_slot(sint)->type == HV_MESSAGE_NONE;
}

/* What posting must answer: the message page first, then the buffers and the queue. */
static enum hv_status expected_post_status(unsigned int sint, unsigned int conn)
{
	if (!message_page_on())
		return HV_STATUS_INVALID_SYNIC_STATE;
	if (post_delivers_now(sint))
		return HV_STATUS_SUCCESS;
	if (conn_buffers[conn] >= SYNIC_BUFFERS_PER_CONNECTION || queues[sint].count == QUEUE_SIZE)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	return HV_STATUS_SUCCESS;
}

static void op_post(struct fuzz_input *in)
{
	uint8_t target = fuzz_u8(in);
	unsigned int sint = target % HV_SINT_COUNT, conn = (target >> 4) % NR_CONNS;
	uint32_t type = fuzz_u32(in);
	/* never type 0 (a free slot): every caller refuses it (HvPostMessage: TLFS 11.10.1) */
	struct hv_message msg = { .type = type ? type : 1, .payload_size = fuzz_u8(in) };
	uint32_t before = conn_buffers[conn];
	bool now = post_delivers_now(sint);
	enum hv_status expect = expected_post_status(sint, conn);

	memset(msg.payload, sint, sizeof(msg.payload));
	CHECK(synic_post_message(&syn, sint, &msg, &conn_buffers[conn]) == expect);
	CHECK(conn_buffers[conn] == before + (expect == HV_STATUS_SUCCESS && !now));
	CHECK(!now || message_slot(sint)->type == msg.type);
}

static void op_signal(struct fuzz_input *in)
{
	unsigned int sint = fuzz_u8(in) % HV_SINT_COUNT, flag = fuzz_u16(in) % 4096;
	enum hv_status st = synic_signal_event(&syn, sint, flag);
	const uint8_t *page;

	if (flag >= HV_EVENT_FLAGS_PER_SINT) {
		CHECK(st == HV_STATUS_INVALID_PARAMETER);
		return;
	}
	CHECK(st == HV_STATUS_SUCCESS || st == HV_STATUS_INVALID_SYNIC_STATE);
	if (st != HV_STATUS_SUCCESS)
		return;
	CHECK(syn.siefp.pfn < RAM_PAGES && !syn.sint[sint].masked);
	page = mem.ram + ((uint64_t)syn.siefp.pfn << PAGE_SHIFT);
	CHECK(page[sint * HV_EVENT_AREA_BYTES + flag / 8] & (1u << (flag % 8)));
}

/* The guest took the message out of its slot (or not: flags only) and maybe wrote EOM. */
static void op_consume(struct fuzz_input *in)
{
	uint8_t what = fuzz_u8(in);
	struct hv_message *slot;

	if (message_page_on()) {
		slot = message_slot(what % HV_SINT_COUNT);
		if (what & 0x10)
			slot->type = HV_MESSAGE_NONE;
		if (what & 0x20)
			slot->flags = 0;
	}
	if (what & 0x40) {
		CHECK(synic_msr_write(&syn, HV_MSR_EOM, 0));
		check_delivered();
	}
}

static void op_eoi(struct fuzz_input *in)
{
	synic_eoi(&syn, fuzz_u8(in));
	synic_deliver_posted(&syn);
}

static void op_deliver_now(struct fuzz_input *in)
{
	unsigned int sint = fuzz_u8(in) % HV_SINT_COUNT;
	struct hv_message msg = { .type = HV_MESSAGE_TIMER_EXPIRED, .payload_size = 24 };
	struct hv_message *slot;

	if (!synic_deliver_now(&syn, sint, &msg))
		return;
	CHECK(message_page_on());
	slot = message_slot(sint);
	CHECK(slot->type == msg.type && slot->payload_size == 24 && !slot->flags);
}

static void op_guest_write(struct fuzz_input *in)
{
	uint16_t off = fuzz_u16(in) % RAM_SIZE;

	mem.ram[off] = fuzz_u8(in);
	used_pages |= 1u << (off / PAGE_SIZE);
}

/* The bitmaps say which vectors have SINTs that interrupt, and which are auto-EOI. */
static void check_vectors(void)
{
	uint64_t used[4] = { 0 }, auto_eoi[4] = { 0 };

	for (unsigned int n = 0; n < HV_SINT_COUNT; n++) {
		union hv_sint s = syn.sint[n];
		bool interrupts = !s.masked && !s.polling;

		CHECK(!!(synic_sints_of_vector(&syn, (uint8_t)s.vector) & BIT(n)) == interrupts);
		if (!interrupts)
			continue;
		used[s.vector / 64] |= BIT(s.vector % 64);
		if (s.auto_eoi)
			auto_eoi[s.vector / 64] |= BIT(s.vector % 64);
	}
	CHECK(!memcmp(used, syn.vectors, sizeof(used)));
	CHECK(!memcmp(auto_eoi, syn.auto_eoi, sizeof(auto_eoi)));
}

/* Each connection's buffers in use are its messages still queued. */
static void check_queues(void)
{
	uint32_t queued[NR_CONNS] = { 0 };

	for (unsigned int n = 0; n < HV_SINT_COUNT; n++) {
		const struct synic_queue *q = &queues[n];

		CHECK(q->count <= q->size && q->head < q->size);
		CHECK(!!(syn.queued & BIT(n)) == !!q->count);
		for (unsigned int i = 0; i < q->count; i++)
			queued[q->ring[(q->head + i) % q->size].buffers - conn_buffers]++;
	}
	CHECK(!memcmp(queued, conn_buffers, sizeof(queued)));
}

static bool all_bytes(const uint8_t *b, size_t n, uint8_t v)
{
	return b[0] == v && !memcmp(b, b + 1, n - 1);
}

static void check_memory(void)
{
	CHECK(all_bytes(mem.guard_lo, GUARD, GUARD_BYTE));
	CHECK(all_bytes(mem.guard_hi, GUARD, GUARD_BYTE));
	for (unsigned int p = 0; p < RAM_PAGES; p++)
		if (!(used_pages & (1u << p)))
			CHECK(all_bytes(mem.ram + p * PAGE_SIZE, PAGE_SIZE, 0));
}

static void run_op(struct fuzz_input *in)
{
	uint8_t op = fuzz_u8(in);

	switch (op & 7) {
	case 0: op_write(in, op & 8); check_vectors(); break;
	case 1: op_read(in); break;
	case 2: op_post(in); break;
	case 3: op_signal(in); break;
	case 4: op_consume(in); break;
	case 5: op_eoi(in); break;
	case 6: op_deliver_now(in); break;
	case 7: op_guest_write(in); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };

	reset();
	for (unsigned int i = 0; i < MAX_OPS && fuzz_more(&in); i++) {
		run_op(&in);
		check_queues();
	}
	check_memory();
	return 0;
}
