/* The input-value checks every hypercall shares (TLFS 3.7, "Hypercall Inputs"). */
#include "synic/hypercall.h"

static const struct hv_call_desc calls[] = {
	{ HV_CALL_POST_MESSAGE, sizeof(struct hv_post_message_input), false },
	{ HV_CALL_SIGNAL_EVENT, sizeof(union hv_signal_event_input), true },
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
			     uint64_t input_gpa)
{
	if (!d)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	if (reserved_bits_set(in) || in.var_header_size || in.rep_count || in.rep_start)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (in.fast)
		return d->fast ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_HYPERCALL_INPUT;
	if ((input_gpa & 7) || (input_gpa & (PAGE_SIZE - 1)) + d->input_size > PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}
