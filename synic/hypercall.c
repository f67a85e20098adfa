/*
 * The hypercall exit: the ABI of hypercall_abi.c around the guest's
 * registers and memory, and the calls themselves (TLFS chapter 3).
 */
#include "synic/hv.h"
#include "lib/x86.h"
#include "core/backend.h"
#include "core/guest_mem.h"
#include "lib/string.h"
#include "synic/connection.h"
#include "synic/hypercall.h"

static bool long_mode(const struct vcpu_control_regs *c)
{
	return (c->efer & EFER_LMA) && c->cs_long;
}

/* The input, copied once: the guest cannot change it under the call. */
static enum hv_status fetch_input(struct vcpu *v, const struct hv_call_desc *d,
				  const struct hv_call *call, uint8_t *buf)
{
	uint64_t fast[2] = { call->param0, call->param1 };

	if (call->input.fast) {
		memcpy(buf, fast, MIN(sizeof(fast), (size_t)d->input_size));
		return HV_STATUS_SUCCESS;
	}
	if (!gpa_read(v->partition, call->param0, buf, d->input_size))
		return HV_STATUS_INVALID_ALIGNMENT; /* not RAM (TLFS 3.7) */
	return HV_STATUS_SUCCESS;
}

static enum hv_status run_call(struct vcpu *v, const struct hv_call *call)
{
	const struct hv_call_desc *d = hv_call_find(call->input.code);
	enum hv_status status = hv_call_check(d, call->input, call->param0,
					      v->partition->hv->privileges);
	uint8_t input[HV_CALL_INPUT_MAX] __aligned(8);

	if (status == HV_STATUS_SUCCESS)
		status = fetch_input(v, d, call, input);
	if (status != HV_STATUS_SUCCESS)
		return status;
	switch (d->code) {
	case HV_CALL_POST_MESSAGE:
		return hv_post_message(v->partition, (const void *)input);
	case HV_CALL_SIGNAL_EVENT:
		return hv_signal_event(v->partition, (const void *)input);
	}
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

void hv_hypercall(struct vcpu *v, const struct exit_event *e)
{
	struct vcpu_control_regs c;
	struct hv_call call;

	backend->vcpu_read_control(v, &c);
	if (!hv_call_allowed(c.cpl, c.cr0,
			     __atomic_load_n(&v->partition->hv->guest_os_id, __ATOMIC_RELAXED))) {
		backend->vcpu_inject_exception(v, VECTOR_UD, false, 0);
		return;
	}
	call = hv_call_read(&v->regs, long_mode(&c));
	hv_call_write_result(&v->regs, long_mode(&c), run_call(v, &call)); /* no reps completed */
	backend->vcpu_skip_instruction(v, e);
}
