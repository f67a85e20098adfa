/*
 * The hypercall exit: who may call, where the input value and parameters
 * are (64-bit: RCX, RDX, R8; 32-bit: EDX:EAX, EBX:ECX, EDI:ESI), the shared
 * checks, the call, and the result in RAX (or EDX:EAX). TLFS chapter 3.
 */
#include "synic/hv.h"
#include "core/backend.h"
#include "core/guest_mem.h"
#include "core/string.h"
#include "synic/connection.h"
#include "synic/hypercall.h"

#define VECTOR_UD 6

struct hv_call {
	union hv_hypercall_input input;
	uint64_t param0; /* the input GPA, or the fast call's first 8 bytes */
	uint64_t param1; /* the output GPA, or the next 8 bytes */
};

static bool long_mode(const struct vcpu_control_regs *c)
{
	return (c->efer & EFER_LMA) && c->cs_long;
}

static uint64_t pair(uint64_t hi, uint64_t lo) { return (hi << 32) | (uint32_t)lo; }

static struct hv_call read_call(const struct vcpu *v, const struct vcpu_control_regs *c)
{
	const struct guest_regs *r = &v->regs;

	if (long_mode(c))
		return (struct hv_call){ { r->rcx }, r->rdx, r->r8 };
	return (struct hv_call){ { pair(r->rdx, r->rax) }, pair(r->rbx, r->rcx),
				 pair(r->rdi, r->rsi) };
}

static void write_result(struct vcpu *v, const struct vcpu_control_regs *c, uint64_t result)
{
	if (long_mode(c)) {
		v->regs.rax = result;
		return;
	}
	v->regs.rax = (uint32_t)result;
	v->regs.rdx = result >> 32;
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
	enum hv_status status = hv_call_check(d, call->input, call->param0);
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

/*
 * Only CPL 0 in protected or long mode may call, and only once the guest
 * has said who it is (GUEST_OS_ID): else VMCALL/VMMCALL is the #UD it is
 * without a hypervisor interface.
 */
void hv_hypercall(struct vcpu *v, const struct exit_event *e)
{
	struct vcpu_control_regs c;
	struct hv_call call;

	backend->vcpu_read_control(v, &c);
	if (c.cpl || !(c.cr0 & CR0_PE) ||
	    !__atomic_load_n(&v->partition->hv.guest_os_id, __ATOMIC_RELAXED)) {
		backend->vcpu_inject_exception(v, VECTOR_UD, false, 0);
		return;
	}
	call = read_call(v, &c);
	write_result(v, &c, run_call(v, &call)); /* simple calls: no reps completed */
	backend->vcpu_skip_instruction(v, e);
}
