/*
 * libFuzzer target for the hypercall ABI (synic/hypercall_abi.c): the input
 * is the caller's state, read in this order: u8 (bits 0-1 CPL, bit 2 long
 * mode, bit 3 CR0.PE, bit 4 GUEST_OS_ID set, bits 5-6 privileges: none,
 * PostMessage, SignalEvent, both), u32 more privilege bits (its bits 2, 10
 * and 11 also the recommendations the flush and IPI calls need), then RAX,
 * RBX, RCX, RDX, RSI, RDI and R8 (u64 each).
 * Beyond no sanitizer report: only CPL 0 with CR0.PE and a guest OS id may
 * call; the call is read from the registers of its mode (32-bit: only their
 * low halves count); a call checked SUCCESS is a known one the caller has
 * the privilege and recommendation for, with no reserved bits, a variable
 * header only for a call that takes one (in memory), repetitions only for a
 * rep call (at least one, the start before the count), in the fast form
 * only where the call allows it (its input fitting the 16 bytes of RDX and
 * R8), else with an 8-byte aligned input GPA whose whole input lies within
 * one page and whose header fits the copy; ACCESS_DENIED comes exactly when
 * a known call lacks its privilege or recommendation; the result lands in
 * RAX (or EDX:EAX) and nowhere else.
 */
#include <string.h>

#include "synic/hypercall.h"
#include "tests/fuzz/fuzz.h"

#define CR0_PE_BIT       1ULL
#define INPUT_RSVD_MASK  0xf000f000f8000000ULL /* 63:60, 47:44, 31:27 */
#define INPUT_VAR_HDR    0x0000000007fe0000ULL /* 26:17 */
#define INPUT_REPS       0x0fff0fff00000000ULL /* 59:48 rep start, 43:32 rep count */
#define ALL_HINTS        (HV_HINT_REMOTE_TLB_FLUSH | HV_HINT_CLUSTER_IPI | HV_HINT_EX_PROCESSOR_MASKS)

static const uint32_t privilege_sets[] = {
	0, HV_PRIV_POST_MESSAGES, HV_PRIV_SIGNAL_EVENTS,
	HV_PRIV_POST_MESSAGES | HV_PRIV_SIGNAL_EVENTS,
};

static const enum hv_status statuses[] = {
	HV_STATUS_SUCCESS, HV_STATUS_INVALID_HYPERCALL_CODE, HV_STATUS_INVALID_HYPERCALL_INPUT,
	HV_STATUS_INVALID_ALIGNMENT, HV_STATUS_ACCESS_DENIED,
};

struct caller {
	uint8_t cpl;
	bool long_mode;
	uint64_t cr0, guest_os_id;
	uint32_t privileges;
	uint32_t hints;
	struct guest_regs regs;
};

static void read_caller(struct fuzz_input *in, struct caller *c)
{
	uint8_t flags = fuzz_u8(in);
	uint32_t more = fuzz_u32(in);

	c->cpl = flags & 3;
	c->long_mode = flags & 4;
	c->cr0 = 0x80000010 | (flags & 8 ? CR0_PE_BIT : 0);
	c->guest_os_id = flags & 0x10 ? 0x8100000000000001ULL : 0;
	c->privileges = privilege_sets[(flags >> 5) & 3] | (more & ~privilege_sets[3]);
	c->hints = more & ALL_HINTS;
	c->regs = (struct guest_regs){ .rax = fuzz_u64(in), .rbx = fuzz_u64(in),
				       .rcx = fuzz_u64(in), .rdx = fuzz_u64(in),
				       .rsi = fuzz_u64(in), .rdi = fuzz_u64(in),
				       .r8 = fuzz_u64(in) };
}

static uint64_t pair(uint64_t hi, uint64_t lo) { return hi << 32 | (uint32_t)lo; }

/* The registers of the mode, and in 32-bit mode only the low halves. */
static void check_read(const struct caller *c, const struct hv_call *call)
{
	const struct guest_regs *r = &c->regs;
	uint64_t words[sizeof(*r) / sizeof(uint64_t)];
	struct guest_regs flipped;
	struct hv_call again;

	if (c->long_mode) {
		CHECK(call->input.raw == r->rcx && call->param0 == r->rdx && call->param1 == r->r8);
		return;
	}
	CHECK(call->input.raw == pair(r->rdx, r->rax) && call->param0 == pair(r->rbx, r->rcx) &&
	      call->param1 == pair(r->rdi, r->rsi));
	memcpy(words, r, sizeof(words));
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		words[i] ^= 0xffffffff00000000ULL;
	memcpy(&flipped, words, sizeof(flipped));
	again = hv_call_read(&flipped, false);
	CHECK(!memcmp(&again, call, sizeof(again)));
}

static bool known_status(enum hv_status st)
{
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++)
		if (statuses[i] == st)
			return true;
	return false;
}

static void check_success(const struct hv_call_desc *d, const struct hv_call *call)
{
	union hv_hypercall_input in = call->input;
	uint64_t gpa = call->param0;

	CHECK(!(in.raw & INPUT_RSVD_MASK));
	CHECK(!in.var_header_size || (d->var_header && !in.fast));
	CHECK(d->rep_size ? in.rep_count && in.rep_start < in.rep_count
			  : !(in.raw & INPUT_REPS));
	if (in.fast) {
		CHECK(d->fast && d->input_size <= 2 * sizeof(uint64_t));
		return;
	}
	CHECK(gpa % 8 == 0 && hv_call_header_size(d, in) <= HV_CALL_INPUT_MAX);
	CHECK(gpa % PAGE_SIZE + hv_call_input_size(d, in) <= PAGE_SIZE);
}

static void check_checked(const struct caller *c, const struct hv_call *call)
{
	const struct hv_call_desc *d = hv_call_find(call->input.code);
	enum hv_status st = hv_call_check(d, call->input, call->param0, c->privileges, c->hints);

	CHECK(known_status(st));
	CHECK(!d || d->code == call->input.code);
	CHECK((st == HV_STATUS_INVALID_HYPERCALL_CODE) == !d);
	if (!d)
		return;
	CHECK((st == HV_STATUS_ACCESS_DENIED) ==
	      !!((d->privilege & ~c->privileges) || (d->hint & ~c->hints)));
	if (st == HV_STATUS_SUCCESS)
		check_success(d, call);
}

/* The result goes to RAX (or EDX:EAX), every other register stays. */
static void check_result(const struct caller *c, uint64_t result)
{
	struct guest_regs r = c->regs, expect = c->regs;

	hv_call_write_result(&r, c->long_mode, result);
	if (c->long_mode) {
		expect.rax = result;
	} else {
		expect.rax = (uint32_t)result;
		expect.rdx = result >> 32;
	}
	CHECK(!memcmp(&r, &expect, sizeof(r)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct hv_call call;
	struct caller c;
	bool allowed;

	read_caller(&in, &c);
	allowed = hv_call_allowed(c.cpl, c.cr0, c.guest_os_id);
	CHECK(allowed == (c.cpl == 0 && (c.cr0 & CR0_PE_BIT) && c.guest_os_id));
	call = hv_call_read(&c.regs, c.long_mode);
	check_read(&c, &call);
	check_checked(&c, &call);
	check_result(&c, call.param1);
	return 0;
}
