/*
 * The Hyper-V state of partitions and vCPUs: creation, the SynIC's view of
 * guest memory and of the local APIC, and its share of the vCPU loop.
 */
#include "synic/hv.h"
#include "core/backend.h"
#include "mm/frames.h"
#include "host/percpu.h"
#include "core/guest_apic.h"
#include "console/log.h"
#include "lib/string.h"

#define RET 0xc3

/* Indexed by partition id and by the vCPU's physical CPU, which no other vCPU shares. */
static struct hv_partition hv_partitions[MAX_PARTITIONS];
static struct hv_vcpu hv_vcpus[MAX_CPUS];

void *hv_guest_page(const struct partition *p, uint64_t gpa)
{
	if ((gpa & (PAGE_SIZE - 1)) || gpa >= p->mem_size || p->mem_size - gpa < PAGE_SIZE)
		return NULL;
	return (uint8_t *)p->mem + gpa;
}

/* hv-*=off: never; hv-*=on: always; by default where it saves exits. */
static bool recommend(const struct partition *p, uint32_t feature, bool saves_exits)
{
	return !(p->config.hv_withheld & feature) &&
	       (saves_exits || (p->config.hv_forced & feature));
}

static const char *said(uint32_t hints, uint32_t hint)
{
	return hints & hint ? "recommended" : "not recommended";
}

/*
 * 0x40000004.EAX. With APICv or AVIC (kept with SynIC by the interrupt
 * policy, see hv_policy.c) the CPU delivers interrupts, but an auto-EOI
 * vector must be injected by the hypervisor (and held back by priority), so
 * auto-EOI is deprecated there; with the software APIC it saves the EOI
 * exit. The rest is recommended with the software APIC only, where each
 * saves exits (make bench, Linux part): the EOI/ICR/TPR MSRs for the VP
 * assist page's APIC assist (no EOI exit for most interrupts, hv_apic.c),
 * the IPI hypercalls (one exit for a multicast) and the remote TLB-flush
 * ones (one exit, no IPI to a halted vCPU), with the sparse VP sets of
 * their Ex forms. With APIC acceleration the CPU retires EOIs without exits
 * (the EOI MSR would add one), a posted IPI reaches a running vCPU without
 * one, and a flush hypercall must make each running target exit, which an
 * IPI under posted interrupts does not: native was cheaper on every
 * operation measured.
 */
static uint32_t decide_hints(const struct partition *p)
{
	bool accelerated = p->apic_accelerated && hv_policy_keeps_acceleration();
	uint32_t hints = accelerated ? HV_HINT_DEPRECATING_AUTO_EOI : 0;

	log_info("guest %s: Hyper-V: SynIC %s auto-EOI (%s)", p->name,
		 hints ? "deprecates" : "recommends",
		 hints ? "APIC acceleration delivers the other vectors without exits"
		       : "software APIC: it saves an EOI exit");
	if (recommend(p, GUEST_HV_APIC, !accelerated))
		hints |= HV_HINT_APIC_ACCESS;
	if (recommend(p, GUEST_HV_IPI, !accelerated))
		hints |= HV_HINT_CLUSTER_IPI;
	if (recommend(p, GUEST_HV_TLB_FLUSH, !accelerated))
		hints |= HV_HINT_REMOTE_TLB_FLUSH;
	if (hints & (HV_HINT_CLUSTER_IPI | HV_HINT_REMOTE_TLB_FLUSH))
		hints |= HV_HINT_EX_PROCESSOR_MASKS;
	log_info("guest %s: Hyper-V: the APIC MSRs (APIC assist) %s, the IPI hypercalls %s, "
		 "the TLB-flush hypercalls %s", p->name, said(hints, HV_HINT_APIC_ACCESS),
		 said(hints, HV_HINT_CLUSTER_IPI), said(hints, HV_HINT_REMOTE_TLB_FLUSH));
	return hints;
}

/*
 * The hypercall page: the backend's VMCALL or VMMCALL, then RET (TLFS,
 * "Establishing the Hypercall Interface"); then the reference time.
 */
bool hv_partition_init(struct partition *p, bool vmbus_host)
{
	paddr_t page = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
	uint8_t *code = page ? phys_to_virt(page) : NULL;

	if (!page)
		return false;
	memcpy(code, backend->hypercall_insn, sizeof(backend->hypercall_insn));
	code[sizeof(backend->hypercall_insn)] = RET;
	p->hv = &hv_partitions[p->id];
	*p->hv = (struct hv_partition){ .lock = SPINLOCK_INIT, .hypercall.page = page,
				       .hints = decide_hints(p), .vmbus_host = vmbus_host,
				       .privileges = p->config.no_send ? 0 : HV_PRIV_POST_MESSAGES |
									 HV_PRIV_SIGNAL_EVENTS };
	return hv_time_init(p);
}

static void *env_guest_page(void *ctx, uint64_t gpa)
{
	return hv_guest_page(((struct vcpu *)ctx)->partition, gpa);
}

