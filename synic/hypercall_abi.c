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

static const struct hv_call_desc calls[] = {
	{ HV_CALL_POST_MESSAGE, sizeof(struct hv_post_message_input), false, HV_PRIV_POST_MESSAGES },
	{ HV_CALL_SIGNAL_EVENT, sizeof(union hv_signal_event_input), true, HV_PRIV_SIGNAL_EVENTS },
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

enum hv_status hv_call_check(const struct hv_call_desc *d, union hv_hypercall_input in,
			     uint64_t input_gpa, uint32_t privileges)
{
	if (!d)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	if (d->privilege & ~privileges)
		return HV_STATUS_ACCESS_DENIED;
	if (reserved_bits_set(in) || in.var_header_size || in.rep_count || in.rep_start)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (in.fast)
		return d->fast ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_HYPERCALL_INPUT;
	if ((input_gpa & 7) || (input_gpa & (PAGE_SIZE - 1)) + d->input_size > PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}
