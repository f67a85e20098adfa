/*
 * The hypercall exit: the ABI of hypercall_abi.c around the guest's
 * registers and memory, and the calls themselves (TLFS chapter 3): the
 * TLB-flush and IPI calls here, the message and event calls in connection.c.
 */
#include "synic/hv.h"
#include "lib/x86.h"
#include "core/backend.h"
#include "core/guest_apic.h"
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
	if (!gpa_read(v->partition, call->param0, buf, hv_call_header_size(d, call->input)))
		return HV_STATUS_INVALID_ALIGNMENT; /* not RAM (TLFS 3.7) */
	return HV_STATUS_SUCCESS;
}

/*
 * HvCallSendSyntheticClusterIpi(Ex) (TLFS 10.5.2-10.5.3): a fixed,
 * edge-triggered interrupt to each VP of the set, as an IPI with a physical
 * destination sends it (a software-disabled APIC drops it); VPs the
 * partition does not have are ignored. One exit for a multicast, where the
 * ICR takes one per destination.
 */
static enum hv_status send_ipi(struct partition *p, uint32_t vector, uint64_t vps)
{
	if (vector < HV_IPI_LOW_VECTOR || vector > 0xff)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		if (vps & BIT(i))
			vlapic_accept_irq(&p->vcpus[i]->apic, (uint8_t)vector, false);
	return HV_STATUS_SUCCESS;
}

static enum hv_status send_ipi_ex(struct partition *p, const uint8_t *input, unsigned int banks)
{
	const struct hv_send_ipi_ex_input *in = (const void *)input;
	uint64_t vps;

	if (!hv_vp_set_low(in->format, in->valid_bank_mask,
			   (const uint64_t *)(input + sizeof(*in)), banks, &vps))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	return send_ipi(p, in->vector, vps);
}

/*
 * HvCallFlushVirtualAddressSpace, ...List and their Ex forms (TLFS
 * 7.8.7.1-7.8.7.4): every guest-linear translation of each VP of the set is
 * dropped, whatever address space, flags or ranges the call names (more is
 * always correct); a VP outside the guest flushes at its next entry, with
 * no IPI, one in it exits first (core/guest_apic.c). A List call completes
 * all its repetitions.
 */
static enum hv_status flush(struct vcpu *v, const struct hv_call_desc *d,
			    const struct hv_call *call, const uint8_t *input)
{
	const struct hv_flush_input *f = (const void *)input;
	const struct hv_flush_ex_input *x = (const void *)input;
	uint64_t vps = f->processor_mask;

	if (d->var_header && !hv_vp_set_low(x->format, x->valid_bank_mask,
					    (const uint64_t *)(input + sizeof(*x)),
					    call->input.var_header_size, &vps))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (f->flags & HV_FLUSH_ALL_PROCESSORS)
		vps = ~0ULL;
	vcpu_flush_guest_tlbs(v->partition, vps, v);
	return HV_STATUS_SUCCESS;
}

static enum hv_status run_call(struct vcpu *v, const struct hv_call *call)
{
	const struct hv_call_desc *d = hv_call_find(call->input.code);
	const struct hv_partition *hv = v->partition->hv;
	enum hv_status status = hv_call_check(d, call->input, call->param0, hv->privileges,
					      hv->hints);
	uint8_t input[HV_CALL_INPUT_MAX] __aligned(8);
	const struct hv_send_ipi_input *ipi = (const void *)input;

	if (status == HV_STATUS_SUCCESS)
		status = fetch_input(v, d, call, input);
	if (status != HV_STATUS_SUCCESS)
		return status;
	switch (d->code) {
	case HV_CALL_FLUSH_SPACE:
	case HV_CALL_FLUSH_LIST:
	case HV_CALL_FLUSH_SPACE_EX:
	case HV_CALL_FLUSH_LIST_EX:
		return flush(v, d, call, input);
	case HV_CALL_SEND_IPI:
		return send_ipi(v->partition, ipi->vector, ipi->cpu_mask);
	case HV_CALL_SEND_IPI_EX:
		return send_ipi_ex(v->partition, input, call->input.var_header_size);
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
	enum hv_status status;
	struct hv_call call;
	uint64_t reps;

	backend->vcpu_read_control(v, &c);
	if (!hv_call_allowed(c.cpl, c.cr0,
			     __atomic_load_n(&v->partition->hv->guest_os_id, __ATOMIC_RELAXED))) {
		backend->vcpu_inject_exception(v, VECTOR_UD, false, 0);
		return;
	}
	call = hv_call_read(&v->regs, long_mode(&c));
	status = run_call(v, &call);
	reps = status == HV_STATUS_SUCCESS ? call.input.rep_count : 0; /* all, or none */
	hv_call_write_result(&v->regs, long_mode(&c), status | (uint64_t)reps << 32);
	backend->vcpu_skip_instruction(v, e);
}