/*
 * SINT interrupts are edge-triggered. Under AVIC, which has no EOI-exit
 * bitmap, they are accepted as level-triggered instead: AVIC does not
 * accelerate the EOI of a vector whose TMR bit is set, so that EOI traps
 * (AVIC_NOACCEL) and redelivers pending messages like the EOI-induced exit
 * of APICv does (APM vol. 2, 15.29, "EOI" under virtual APIC register accesses).
 */
static void env_raise(void *ctx, uint8_t vector, bool auto_eoi)
{
	struct vcpu *v = ctx;

	if (auto_eoi)
		vlapic_accept_auto_eoi(&v->apic, vector);
	else
		vlapic_accept_irq(&v->apic, vector, v->apic_accelerated && !backend->eoi_exit_bitmap);
}

static void env_kick(void *ctx) { vcpu_kick(ctx); }

static const struct synic_env synic_env = {
	.guest_page = env_guest_page,
	.raise = env_raise,
	.kick = env_kick,
};

static bool timer_deliver(void *ctx, unsigned int sint, const struct hv_message *msg)
{
	return synic_deliver_now(&((struct vcpu *)ctx)->hv->synic, sint, msg);
}

/* A direct-mode timer raises its own vector, edge-triggered (TLFS 12.3.3). */
static void timer_raise(void *ctx, uint8_t vector)
{
	vlapic_accept_irq(&((struct vcpu *)ctx)->apic, vector, false);
}

static const struct stimer_env stimer_env = {
	.deliver = timer_deliver,
	.raise = timer_raise,
};

/*
 * Room on each SINT for every buffer of the message connections that target
 * it, and for the VMBus host's replies, whose SINT the guest chooses.
 */
static unsigned int queue_size(const struct vcpu *v, unsigned int sint)
{
	const struct guest_config *cfg = &v->partition->config;
	unsigned int n = 0;

	for (unsigned int i = 0; i < cfg->nr_conns; i++)
		n += !cfg->conns[i].event && cfg->conns[i].vp == v->index && cfg->conns[i].sint == sint;
	return n * SYNIC_BUFFERS_PER_CONNECTION +
	       (v->partition->hv->vmbus_host ? VMBUS_REPLIES_QUEUED : 0);
}

static bool alloc_queues(struct vcpu *v)
{
	size_t total = 0, bytes;
	paddr_t pa;
	struct synic_queued *ring;

	for (unsigned int n = 0; n < HV_SINT_COUNT; n++)
		total += v->hv->queues[n].size = queue_size(v, n);
	bytes = total * sizeof(struct synic_queued);
	if (!bytes)
		return true;
	pa = frames_alloc_zeroed(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE, 1, FRAMES_NO_LIMIT);
	if (!pa)
		return false;
	ring = phys_to_virt(pa);
	for (unsigned int n = 0; n < HV_SINT_COUNT; n++) {
		v->hv->queues[n].ring = ring;
		ring += v->hv->queues[n].size;
	}
	return true;
}

bool hv_vcpu_init(struct vcpu *v)
{
	v->hv = &hv_vcpus[v->cpu->index];
	*v->hv = (struct hv_vcpu){ 0 };
	if (!alloc_queues(v))
		return false;
	synic_init(&v->hv->synic, v->hv->queues, &synic_env, v);
	stimers_init(&v->hv->stimers, &stimer_env, v);
	v->pending_events |= VCPU_PENDING_POLICY; /* apic-policy=none: off from the start */
	return true;
}

void hv_vcpu_before_entry(struct vcpu *v)
{
	synic_deliver_posted(&v->hv->synic);
	hv_vcpu_poll_timers(v);
}

/* An EOI acknowledges the SINTs on its vector: queued and timer messages go again. */
void hv_vcpu_eoi(struct vcpu *v, uint8_t vector)
{
	synic_eoi(&v->hv->synic, vector);
	hv_vcpu_sints_acked(v, synic_sints_of_vector(&v->hv->synic, vector));
}

const uint64_t *hv_vcpu_eoi_vectors(const struct vcpu *v)
{
	return v->hv->synic.vectors;
}

const struct enlightenment hv_enlightenment = {
	.before_entry = hv_vcpu_before_entry,
	.timer_deadline = hv_vcpu_timer_deadline,
	.tsc_moved = hv_vcpu_tsc_moved,
	.eoi = hv_vcpu_eoi,
	.eoi_vectors = hv_vcpu_eoi_vectors,
	.eoi_assist_offer = hv_apic_assist_offer,
	.eoi_assist_taken = hv_apic_assist_taken,
	.wants_apic_acceleration = hv_wants_apic_acceleration,
	.apic_msr_offset = hv_apic_msr_offset,
	.cpuid = hv_cpuid,
	.is_msr = hv_is_msr,
	.msr_read = hv_msr_read,
	.msr_write = hv_msr_write,
	.is_overlay = hv_is_overlay,
};
