/* Virtual local APICs in the exit path: the model's hooks and software delivery. */
#include "core/guest_apic.h"
#include "core/backend.h"
#include "core/crash.h"
#include "lib/fmt.h"
#include "mm/frames.h"
#include "core/guest_mem.h"
#include "core/vcpu.h"
#include "host/lapic.h"
#include "console/log.h"
#include "core/device_model.h"
#include "core/enlightenment.h"
#include "host/percpu.h"
#include "host/tsc.h"
#include "core/vcpu_events.h"
#include "lib/x86.h"
#include "core/sched.h"
#include "core/vcpu_run.h"

#define XAPIC_PAGE 0xfffUL
#define MIN_GUEST_RUN_US 10

const struct enlightenment *enlightenment;

static struct vcpu *apic_vcpu(struct vlapic *a) { return a->owner; }

void vcpu_kick(struct vcpu *v)
{
	if (v->cpu != this_cpu())
		lapic_send_fixed(v->cpu->apic_id, WAKEUP_VECTOR);
}

void vcpu_post_event(struct vcpu *v, uint32_t event)
{
	__atomic_fetch_or(&v->pending_events, event, __ATOMIC_RELEASE);
	vcpu_kick(v);
}

/*
 * The vCPU left the guest or took the flush. A host interrupt makes any vCPU
 * exit at once; should one not (an emulator's SVM holds it while the guest's
 * IF is clear), the wait ends after FLUSH_WAIT_US with a word on the console,
 * the flush still done at that vCPU's next entry: no CPU of the hypervisor
 * spins on a guest for ever.
 */
#define FLUSH_WAIT_US 100000

static void wait_for_flush(struct vcpu *t)
{
	uint64_t end = tsc_deadline_us(FLUSH_WAIT_US);

	while (__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST) &&
	       (__atomic_load_n(&t->pending_events, __ATOMIC_SEQ_CST) & VCPU_PENDING_FLUSH)) {
		if (tsc_expired(end)) {
			log_info("guest %s vcpu %u: a remote TLB flush found it still in the guest after "
				 "%u ms", t->partition->name, t->index, FLUSH_WAIT_US / 1000);
			return;
		}
		cpu_relax();
	}
}

/*
 * A Dekker pair with guest_apic_flush_before_entry(): the poster sets the
 * flush then reads in_guest, the vCPU sets in_guest then reads the flush;
 * one of them sees the other's write. A vCPU in the guest gets the host
 * wake-up vector, which exits (a posted-interrupt doorbell would not).
 */
void vcpu_flush_guest_tlbs(struct partition *p, uint64_t vps, struct vcpu *self)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *t = p->vcpus[i];

		if (!(vps & BIT(i)))
			continue;
		__atomic_fetch_or(&t->pending_events, VCPU_PENDING_FLUSH, __ATOMIC_SEQ_CST);
		if (t != self && __atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST))
			lapic_send_fixed(t->cpu->apic_id, WAKEUP_VECTOR);
	}
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		if ((vps & BIT(i)) && p->vcpus[i] != self)
			wait_for_flush(p->vcpus[i]);
}

void guest_apic_flush_before_entry(struct vcpu *v)
{
	__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
	if (__atomic_fetch_and(&v->pending_events, ~(uint32_t)VCPU_PENDING_FLUSH, __ATOMIC_SEQ_CST) &
	    VCPU_PENDING_FLUSH)
		backend->vcpu_flush_nested(v);
}

