/*
 * Hypercalls with random call codes, input values, rep counts, fast and
 * memory forms and input GPAs (aligned, misaligned, across a page, outside
 * RAM, on the hypercall page, on the SynIC pages), checked against the
 * status the TLFS defines, in the order synic/hypercall_abi.c applies its
 * checks (the TLFS leaves the order open but for ACCESS_DENIED first):
 * code, privilege, reserved bits and rep fields, fast form, alignment and
 * RAM, then the call's own checks (TLFS 11.10).
 */
#include "guest-tests/fuzz/fuzz.h"

#define CALL_POST        0x005c
#define CALL_SIGNAL      0x005d
#define PRIV_POST        (1U << 4) /* CPUID 0x40000003.EBX */
#define PRIV_SIGNAL      (1U << 5)
#define INPUT_FAST       (1ULL << 16)
#define INPUT_VAR_HDR    (0x3ffULL << 17)
#define INPUT_RSVD       (0x1fULL << 27 | 0xfULL << 44 | 0xfULL << 60) /* with "nested", bit 31 */
#define INPUT_REP_COUNT  (0xfffULL << 32)
#define INPUT_REP_START  (0xfffULL << 48)
#define POST_SIZE        256
#define SIGNAL_SIZE      8
#define BUFFERS          16 /* a connection's message buffers (TLFS 11.4, synic.h) */
#define S(status)        (1U << (status))
#define CONTENT_STATUSES (S(ST_SUCCESS) | S(ST_INVALID_INPUT) | S(ST_PARAMETER) | \
			  S(ST_CONNECTION_ID) | S(ST_BUFFERS) | S(ST_SYNIC_STATE))

struct post_input {
	uint32_t connection_id, reserved, type, payload_size;
	uint8_t payload[240];
} __attribute__((packed));

struct plan {
	struct hcall c;
	const void *content; /* the input as the hypervisor will read it, NULL when unknown */
	uint8_t buf[POST_SIZE];
};

/*
 * The TLB-flush calls are tried (any outcome of theirs is harmless); the IPI
 * calls are not chosen on purpose: a random vector could land on one of the
 * guest's exception vectors. A random code that happens to be one of either
 * is judged only by the statuses its checks can give.
 */
static const uint16_t other_codes[] = {
	0x0000, 0x0001, 0x0002, 0x0003, 0x0008, 0x0013, 0x0014, 0x0050, 0x0051,
	0x0099, 0x00af, 0x00b0, 0x00c0, 0x00c1, 0x8001, 0xffff,
};

/* The flush and IPI calls (synic/hypercall.c): their rep and VP-set checks are not modelled */
static bool vp_set_call(uint16_t code)
{
	return code == 0x0002 || code == 0x0003 || code == 0x000b || code == 0x0013 ||
	       code == 0x0014 || code == 0x0015;
}
#define VP_SET_CALL_STATUSES (S(ST_SUCCESS) | S(ST_INVALID_INPUT) | S(ST_ALIGNMENT))
#define HINT_REMOTE_FLUSH    (1U << 2)
#define HINT_CLUSTER_IPI     (1U << 10)
#define HINT_EX_MASKS        (1U << 11)

/* The recommendations a VP-set call needs (TLFS 2.4.5, as KVM enforces them): else ACCESS_DENIED. */
static uint32_t vp_set_call_hints(uint16_t code)
{
	uint32_t kind = code == 0x000b || code == 0x0015 ? HINT_CLUSTER_IPI : HINT_REMOTE_FLUSH;

	return kind | (code >= 0x0013 ? HINT_EX_MASKS : 0);
}

/* ---- the expected status ---- */

static uint32_t expect_signal(uint64_t in)
{
	uint32_t conn = (uint32_t)in, flag = (in >> 32) & 0xffff;
	const struct vp_model *t = &hv.vp[fz.event_vp];

	if ((conn & ~0xffffffu) || (in >> 48))
		return S(ST_INVALID_INPUT);
	if (flag) /* one flag per connection here: FlagNumber 0 only */
		return S(ST_PARAMETER);
	if (!fz.event_conn || conn != EVENT_CONN)
		return S(ST_CONNECTION_ID);
	if (!model_synic_page(fz.event_vp, t->siefp) || (t->sint[EVENT_SINT] & HV_SINT_MASKED))
		return S(ST_SYNIC_STATE);
	return S(ST_SUCCESS);
}

