/* The hypercall ABI: who may call, the registers, the input-value checks (TLFS chapter 3). */
#include "synic/hypercall.h"
#include "lib/x86.h"

bool hv_call_allowed(uint8_t cpl, uint64_t cr0, uint64_t guest_os_id)
{
	return cpl == 0 && (cr0 & CR0_PE) && guest_os_id;
}

static uint64_t pair(uint64_t hi, uint64_t lo) { return (hi << 32) | (uint32_t)lo; }

struct hv_call hv_call_read(const struct guest_regs *r, bool long_mode)
{
	if (long_mode)
		return (struct hv_call){ { r->rcx }, r->rdx, r->r8 };
	return (struct hv_call){ { pair(r->rdx, r->rax) }, pair(r->rbx, r->rcx),
				 pair(r->rdi, r->rsi) };
}

void hv_call_write_result(struct guest_regs *r, bool long_mode, uint64_t result)
{
	if (long_mode) {
		r->rax = result;
		return;
	}
	r->rax = (uint32_t)result;
	r->rdx = result >> 32;
}

#define EX HV_HINT_EX_PROCESSOR_MASKS

static const struct hv_call_desc calls[] = {
	{ HV_CALL_FLUSH_SPACE, sizeof(struct hv_flush_input), false, false, 0, 0,
	  HV_HINT_REMOTE_TLB_FLUSH },
	{ HV_CALL_FLUSH_LIST, sizeof(struct hv_flush_input), false, false, HV_FLUSH_REP_SIZE, 0,
	  HV_HINT_REMOTE_TLB_FLUSH },
	{ HV_CALL_SEND_IPI, sizeof(struct hv_send_ipi_input), true, false, 0, 0, HV_HINT_CLUSTER_IPI },
	{ HV_CALL_FLUSH_SPACE_EX, sizeof(struct hv_flush_ex_input), false, true, 0, 0,
	  HV_HINT_REMOTE_TLB_FLUSH | EX },
	{ HV_CALL_FLUSH_LIST_EX, sizeof(struct hv_flush_ex_input), false, true, HV_FLUSH_REP_SIZE, 0,
	  HV_HINT_REMOTE_TLB_FLUSH | EX },
	{ HV_CALL_SEND_IPI_EX, sizeof(struct hv_send_ipi_ex_input), false, true, 0, 0,
	  HV_HINT_CLUSTER_IPI | EX },
	{ HV_CALL_POST_MESSAGE, sizeof(struct hv_post_message_input), false, false, 0,
	  HV_PRIV_POST_MESSAGES, 0 },
	{ HV_CALL_SIGNAL_EVENT, sizeof(union hv_signal_event_input), true, false, 0,
	  HV_PRIV_SIGNAL_EVENTS, 0 },
};

const struct hv_call_desc *hv_call_find(uint16_t code)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(calls); i++)
		if (calls[i].code == code)
			return &calls[i];
	return NULL;
}

/* Bit 31 ("nested") is for a hypervisor that runs under Hyper-V: not this one. */
static bool reserved_bits_set(union hv_hypercall_input in)
{
	return in.reserved1 || in.nested || in.reserved2 || in.reserved3;
}

size_t hv_call_header_size(const struct hv_call_desc *d, union hv_hypercall_input in)
{
	return d->input_size + 8 * (size_t)in.var_header_size;
}

size_t hv_call_input_size(const struct hv_call_desc *d, union hv_hypercall_input in)
{
	return hv_call_header_size(d, in) + (size_t)d->rep_size * in.rep_count;
}

/* A rep call's repetitions: at least one, the start before the count; none for a simple call. */
static bool reps_ok(const struct hv_call_desc *d, union hv_hypercall_input in)
{
	return d->rep_size ? in.rep_count && in.rep_start < in.rep_count
			   : !in.rep_count && !in.rep_start;
}

/* A variable header where the call takes one, within the largest, and not in the fast form. */
static bool var_header_ok(const struct hv_call_desc *d, union hv_hypercall_input in)
{
	return !in.var_header_size ||
	       (d->var_header && !in.fast && in.var_header_size <= HV_CALL_VAR_HEADER_MAX);
}

enum hv_status hv_call_check(const struct hv_call_desc *d, union hv_hypercall_input in,
			     uint64_t input_gpa, uint32_t privileges, uint32_t hints)
{
	if (!d)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	if ((d->privilege & ~privileges) || (d->hint & ~hints))
		return HV_STATUS_ACCESS_DENIED;
	if (reserved_bits_set(in) || !var_header_ok(d, in) || !reps_ok(d, in))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (in.fast)
		return d->fast ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_HYPERCALL_INPUT;
	if ((input_gpa & 7) || (input_gpa & (PAGE_SIZE - 1)) + hv_call_input_size(d, in) > PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}

static unsigned int bits_set(uint64_t x)
{
	unsigned int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

bool hv_vp_set_low(uint64_t format, uint64_t valid_bank_mask, const uint64_t *banks,
		   unsigned int var_count, uint64_t *vps)
{
	if (format == HV_VP_SET_ALL) {
		*vps = ~0ULL;
		return true;
	}
	if (format != HV_VP_SET_SPARSE_4K ||
	    var_count != bits_set(valid_bank_mask))
		return false;
	*vps = valid_bank_mask & 1 ? banks[0] : 0;
	return true;
}