/* INIT and SIPI in their order (core/vcpu_events.h) */
static void post_init_sipi(struct vcpu *v, bool init, uint8_t vector)
{
	uint32_t old = __atomic_load_n(&v->pending_events, __ATOMIC_RELAXED), new;

	do {
		new = init ? vcpu_events_with_init(old) : vcpu_events_with_sipi(old, vector);
	} while (new != old && !__atomic_compare_exchange_n(&v->pending_events, &old, new, false,
							     __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	vcpu_kick(v);
}

/*
 * A new IRR bit: AVIC's doorbell makes a running vCPU take it in the guest
 * (APM vol. 2, 15.29.2.2), but it evaluates nothing else: an auto-EOI
 * vector, injected at entry, needs the exit a host IPI makes.
 */
static void hook_kick(struct vlapic *target)
{
	struct vcpu *v = apic_vcpu(target);

	if (v->cpu == this_cpu() || (v->apic_accelerated && vlapic_pending_auto_eoi(target) < 0 &&
				     backend->vcpu_doorbell(v)))
		return;
	vcpu_kick(v);
}

static void hook_init(struct vlapic *target) { post_init_sipi(apic_vcpu(target), true, 0); }
static void hook_nmi(struct vlapic *target) { vcpu_post_event(apic_vcpu(target), VCPU_PENDING_NMI); }
static void hook_eoi(struct vlapic *a, uint8_t vector, bool level)
{
	enlightenment->eoi(apic_vcpu(a), vector);
	if (level)
		device_model->level_eoi(apic_vcpu(a)->partition, vector);
}
static uint64_t hook_now(void) { return rdtsc(); }

static void hook_sipi(struct vlapic *target, uint8_t vector)
{
	post_init_sipi(apic_vcpu(target), false, vector);
}

static bool hook_post(struct vlapic *target, uint8_t vector)
{
	struct vcpu *v = apic_vcpu(target);

	return v->apic_accelerated && backend->vcpu_post_interrupt(v, vector);
}

/* The timer is re-armed before every entry; nothing to do when it changes. */
static void hook_timer_changed(struct vlapic *a) { (void)a; }

static const struct vlapic_hooks apic_hooks = {
	.kick = hook_kick,
	.deliver_init = hook_init,
	.deliver_sipi = hook_sipi,
	.deliver_nmi = hook_nmi,
	.now = hook_now,
	.timer_changed = hook_timer_changed,
	.post = hook_post,
	.eoi = hook_eoi,
};

void guest_apic_init_partition(struct partition *p)
{
	p->apic_group = (struct vlapic_group){
		.members = p->apics,
		.count = p->config.cpus,
		.hooks = &apic_hooks,
		.tsc_khz = tsc_khz(),
		.timer_khz = tsc_khz(), /* the modelled APIC timer counts at the TSC rate */
	};
}

bool guest_apic_init_vcpu(struct vcpu *v)
{
	paddr_t page = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);

	if (!page)
		return false;
	vlapic_init(&v->apic, &v->partition->apic_group, phys_to_virt(page), v->index,
		    v->index == 0, v);
	v->partition->apics[v->index] = &v->apic;
	return true;
}

/*
 * A vCPU parked in HLT with interrupts off still takes INIT and NMI (SDM
 * vol. 2, HLT: an NMI or INIT resumes execution, whatever IF says).
 */
bool guest_apic_vcpu_wants_cpu(const struct vcpu *v)
{
	uint32_t ev = __atomic_load_n(&v->pending_events, __ATOMIC_ACQUIRE);

	return v->state == VCPU_RUNNING ||
	       (v->state == VCPU_WAIT_FOR_SIPI && (ev & VCPU_PENDING_SIPI)) ||
	       (v->state == VCPU_PARKED && (ev & (VCPU_PENDING_INIT | VCPU_PENDING_NMI)));
}

static void run_call(struct vcpu *v)
{
	v->call_fn(v, v->call_arg);
	__atomic_store_n(&v->call_done, true, __ATOMIC_RELEASE);
}

void vcpu_take_call(struct vcpu *v)
{
	if (__atomic_fetch_and(&v->pending_events, ~(uint32_t)VCPU_PENDING_CALL, __ATOMIC_ACQUIRE) &
	    VCPU_PENDING_CALL)
		run_call(v);
}

/*
 * Runs fn on v's CPU while v is out of the guest, and waits for it (at most
 * timeout_us): the way the debug shell reads state a running vCPU owns.
 */
bool vcpu_call(struct vcpu *v, void (*fn)(struct vcpu *v, void *arg), void *arg,
	       uint64_t timeout_us)
{
	uint64_t end = tsc_deadline_us(timeout_us);

	if (v->cpu == this_cpu()) {
		fn(v, arg);
		return true;
	}
	v->call_fn = fn;
	v->call_arg = arg;
	__atomic_store_n(&v->call_done, false, __ATOMIC_RELEASE);
	vcpu_post_event(v, VCPU_PENDING_CALL);
	while (!__atomic_load_n(&v->call_done, __ATOMIC_ACQUIRE) && !tsc_expired(end))
		cpu_relax();
	return v->call_done;
}

/* The interrupt policy's answer for v, where the CPU accelerates at all. */
static void apply_policy(struct vcpu *v)
{
	bool want = v->partition->apic_accelerated && enlightenment->wants_apic_acceleration(v);

	if (want == v->apic_accelerated)
		return;
	if (backend->vcpu_set_apic_accelerated(v, want))
		log_info("guest %s vcpu %u: APIC acceleration %s (interrupt policy)",
			 v->partition->name, v->index, want ? "on" : "off");
}

/* A flush first, then a call, the policy, INIT, SIPI (only while waiting for one, SDM 9.4.4), NMI. */
static void take_events(struct vcpu *v)
{
	uint32_t ev = __atomic_exchange_n(&v->pending_events, 0, __ATOMIC_ACQUIRE);
	bool nmi = vcpu_events_nmi_taken(v->state, ev);

	if (ev & VCPU_PENDING_FLUSH)
		backend->vcpu_flush_nested(v);
	if (ev & VCPU_PENDING_POLICY)
		apply_policy(v);
	if (ev & VCPU_PENDING_CALL)
		run_call(v);
	if (ev & VCPU_PENDING_INIT) {
		vlapic_reset(&v->apic);
		v->state = VCPU_WAIT_FOR_SIPI;
		v->nmi_pending = false;
	}
	if ((ev & VCPU_PENDING_SIPI) && v->state == VCPU_WAIT_FOR_SIPI) {
		backend->vcpu_start_at_sipi(v, vcpu_events_sipi_vector(ev));
		if (debugger)
			debugger->vcpu_started(v);
		v->state = VCPU_RUNNING;
	}
	if (nmi) {
		v->state = VCPU_RUNNING; /* a parked vCPU's HLT ends */
		v->nmi_pending = true;
	}
}

static void set_nmi_window(struct vcpu *v, bool on)
{
	if (v->nmi_window_requested == on)
		return;
	backend->vcpu_request_nmi_window(v, on);
	v->nmi_window_requested = on;
}

/*
 * An NMI waits while the guest's NMI handler runs (SDM 6.7.1: NMIs are
 * blocked until the next IRET) or another event is queued; those that come
 * meanwhile merge into it (an NMI is an edge: one is held, not a count).
 */
static void deliver_nmi(struct vcpu *v)
{
	if (!v->nmi_pending) {
		set_nmi_window(v, false);
		return;
	}
	if (!backend->vcpu_nmi_allowed(v)) {
		set_nmi_window(v, true);
		return;
	}
	backend->vcpu_inject_nmi(v);
	v->nmi_pending = false;
	set_nmi_window(v, false);
}

static void set_interrupt_window(struct vcpu *v, bool on)
{
	if (v->window_requested == on)
		return;
	backend->vcpu_request_interrupt_window(v, on);
	v->window_requested = on;
}

static void expire_timer(struct vlapic *a)
{
	uint64_t deadline = vlapic_timer_deadline(a);

	if (deadline && rdtsc() >= deadline)
		vlapic_timer_expired(a);
}

/*
 * APIC assist (TLFS, "Virtual Processor Assist Page"), with the software
 * APIC: the guest may retire the vector in service without an EOI write
 * when that vector is all the APIC holds (vlapic_lone_edge_in_service) and
 * its EOI is not one the enlightenment must see (a SynIC vector's EOI
 * delivers the next message). The offer is withdrawn at every exit, the EOI
 * skipped done then, before anything reads the APIC; and it is made again
 * at every entry while that holds (as KVM's PV EOI does): an exit in the
 * interrupt handler before its EOI (Linux's timer handler programs the next
 * expiry first) leaves the EOI to skip. The guest's next EOI can only be
 * that vector's: nothing else is in service or comes without an exit.
 */
static void offer_eoi_assist(struct vcpu *v)
{
	int vector = vlapic_highest_isr(&v->apic);
	const uint64_t *seen;

	if (vector < 0)
		return; /* the common case at entry: nothing in service */
	seen = enlightenment->eoi_vectors(v);
	if (!(seen[vector / 64] & BIT(vector % 64)) &&
	    vlapic_lone_edge_in_service(&v->apic, (uint8_t)vector))
		v->eoi_assisted = enlightenment->eoi_assist_offer(v);
}

void guest_apic_after_exit(struct vcpu *v)
{
	if (!v->eoi_assisted)
		return;
	v->eoi_assisted = false;
	if (enlightenment->eoi_assist_taken(v))
		vlapic_eoi(&v->apic);
}

/*
 * Injects vector, an auto-EOI one (SynIC) if auto_eoi, when the guest can
 * take it, else asks for an exit when it can (SDM vol. 3, 11.8.4: acknowledge
 * at delivery). An auto-EOI vector leaves no ISR bit and so no EOI exit to
 * come back on: the next one waiting is taken at the next interrupt window.
 */
static void inject_vector(struct vcpu *v, int vector, bool auto_eoi)
{
	if (vector < 0) {
		set_interrupt_window(v, false);
		return;
	}
	if (!backend->vcpu_interrupt_allowed(v)) {
		set_interrupt_window(v, true);
		return;
	}
	backend->vcpu_inject_interrupt(v, (uint8_t)vector);
	if (auto_eoi)
		vlapic_ack_auto_eoi(&v->apic, (uint8_t)vector);
	else
		vlapic_ack(&v->apic, (uint8_t)vector);
	set_interrupt_window(v, vlapic_pending_auto_eoi(&v->apic) >= 0);
}

/* Without acceleration: the highest deliverable vector, auto-EOI or from the IRR. */
static void deliver_pending(struct vcpu *v)
{
	int auto_eoi = vlapic_pending_auto_eoi(&v->apic);

	if (auto_eoi >= 0)
		inject_vector(v, auto_eoi, true);
	else
		inject_vector(v, vlapic_pending_vector(&v->apic), false);
}

/*
 * An auto-EOI vector that the PPR or a higher IRR vector holds back becomes
 * deliverable when the guest retires what blocks it: the EOIs of every vector
 * of its class and above then exit. (One held back by the TPR alone waits
 * for the next exit: APICv virtualizes TPR writes without one.)
 */
static void add_auto_eoi_blockers(struct vcpu *v, uint64_t want[4])
{
	int vector = vlapic_highest_auto_eoi(&v->apic);

	if (vector < 0 || vlapic_pending_auto_eoi(&v->apic) >= 0)
		return;
	for (unsigned int i = (unsigned int)vector & 0xf0; i < 256; i++)
		want[i / 64] |= BIT(i % 64);
}

/*
 * The EOI-exit bitmap, the one place that says which EOIs the hypervisor must
 * see under APICv: level-triggered vectors (TMR), the SynIC's vectors (their
 * EOI redelivers messages) and what blocks a waiting auto-EOI vector.
 */
static void sync_eoi_exit_bitmap(struct vcpu *v)
{
	const uint64_t *synic = enlightenment->eoi_vectors(v);
	uint64_t want[4];
	bool changed = false;

	vlapic_tmr(&v->apic, want);
	add_auto_eoi_blockers(v, want);
	for (unsigned int i = 0; i < 4; i++) {
		want[i] |= synic[i];
		changed |= want[i] != v->eoi_exit_bitmap[i];
		v->eoi_exit_bitmap[i] = want[i];
	}
	if (changed)
		backend->vcpu_set_eoi_exit_bitmap(v, want);
}

/*
 * The CPU delivers the IRR (RVI) and retires the ISR (SVI); auto-EOI vectors
 * are injected around it, never through it: its delivery would set the ISR.
 */
static void update_accelerated(struct vcpu *v)
{
	int irr;

	backend->vcpu_sync_posted(v);
	irr = vlapic_highest_irr(&v->apic);
	backend->vcpu_apic_update(v, irr, vlapic_highest_isr(&v->apic));
	inject_vector(v, vlapic_pending_auto_eoi(&v->apic), true);
	sync_eoi_exit_bitmap(v);
}

void guest_apic_eoi_induced(struct vcpu *v, const struct exit_event *e)
{
	vlapic_eoi_induced(&v->apic, e->eoi_vector);
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a || (b && b < a) ? b : a;
}

/*
 * The host timer of the vCPU's CPU serves its APIC timer, its synthetic
 * timers, and on the first CPU the console poll.
 */
static uint64_t host_deadline(struct vcpu *v)
{
	return earlier(earlier(vlapic_timer_deadline(&v->apic), enlightenment->timer_deadline(v)),
		       host_poll->deadline());
}

/*
 * The guest runs at least MIN_GUEST_RUN_US before a timer takes it out
 * again: a guest timer due at every entry (a periodic one of 100 ns) had
 * the host timer fire as the vCPU entered, and the guest never ran another
 * instruction, not even the one to stop the timer. A timer may be late,
 * never early (TLFS 12.3.1, SDM 11.5.4).
 */
static void arm_host_timer(struct vcpu *v)
{
	uint64_t deadline = host_deadline(v), soonest = tsc_deadline_us(MIN_GUEST_RUN_US);

	lapic_timer_arm(deadline && deadline < soonest ? soonest : deadline);
}

void guest_apic_before_entry(struct vcpu *v)
{
	if (v->pending_events)
		take_events(v);
	if (v->state != VCPU_RUNNING)
		return;
	deliver_nmi(v);
	expire_timer(&v->apic);
	if (v->apic_accelerated) {
		update_accelerated(v);
	} else {
		deliver_pending(v);
		offer_eoi_assist(v);
	}
	arm_host_timer(v);
}

/*
 * A remote TLB flush does not wake a halted vCPU: it is done at the entry
 * that something else wakes it for (guest_apic_flush_before_entry()).
 */
static bool wake_condition(struct vcpu *v)
{
	if (v->apic_accelerated)
		backend->vcpu_sync_posted(v);
	expire_timer(&v->apic);
	enlightenment->before_entry(v);
	return (v->pending_events & ~(uint32_t)VCPU_PENDING_FLUSH) || v->state != VCPU_RUNNING ||
	       vlapic_pending_vector(&v->apic) >= 0 || vlapic_pending_auto_eoi(&v->apic) >= 0;
}

/* A deadline already past is served by looking again, not by a host timer armed to fire at once. */
void guest_apic_wait_for_interrupt(struct vcpu *v)
{
	while (!wake_condition(v)) {
		uint64_t deadline = host_deadline(v);

		host_poll->poll_if_due();
		if (deadline && rdtsc() >= deadline)
			continue;
		lapic_timer_arm(deadline);
		asm volatile("sti; hlt; cli" ::: "memory");
	}
}

bool guest_apic_set_base(struct vcpu *v, uint64_t val)
{
	uint64_t old = vlapic_get_base(&v->apic);

	if (!vlapic_set_base(&v->apic, val))
		return false;
	if (v->partition->apic_accelerated && old != vlapic_get_base(&v->apic))
		backend->vcpu_apic_mode_changed(v);
	return true;
}

void guest_apic_write_trap(struct vcpu *v, const struct exit_event *e)
{
	vlapic_apic_write_trap(&v->apic, e->apic_offset);
}

void guest_apic_wake_ipi_targets(struct vcpu *v)
{
	vlapic_wake_ipi_targets(&v->apic);
}

bool guest_apic_is_mmio(const struct vcpu *v, uint64_t gpa)
{
	return vlapic_xapic_enabled(&v->apic) &&
	       (gpa & ~XAPIC_PAGE) == (vlapic_get_base(&v->apic) & ~XAPIC_PAGE);
}

void guest_apic_tsc_deadline_write(struct vcpu *v, uint64_t val)
{
	vlapic_tsc_deadline_write(&v->apic, val, guest_tsc_to_host(v, val));
}

void guest_apic_tsc_moved(struct vcpu *v)
{
	guest_apic_tsc_deadline_write(v, vlapic_tsc_deadline_read(&v->apic));
}