static uint32_t expect_post(const struct post_input *in)
{
	if ((in->connection_id & ~0xffffffu) || in->reserved)
		return S(ST_INVALID_INPUT);
	if (!in->type || (in->type & 0x80000000u) || in->payload_size > 240)
		return S(ST_PARAMETER);
	if (!fz.msg_conn || in->connection_id != MSG_CONN)
		return S(ST_CONNECTION_ID);
	if (!model_synic_page(MSG_VP, hv.vp[MSG_VP].simp))
		return S(ST_SYNIC_STATE);
	if (hv.outstanding >= 0 && hv.outstanding < BUFFERS)
		return S(ST_SUCCESS);
	return S(ST_SUCCESS) | S(ST_BUFFERS);
}

static uint32_t expect_status(const struct plan *p)
{
	uint64_t in = p->c.input, gpa = p->c.param0;
	uint16_t code = (uint16_t)in;
	unsigned int size = code == CALL_POST ? POST_SIZE : SIGNAL_SIZE;

	if (vp_set_call(code))
		return (vp_set_call_hints(code) & ~hv.hints) ? S(ST_ACCESS_DENIED) : VP_SET_CALL_STATUSES;
	if (code != CALL_POST && code != CALL_SIGNAL)
		return S(ST_INVALID_CODE);
	if (!(hv.privileges & (code == CALL_POST ? PRIV_POST : PRIV_SIGNAL)))
		return S(ST_ACCESS_DENIED);
	if (in & (INPUT_RSVD | INPUT_VAR_HDR | INPUT_REP_COUNT | INPUT_REP_START))
		return S(ST_INVALID_INPUT); /* simple calls take neither header nor reps (TLFS 3.7) */
	if (in & INPUT_FAST)
		return code == CALL_POST ? S(ST_INVALID_INPUT) : expect_signal(gpa);
	if ((gpa & 7) || (gpa & (PAGE - 1)) + size > PAGE || gpa >= fz.mem_size)
		return S(ST_ALIGNMENT); /* TLFS 3.7: aligned, within a page, RAM */
	if (!p->content)
		return CONTENT_STATUSES;
	if (code == CALL_POST)
		return expect_post(p->content);
	return expect_signal(*(const uint64_t *)p->content);
}

/* ---- the call's parts ---- */

static uint16_t pick_code(void)
{
	switch (rng_below(10)) {
	case 0:
		return (uint16_t)rng_u64();
	case 1:
		return RNG_PICK(other_codes);
	default:
		return rng_percent(50) ? CALL_POST : CALL_SIGNAL;
	}
}

static uint64_t some_bits(unsigned int percent, uint64_t field)
{
	return rng_percent(percent) ? rng_u64() & field : 0;
}

static uint64_t input_value(uint16_t code)
{
	uint64_t in = code | (rng_percent(50) ? INPUT_FAST : 0);

	in |= some_bits(6, INPUT_VAR_HDR) | some_bits(6, INPUT_RSVD);
	in |= some_bits(6, INPUT_REP_COUNT) | some_bits(4, INPUT_REP_START);
	return in;
}

static uint32_t connection_id(void)
{
	switch (rng_below(12)) {
	case 0:
		return (uint32_t)rng_u64();
	case 1:
		return (uint32_t)rng_below(0x1000000);
	case 2:
		return 0;
	case 3:
		return MSG_CONN | 1u << rng_range(24, 31);
	default:
		return rng_percent(50) ? MSG_CONN : EVENT_CONN;
	}
}

static uint64_t signal_input(void)
{
	uint64_t in = connection_id();

	if (rng_percent(10))
		in |= rng_range(1, 0xffff) << 32;
	if (rng_percent(10))
		in |= rng_range(1, 0xffff) << 48;
	return in;
}

static uint32_t message_type(void)
{
	switch (rng_below(20)) {
	case 0:
		return 0;
	case 1:
		return 0x80000000u | (uint32_t)rng_u64();
	case 2:
		return HV_MESSAGE_TIMER_EXPIRED;
	default:
		return (uint32_t)rng_range(1, 0x7fffffff);
	}
}

static void post_input(struct post_input *in)
{
	in->connection_id = connection_id();
	in->reserved = rng_percent(5) ? (uint32_t)rng_range(1, ~0u) : 0;
	in->type = message_type();
	in->payload_size = rng_percent(5) ? (uint32_t)rng_range(241, ~0u)
					  : (uint32_t)rng_below(241);
	messages_fill_payload(in->payload, in->payload_size, POST_MARKER_BSP);
}

/* ---- where the input lies ---- */

/* A page of the scratch region nothing else uses: what is written there is what is read. */
static uint64_t plain_page(void)
{
	unsigned int first = (unsigned int)rng_below(SCRATCH_PAGES);

	for (unsigned int i = 0; i < SCRATCH_PAGES; i++) {
		uint64_t gpa = scratch_gpa(first + i);

		if (!model_roles(gpa))
			return gpa;
	}
	return 0;
}

static uint64_t in_page_offset(unsigned int size)
{
	switch (rng_below(6)) {
	case 0:
		return rng_range(1, 7) + 8 * rng_below((PAGE - size) / 8);  /* misaligned */
	case 1:
		return PAGE - 8 * rng_range(1, size / 8);               /* crossing the page */
	default:
		return 8 * rng_below((PAGE - size) / 8 + 1);
	}
}

static void write_input(struct plan *p, uint64_t gpa, unsigned int size)
{
	uint8_t *dst = (uint8_t *)(uintptr_t)gpa;

	scratch_mark_dirty(gpa);
	for (unsigned int i = 0; i < size && (gpa & (PAGE - 1)) + i < PAGE; i++)
		dst[i] = p->buf[i];
	p->content = p->buf;
}

/* A page the hypervisor writes or maps (SynIC, overlay): its content is not known. */
static uint64_t busy_page(void)
{
	uint64_t pages[] = { hv.vp[BSP].simp, hv.vp[BSP].siefp, hv.vp[AP].simp, hv.vp[AP].siefp,
			     hv.hypercall, hv.ref_tsc };
	uint64_t msr = RNG_PICK(pages);

	return page_gpa(msr);
}

static void place_input(struct plan *p, unsigned int size)
{
	uint64_t page = plain_page(), offset = in_page_offset(size);

	p->content = NULL;
	switch (rng_below(10)) {
	case 0:
		p->c.param0 = outside_ram_gpa() + 8 * rng_below(PAGE / 8);
		return;
	case 1:
		p->c.param0 = busy_page() + offset;
		return;
	case 2:
		p->c.param0 = rng_value();
		return;
	}
	if (!page) {
		p->c.param0 = busy_page() + offset;
		return;
	}
	p->c.param0 = page + offset;
	write_input(p, p->c.param0, size);
}

/* ---- the operation ---- */

static void plan_call(struct plan *p)
{
	uint16_t code = pick_code();
	uint64_t signal = signal_input();

	p->c.input = input_value(code);
	p->c.param1 = rng_percent(80) ? scratch_random() : rng_value(); /* no call here has output */
	post_input((struct post_input *)p->buf);
	if (code == CALL_SIGNAL)
		__builtin_memcpy(p->buf, &signal, sizeof(signal));
	if (p->c.input & INPUT_FAST) {
		p->c.param0 = code == CALL_SIGNAL ? signal : rng_value();
		p->c.param1 = rng_value();
		p->content = NULL;
		return;
	}
	place_input(p, code == CALL_POST ? POST_SIZE : SIGNAL_SIZE);
}

static enum hcall_way pick_way(void)
{
	switch (rng_below(20)) {
	case 0:
		return VIA_WRONG_INSN;
	case 1:
	case 2:
	case 3:
	case 4:
		return VIA_INSN;
	default:
		return VIA_PAGE;
	}
}

static int expected_vector(enum hcall_way way)
{
	if (way == VIA_WRONG_INSN || !hv.guest_os_id)
		return X86_UD; /* TLFS 3.13, and no hypercalls before the guest OS id (hyperv.md 3.2) */
	return NO_EXCEPTION;
}

/* After a success: the post waits in a buffer, the event flag is set (TLFS 11.10). */
static void after_success(const struct plan *p)
{
	uint16_t code = (uint16_t)p->c.input;
	int flag;

	if (code == CALL_POST) {
		if (p->content)
			messages_posted();
		else
			messages_garbage_posted();
		return;
	}
	flag = messages_take_event_flag();
	if (flag == 0)
		mismatch("HvSignalEvent succeeded but flag %u of SINT %u on vp %u is clear",
			 EVENT_FLAG, EVENT_SINT, fz.event_vp);
}

static void check_call(const struct plan *p, enum hcall_way way)
{
	int want = expected_vector(way);
	uint32_t statuses;
	uint64_t result;

	if (p->c.vector != want) {
		mismatch("hypercall 0x%lx (0x%lx, 0x%lx) raised %s, expected %s", p->c.input,
			 p->c.param0, p->c.param1, exception_name(p->c.vector), exception_name(want));
		return;
	}
	if (want != NO_EXCEPTION)
		return;
	statuses = expect_status(p);
	/* a rep call's repetitions completed are in bits 43:32 */
	result = vp_set_call((uint16_t)p->c.input) ? p->c.result & 0xffff : p->c.result;
	if (result >= 32 || !(statuses & S(result)))
		mismatch("hypercall 0x%lx (0x%lx, 0x%lx) returned 0x%lx, expected one of mask 0x%x",
			 p->c.input, p->c.param0, p->c.param1, p->c.result, statuses);
	else if (p->c.result == ST_SUCCESS && !vp_set_call((uint16_t)p->c.input))
		after_success(p);
}

void op_hypercall(void)
{
	struct plan p;
	enum hcall_way way = pick_way();

	plan_call(&p);
	hcall(&p.c, way);
	check_call(&p, way);
}

/* Whether the module line declared MSG_CONN and EVENT_CONN: anything but INVALID_CONNECTION_ID. */
void hypercall_probe(void)
{
	struct plan p = { .c = { .input = CALL_SIGNAL | INPUT_FAST, .param0 = EVENT_CONN } };
	struct post_input *in = (struct post_input *)p.buf;

	hcall(&p.c, VIA_INSN);
	fz.event_conn = p.c.vector == NO_EXCEPTION && p.c.result != ST_CONNECTION_ID;
	*in = (struct post_input){ .connection_id = MSG_CONN, .type = 1 };
	p.c = (struct hcall){ .input = CALL_POST, .param0 = plain_page() };
	write_input(&p, p.c.param0, POST_SIZE);
	hcall(&p.c, VIA_INSN);
	fz.msg_conn = p.c.vector == NO_EXCEPTION && p.c.result != ST_CONNECTION_ID;
	if (p.c.result == ST_SUCCESS)
		messages_posted();
}

/* A well-formed post to MSG_CONN, checked: one more message in flight. */
void hypercall_post_one(void)
{
	struct plan p = { .c = { .input = CALL_POST } };
	struct post_input *in = (struct post_input *)p.buf;

	*in = (struct post_input){ .connection_id = MSG_CONN, .type = (uint32_t)rng_range(1, 0xffff),
				   .payload_size = (uint32_t)rng_range(8, 240) };
	messages_fill_payload(in->payload, in->payload_size, POST_MARKER_BSP);
	p.c.param0 = plain_page();
	if (!p.c.param0)
		return;
	write_input(&p, p.c.param0, POST_SIZE);
	hcall(&p.c, VIA_PAGE);
	check_call(&p, VIA_PAGE);
}
