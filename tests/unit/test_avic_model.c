/*
 * The hypervisor's AVIC code against a model of the CPU (tests/avic/): no
 * machine or emulator here has AVIC. Linked from the hypervisor: the tables
 * and their rules (svm/avic_table.c: entries, IsRunning, the doorbell
 * decision, the logical table, the incomplete-IPI decision, erratum 1235),
 * the #VMEXIT decode (svm/svm_exit.c) and the APIC model that handles what
 * the exits hand over (apic/). The glue below does what the rest of the
 * hypervisor does around them, each step naming the function it stands
 * for: svm_vcpu_run() sets IsRunning, enters, clears it; core's exit
 * dispatch sends an EXIT_APIC_WRITE to vlapic_apic_write_trap() and an
 * EXIT_APIC_IPI_WAKE to vlapic_wake_ipi_targets(); vcpu_kick() rings the
 * doorbell where avic_doorbell() says so, else sends the host IPI that
 * makes a vCPU exit or wakes it from HLT.
 *
 * Each scenario checks that every interrupt sent is taken once (none lost,
 * none twice) and the exits each operation costs: 0 for an IPI to a
 * running vCPU, as the manual has it. With --bench it prints, instead,
 * what the bench guest's operations (guest-tests/bench.c) cost in exits
 * under the model, as that guest's BENCH lines, for make bench's
 * "AVIC (model)" column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "apic/vlapic.h"
#include "svm/avic_table.h"
#include "synic/synic.h"
#include "svm/svm.h"
#include "tests/avic/avic_model.h"

#define NO_VCPU  AVIC_MODEL_NONE
#define PA(i)    (0x100000ull + 0x1000ull * (i)) /* the backing pages' host addresses */
#define FIXED(v) (0x4000u | (v))                 /* fixed, edge, assert, physical */
#define LOGICAL  (1u << 11)
#define DEST(d)  ((uint32_t)(d) << 24)

enum where { IN_GUEST, HALTED, DESCHEDULED };

struct hv_vcpu {
	struct vlapic apic;
	unsigned int host;       /* its physical CPU (host APIC ID) */
	enum where where;
	unsigned int exits;
	unsigned int host_ipis;  /* exits and wake-ups the host IPIs caused */
	bool nmi_pending;        /* VCPU_PENDING_NMI, taken at its next entry */
	bool accelerated;        /* v->apic_accelerated: AVIC on in its VMCB (xAPIC mode) */
	struct avic_model_exit deferred; /* an exit its CPU has not handled yet (code 0: none) */
	unsigned int nmis, eoi_hooks;
	struct synic synic;
	struct synic_queue queues[HV_SINT_COUNT];
};

static struct {
	struct avic_model m;
	uint64_t physical[512];
	uint32_t logical[AVIC_LOGICAL_ENTRIES];
	uint32_t pages[AVIC_MODEL_VCPUS][1024] __attribute__((aligned(4096)));
	struct hv_vcpu v[AVIC_MODEL_VCPUS];
	struct vlapic *members[AVIC_MODEL_VCPUS];
	struct vlapic_group group;
	unsigned int nr, pcpus;
	bool erratum;           /* the hypervisor's rule for erratum 1235 in force */
	int handling;           /* the vCPU whose exit the hypervisor is handling (its CPU), or NONE */
	unsigned int sent[AVIC_MODEL_VCPUS][256];
	uint8_t ram[AVIC_MODEL_VCPUS][0x3000]; /* each vCPU's SynIC pages at GPA 0x1000 and 0x2000 */
	struct synic_queued rings[AVIC_MODEL_VCPUS][HV_SINT_COUNT][2 * SYNIC_BUFFERS_PER_CONNECTION];
} w;

#define SIMP_GPA      0x1000ull
#define SIEFP_GPA     0x2000ull
#define SINT_AUTO_EOI (1ull << 17)

static struct hv_vcpu *hv_of(struct vlapic *a) { return a->owner; }
static unsigned int index_of(struct vlapic *a) { return (unsigned int)(hv_of(a) - w.v); }

static uint32_t *backing_page(void *ctx, uint64_t pa)
{
	(void)ctx;
	for (unsigned int i = 0; i < w.nr; i++)
		if (PA(i) == pa)
			return w.pages[i];
	return NULL;
}

/*
 * The vector guest_apic_before_entry() injects: an auto-EOI vector (never
 * through the IRR); without AVIC (x2APIC mode) also the highest pending
 * one, deliver_pending()'s; -1: none.
 */
static int vector_to_inject(struct hv_vcpu *v)
{
	int vector = vlapic_pending_auto_eoi(&v->apic);

	if (vector >= 0) {
		vlapic_ack_auto_eoi(&v->apic, (uint8_t)vector);
		return vector;
	}
	vector = v->accelerated ? -1 : vlapic_pending_vector(&v->apic);
	if (vector >= 0)
		vlapic_ack(&v->apic, (uint8_t)vector);
	return vector;
}

/*
 * guest_apic_before_entry(): pending events taken (an NMI), the SynIC's
 * waiting messages, a vector injected; then svm_vcpu_run(): IsRunning set
 * with AVIC on (not under erratum 1235), VMRUN.
 */
static void hv_enter(unsigned int i)
{
	struct hv_vcpu *v = &w.v[i];
	int vector;

	if (w.m.in_guest[v->host] != NO_VCPU || v->deferred.code)
		return;
	synic_deliver_posted(&v->synic);
	vector = vector_to_inject(v);
	v->nmis += v->nmi_pending;
	v->nmi_pending = false;
	if (v->accelerated && !w.erratum)
		avic_entry_set_running(&w.physical[i], true);
	v->where = IN_GUEST;
	if (vector >= 0)
		avic_model_vmrun_inject(&w.m, i, v->host, (uint8_t)vector);
	else
		avic_model_vmrun(&w.m, i, v->host);
}

/* #VMEXIT, then IsRunning cleared before anything looks at the IRR. */
static void hv_leave(unsigned int i, enum where now)
{
	avic_model_vmexit(&w.m, i);
	if (w.v[i].accelerated && !w.erratum)
		avic_entry_set_running(&w.physical[i], false);
	w.v[i].where = now;
}

/*
 * A host IPI to a vCPU's CPU (vcpu_kick() without a doorbell): the vCPU in
 * guest mode there exits for it and enters again; one halted there wakes if
 * its APIC has something for it (wake_condition()), and enters when the CPU
 * is free. A descheduled vCPU waits for its turn.
 */
static void host_ipi(unsigned int target)
{
	struct hv_vcpu *t = &w.v[target];
	int running = w.m.in_guest[t->host];

	t->host_ipis++;
	if (running != NO_VCPU) {
		hv_leave((unsigned int)running, IN_GUEST);
		hv_enter((unsigned int)running);
	}
	if (t->where == HALTED && (vlapic_pending_vector(&t->apic) >= 0 || t->nmi_pending ||
				   vlapic_pending_auto_eoi(&t->apic) >= 0))
		hv_enter(target);
}

/* vcpu_kick(): a host IPI, none for a vCPU whose exit its CPU is handling. */
static void kick(unsigned int target)
{
	if (w.handling != (int)target)
		host_ipi(target);
}

/*
 * Core's hook_kick(): a new IRR bit, the doorbell where avic_doorbell()
 * finds the target running and no auto-EOI vector waits, else vcpu_kick().
 */
static void hook_kick(struct vlapic *a)
{
	unsigned int target = index_of(a);
	int host_apic_id = avic_doorbell_target(&w.physical[target]);

	if (w.handling == (int)target)
		return;
	if (w.v[target].accelerated && host_apic_id >= 0 && vlapic_pending_auto_eoi(a) < 0)
		avic_model_doorbell(&w.m, (unsigned int)host_apic_id);
	else
		kick(target);
}

/* Core's hook_nmi(): vcpu_post_event(VCPU_PENDING_NMI), which kicks. */
static void hook_nmi(struct vlapic *a)
{
	hv_of(a)->nmi_pending = true;
	kick(index_of(a));
}
static void hook_init(struct vlapic *a) { (void)a; }
static void hook_sipi(struct vlapic *a, uint8_t v) { (void)a; (void)v; }
static uint64_t hook_now(void) { return 0; }
static void hook_timer(struct vlapic *a) { (void)a; }
/* Core's hook_eoi(): the enlightenment's EOI hook, synic_eoi() (the next message of the SINT). */
static void hook_eoi(struct vlapic *a, uint8_t v, bool level)
{
	(void)level;
	hv_of(a)->eoi_hooks++;
	synic_eoi(&hv_of(a)->synic, v);
}

static void *env_guest_page(void *ctx, uint64_t gpa)
{
	struct hv_vcpu *v = ctx;

	return gpa >= SIMP_GPA && gpa <= SIEFP_GPA ? &w.ram[v - w.v][gpa] : NULL;
}

/*
 * hv_vcpu.c's env_raise(): an auto-EOI vector apart; under AVIC (no EOI-exit
 * bitmap) the others level-triggered, so that their EOI traps.
 */
static void env_raise(void *ctx, uint8_t vector, bool auto_eoi)
{
	struct hv_vcpu *v = ctx;

	if (auto_eoi)
		vlapic_accept_auto_eoi(&v->apic, vector);
	else
		vlapic_accept_irq(&v->apic, vector, true);
}

static void env_kick(void *ctx) { kick((unsigned int)((struct hv_vcpu *)ctx - w.v)); }

static const struct synic_env synic_env = {
	.guest_page = env_guest_page, .raise = env_raise, .kick = env_kick,
};

static const struct vlapic_hooks hooks = {
	.kick = hook_kick, .deliver_init = hook_init, .deliver_sipi = hook_sipi,
	.deliver_nmi = hook_nmi, .now = hook_now, .timer_changed = hook_timer, .eoi = hook_eoi,
};

/* svm_decode_exit() on the model's #VMEXIT, then core's dispatch of what it decoded. */
static void hv_handle(unsigned int i, const struct avic_model_exit *x)
{
	struct vmcb vmcb = { .control = { .exit_code = x->code, .exit_info1 = x->info1,
					  .exit_info2 = x->info2 } };
	struct exit_event e = { 0 };

	w.v[i].exits++;
	hv_leave(i, DESCHEDULED);
	w.handling = (int)i;
	switch (svm_decode_exit(&vmcb, &e)) {
	case EXIT_APIC_WRITE:
		vlapic_apic_write_trap(&w.v[i].apic, e.apic_offset);
		break;
	case EXIT_APIC_IPI_WAKE:
		vlapic_wake_ipi_targets(&w.v[i].apic);
		break;
	case EXIT_NESTED_PAGE_FAULT:
		fail_msg("an AVIC fault the scenarios do not make");
		break;
	default:
		fail_msg("exit 0x%x decoded as %d", x->code, (int)e.reason);
	}
	w.handling = NO_VCPU;
	hv_enter(i);
}

/* What the hypervisor does when the LDR or DFR changes: avic_update_logical_table(). */
static void sync_logical_table(void)
{
	uint32_t ldr[AVIC_MODEL_VCPUS], dfr[AVIC_MODEL_VCPUS];

	for (unsigned int i = 0; i < w.nr; i++) {
		ldr[i] = vlapic_mmio_read(&w.v[i].apic, APIC_LDR);
		dfr[i] = vlapic_mmio_read(&w.v[i].apic, APIC_DFR);
	}
	avic_logical_table_fill(w.logical, w.nr, ldr, dfr);
}

/*
 * nr vCPUs on pcpus physical CPUs (vCPU i on CPU i % pcpus), each APIC
 * software-enabled with a flat logical ID of its own bit; the first vCPU
 * of each CPU in guest mode, the others descheduled.
 */
static void world(unsigned int nr, unsigned int pcpus, bool erratum)
{
	memset(&w, 0, sizeof(w));
	w.nr = nr;
	w.pcpus = pcpus;
	w.erratum = erratum;
	w.handling = NO_VCPU;
	w.group = (struct vlapic_group){ w.members, nr, &hooks, 1000000, 100000 };
	w.m = (struct avic_model){ .physical = w.physical, .max_index = nr - 1,
				   .logical = w.logical, .backing_page = backing_page };
	for (unsigned int c = 0; c < AVIC_MODEL_PCPUS; c++)
		w.m.in_guest[c] = NO_VCPU;
	for (unsigned int i = 0; i < nr; i++) {
		w.members[i] = &w.v[i].apic;
		w.v[i].host = i % pcpus;
		w.v[i].where = DESCHEDULED;
		w.v[i].accelerated = true;
		vlapic_init(&w.v[i].apic, &w.group, w.pages[i], i, i == 0, &w.v[i]);
		vlapic_mmio_write(&w.v[i].apic, APIC_SVR, APIC_SVR_ENABLE | 0xff);
		vlapic_mmio_write(&w.v[i].apic, APIC_LDR, 1u << (24 + i));
		w.physical[i] = avic_physical_entry(PA(i), (uint8_t)(i % pcpus), false);
		for (unsigned int s = 0; s < HV_SINT_COUNT; s++)
			w.v[i].queues[s] = (struct synic_queue){ .ring = w.rings[i][s],
								 .size = 2 * SYNIC_BUFFERS_PER_CONNECTION };
		synic_init(&w.v[i].synic, w.v[i].queues, &synic_env, &w.v[i]);
	}
	sync_logical_table();
	for (unsigned int i = 0; i < nr; i++)
		hv_enter(i);
}

static void halt(unsigned int i) { hv_leave(i, HALTED); }

/* The guest of vCPU i (in guest mode) writes its ICR; an exit goes to the hypervisor. */
static void send(unsigned int i, uint32_t lo, uint32_t hi)
{
	struct avic_model_exit x;

	assert_int_equal(w.v[i].where, IN_GUEST);
	x = avic_model_icr_write(&w.m, i, lo, hi);
	if (x.code)
		hv_handle(i, &x);
}

/* The guest of vCPU i retires its highest in-service vector. */
static void eoi(unsigned int i)
{
	struct avic_model_exit x = avic_model_eoi(&w.m, i);

	if (x.code)
		hv_handle(i, &x);
}

static unsigned int total_exits(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < w.nr; i++)
		n += w.v[i].exits;
	return n;
}

/* ---- the scenarios ---- */

static void test_ipi_to_running_vcpu_costs_no_exit(void **state)
{
	(void)state;
	world(2, 2, false);
	send(0, FIXED(0x40), DEST(1));
	assert_int_equal(w.m.taken[1][0x40], 1);
	assert_int_equal(total_exits(), 0);
	assert_int_equal(w.m.doorbells_taken, 1);
	eoi(1);
	assert_int_equal(avic_model_read(&w.m, 1, APIC_ISR + 0x20), 0);
	assert_int_equal(total_exits(), 0); /* an edge EOI is accelerated */
}

static void test_ipi_to_halted_vcpu_wakes_it(void **state)
{
	(void)state;
	world(2, 2, false);
	halt(1);
	send(0, FIXED(0x41), DEST(1));
	assert_int_equal(w.v[0].exits, 1); /* AVIC_INCOMPLETE_IPI, target not running */
	assert_int_equal(w.v[1].host_ipis, 1);
	assert_int_equal(w.v[1].where, IN_GUEST);
	assert_int_equal(w.m.taken[1][0x41], 1);
}

/*
 * The CPU has put the vector into the target's IRR when the sender exits;
 * the target runs and takes it before the hypervisor handles that exit.
 * Sending it again in software (what this hypervisor did before) delivers
 * it twice; waking the targets delivers it once.
 */
static void test_not_running_target_taken_before_the_exit_is_handled(void **state)
{
	struct avic_model_exit x;

	(void)state;
	world(2, 2, false);
	halt(1);
	x = avic_model_icr_write(&w.m, 0, FIXED(0x42), DEST(1));
	assert_int_equal(x.code, AVIC_MODEL_EXIT_INCOMPLETE_IPI);
	hv_enter(1);  /* woken by something else meanwhile */
	assert_int_equal(w.m.taken[1][0x42], 1);
	eoi(1);
	hv_handle(0, &x);
	assert_int_equal(w.m.taken[1][0x42], 1);
}

static void test_descheduled_vcpu_on_a_shared_cpu(void **state)
{
	(void)state;
	world(4, 2, false); /* vCPUs 0 and 2 share CPU 0; 0 runs */
	assert_int_equal(w.v[2].where, DESCHEDULED);
	send(1, FIXED(0x43), DEST(2));
	assert_int_equal(w.v[1].exits, 1);
	assert_int_equal(w.m.taken[2][0x43], 0); /* its turn has not come */
	hv_leave(0, DESCHEDULED);
	hv_enter(2);
	assert_int_equal(w.m.taken[2][0x43], 1);
	assert_int_equal(w.m.taken[0][0x43], 0);
}

/* Each with a vector of a higher class than the last: the ones before stay in service. */
static void test_broadcast_to_running_and_halted(void **state)
{
	(void)state;
	world(4, 4, false);
	halt(3);
	send(0, 0xc0000 | FIXED(0x44), 0); /* all but self */
	for (unsigned int i = 1; i < 4; i++)
		assert_int_equal(w.m.taken[i][0x44], 1);
	assert_int_equal(w.m.taken[0][0x44], 0);
	assert_int_equal(w.v[0].exits, 1); /* one target was not running */
	send(0, 0x80000 | FIXED(0x55), 0); /* all including self */
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(w.m.taken[i][0x55], 1);
	send(0, 0x40000 | FIXED(0x66), 0); /* self */
	assert_int_equal(w.m.taken[0][0x66], 1);
	send(1, FIXED(0x77), DEST(0xff)); /* physical broadcast */
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(w.m.taken[i][0x77], 1);
	assert_int_equal(w.v[0].exits + w.v[1].exits, 1);
}

static void test_logical_flat_and_cluster(void **state)
{
	(void)state;
	world(4, 4, false);
	send(0, LOGICAL | FIXED(0x50), DEST(0x6)); /* flat: vCPUs 1 and 2 */
	assert_int_equal(w.m.taken[1][0x50] + w.m.taken[2][0x50], 2);
	assert_int_equal(w.m.taken[3][0x50], 0);
	for (unsigned int i = 0; i < 4; i++) { /* cluster 2, bits 0-3 */
		vlapic_mmio_write(&w.v[i].apic, APIC_DFR, 0x0fffffff);
		vlapic_mmio_write(&w.v[i].apic, APIC_LDR, (0x20u | 1u << i) << 24);
	}
	sync_logical_table();
	send(0, LOGICAL | FIXED(0x51), DEST(0x29)); /* cluster 2: vCPUs 0 and 3 */
	assert_int_equal(w.m.taken[0][0x51] + w.m.taken[3][0x51], 2);
	assert_int_equal(w.m.taken[1][0x51] + w.m.taken[2][0x51], 0);
	assert_int_equal(total_exits(), 0);
}

/* No such target: the exit, the hypervisor's APIC finds none either, nothing is delivered. */
static void test_invalid_target(void **state)
{
	(void)state;
	world(2, 2, false);
	send(0, FIXED(0x52), DEST(7));
	send(0, LOGICAL | FIXED(0x53), DEST(0x80)); /* a logical ID nobody has */
	assert_int_equal(w.v[0].exits, 2);
	for (unsigned int v = 0x52; v <= 0x53; v++)
		assert_int_equal(w.m.taken[0][v] + w.m.taken[1][v], 0);
}

/* What AVIC does not deliver (NMI, lowest priority, level) the hypervisor delivers itself. */
static void test_other_types_delivered_in_software(void **state)
{
	(void)state;
	world(2, 2, false);
	send(0, 0x4400, DEST(1)); /* NMI */
	assert_int_equal(w.v[1].nmis, 1);
	send(0, 0x4100 | 0x54, DEST(1)); /* lowest priority */
	assert_int_equal(w.m.taken[1][0x54], 1);
	assert_int_equal(w.v[0].exits, 2);
	assert_int_equal(w.v[1].exits, 0); /* the running target was rung, not made to exit */
}

/* A level-triggered vector (TMR set): its EOI traps, the hypervisor retires it and tells. */
static void test_level_eoi_traps(void **state)
{
	(void)state;
	world(2, 2, false);
	vlapic_accept_irq(&w.v[1].apic, 0x60, true); /* e.g. the I/O APIC, from vCPU 0's CPU */
	assert_int_equal(w.m.taken[1][0x60], 1);
	assert_int_equal(total_exits(), 0);
	assert_int_equal(w.v[1].host_ipis, 0); /* the doorbell, not a host IPI */
	eoi(1);
	assert_int_equal(w.v[1].exits, 1);
	assert_int_equal(w.v[1].eoi_hooks, 1);
	assert_int_equal(vlapic_highest_isr(&w.v[1].apic), -1);
	vlapic_accept_irq(&w.v[1].apic, 0x61, false);
	eoi(1);
	assert_int_equal(w.v[1].exits, 1); /* the edge one's EOI did not exit */
}

static void test_tpr_masks_until_lowered(void **state)
{
	(void)state;
	world(2, 2, false);
	avic_model_tpr_write(&w.m, 1, 0x50);
	send(0, FIXED(0x45), DEST(1));
	assert_int_equal(w.m.taken[1][0x45], 0);
	assert_int_equal(avic_model_read(&w.m, 1, APIC_PPR), 0x50);
	avic_model_tpr_write(&w.m, 1, 0);
	assert_int_equal(w.m.taken[1][0x45], 1);
	assert_int_equal(total_exits(), 0);
}

/* The guest of vCPU i enables its SynIC and sets SINT sint to val. */
static void synic_on(unsigned int i, unsigned int sint, uint64_t val)
{
	struct synic *s = &w.v[i].synic;

	assert_true(synic_msr_write(s, HV_MSR_SCONTROL, 1));
	assert_true(synic_msr_write(s, HV_MSR_SIMP, SIMP_GPA | 1));
	assert_true(synic_msr_write(s, HV_MSR_SIEFP, SIEFP_GPA | 1));
	assert_true(synic_msr_write(s, HV_MSR_SINT0 + sint, val));
}

static void post(unsigned int to, unsigned int sint, uint32_t type)
{
	struct hv_message msg = { .type = type, .payload_size = 8 };
	static uint32_t buffers[HV_SINT_COUNT];

	assert_int_equal(synic_post_message(&w.v[to].synic, sint, &msg, &buffers[sint]),
			 HV_STATUS_SUCCESS);
}

static uint32_t slot_type(unsigned int i, unsigned int sint)
{
	return ((struct hv_message *)&w.ram[i][SIMP_GPA])[sint].type;
}

/*
 * HvPostMessage from vCPU 0 to vCPU 1's SINT 2 twice: the first message
 * interrupts at once (its vector level-triggered, TMR set, rung by the
 * doorbell), the second waits for the slot; the guest frees the slot and
 * EOIs, which traps (AVIC_NOACCEL), and the hypervisor's EOI hook puts the
 * second message in and interrupts again. An auto-EOI SINT's vector is
 * injected at an entry a host IPI forces (the doorbell would not deliver
 * it: it is not in the IRR), never in the IRR or ISR.
 */
static void test_synic_messages_to_another_vcpu(void **state)
{
	unsigned int host_ipis;

	(void)state;
	world(2, 2, false);
	synic_on(1, 2, 0x52);
	synic_on(1, 3, 0x63 | SINT_AUTO_EOI); /* a class above 0x52's, which stays in service */
	post(1, 2, 1);
	post(1, 2, 2);
	assert_int_equal(w.m.taken[1][0x52], 1);
	assert_int_equal(slot_type(1, 2), 1);
	assert_int_equal(total_exits(), 0);
	((struct hv_message *)&w.ram[1][SIMP_GPA])[2].type = 0; /* the guest took it */
	eoi(1);
	assert_int_equal(w.v[1].exits, 1);
	assert_int_equal(slot_type(1, 2), 2);
	assert_int_equal(w.m.taken[1][0x52], 2);
	host_ipis = w.v[1].host_ipis;
	post(1, 3, 3);
	assert_int_equal(w.m.taken[1][0x63], 1);
	assert_int_equal(w.v[1].host_ipis, host_ipis + 1);
	assert_int_equal(avic_model_read(&w.m, 1, APIC_IRR + 0x30) & (1u << (0x63 - 0x60)), 0);
	assert_int_equal(vlapic_highest_isr(&w.v[1].apic), 0x52); /* the second, not yet retired */
}

/*
 * guest_apic_set_base() to x2APIC mode, then avic_mode_changed(): AVIC off
 * in the vCPU's VMCB (x2APIC needs x2AVIC), software delivery for it.
 */
static void to_x2apic(unsigned int i)
{
	struct hv_vcpu *v = &w.v[i];

	hv_leave(i, DESCHEDULED);
	assert_true(vlapic_set_base(&v->apic, vlapic_get_base(&v->apic) | (1u << 10)));
	v->accelerated = vlapic_xapic_enabled(&v->apic);
	w.m.avic_off[i] = !v->accelerated;
	hv_enter(i);
}

/* A WRMSR of an x2APIC register by vCPU i's guest: an exit, vlapic_msr_write(). */
static void x2apic_write(unsigned int i, uint32_t msr, uint64_t val)
{
	w.v[i].exits++;
	hv_leave(i, DESCHEDULED);
	w.handling = (int)i;
	assert_true(vlapic_msr_write(&w.v[i].apic, msr, val));
	w.handling = NO_VCPU;
	hv_enter(i);
}

/*
 * A vCPU in x2APIC mode: AVIC senders find it not running and exit, the
 * hypervisor wakes it and injects; its own IPIs (WRMSR exits) reach AVIC
 * vCPUs by their IRR and the doorbell; its EOI is a WRMSR.
 */
static void test_x2apic_vcpu_beside_avic_vcpus(void **state)
{
	(void)state;
	world(3, 3, false);
	to_x2apic(2);
	assert_int_equal(w.physical[2] & AVIC_PHYS_IS_RUNNING, 0);
	send(0, FIXED(0x80), DEST(2));
	assert_int_equal(w.m.taken[2][0x80], 1);
	assert_int_equal(w.v[0].exits, 1);
	x2apic_write(2, 0x80b, 0); /* EOI */
	assert_int_equal(vlapic_highest_isr(&w.v[2].apic), -1);
	x2apic_write(2, 0x830, (uint64_t)1 << 32 | FIXED(0x81)); /* to vCPU 1 */
	assert_int_equal(w.m.taken[1][0x81], 1);
	assert_int_equal(w.v[1].exits + w.v[1].host_ipis, 0);
	x2apic_write(2, 0x830, 0xc0000 | FIXED(0x90)); /* all but self */
	assert_int_equal(w.m.taken[0][0x90] + w.m.taken[1][0x90], 2);
	assert_int_equal(w.m.taken[2][0x90], 0);
}

/* Under erratum 1235 IsRunning stays clear: every IPI exits and its targets are woken. */
static void test_erratum_1235_every_ipi_through_the_exit(void **state)
{
	(void)state;
	world(3, 3, true);
	send(0, FIXED(0x70), DEST(1));
	halt(2);
	send(0, FIXED(0x71), DEST(2));
	assert_int_equal(w.m.taken[1][0x70], 1);
	assert_int_equal(w.m.taken[2][0x71], 1);
	assert_int_equal(w.v[0].exits, 2);
	assert_int_equal(w.m.doorbells_taken, 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(w.physical[i] & AVIC_PHYS_IS_RUNNING, 0);
}

static void test_erratum_1235_rule(void **state)
{
	(void)state;
	assert_true(avic_erratum_1235("AuthenticAMD", 0x00800f12));   /* 17h (Zen 1) */
	assert_true(avic_erratum_1235("AuthenticAMD", 0x00830f10));   /* 17h (Zen 2) */
	assert_true(avic_erratum_1235("HygonGenuine", 0x00900f02));   /* 18h */
	assert_false(avic_erratum_1235("AuthenticAMD", 0x00a00f11));  /* 19h (Zen 3) */
	assert_false(avic_erratum_1235("AuthenticAMD", 0x00600f12));  /* 15h */
	assert_false(avic_erratum_1235("HygonGenuine", 0x00800f12));  /* 17h is not Hygon's */
	assert_false(avic_erratum_1235("GenuineIntel", 0x00800f12));
}

/* A fixed IPI by the guest's own means: the ICR page write with AVIC, the x2APIC MSR without. */
static void guest_ipi(unsigned int from, unsigned int to, uint8_t vector)
{
	if (w.v[from].accelerated)
		send(from, FIXED(vector), DEST(to));
	else
		x2apic_write(from, 0x830, (uint64_t)to << 32 | FIXED(vector));
}

static void guest_eoi(unsigned int i)
{
	if (w.v[i].accelerated)
		eoi(i);
	else if (vlapic_highest_isr(&w.v[i].apic) >= 0)
		x2apic_write(i, 0x80b, 0);
}

/*
 * An IPI whose exit its CPU handles later: meanwhile the others run (and a
 * target may take the vector the CPU already put into its IRR).
 */
static void guest_ipi_handled_later(unsigned int from, unsigned int to, uint8_t vector)
{
	struct avic_model_exit x = avic_model_icr_write(&w.m, from, FIXED(vector), DEST(to));

	if (x.code) {
		hv_leave(from, DESCHEDULED);
		w.v[from].deferred = x;
	}
}

static void handle_deferred(unsigned int i)
{
	struct avic_model_exit x = w.v[i].deferred;

	if (x.code) {
		w.v[i].deferred.code = 0;
		hv_handle(i, &x);
	}
}

/*
 * Random IPIs among 2 to 8 vCPUs on 2 to 4 CPUs (some halted, some
 * descheduled, the CPU switched between its vCPUs; in some rounds the last
 * vCPU in x2APIC mode, in some erratum 1235's rule; some exits handled
 * only after other vCPUs ran), each with a vector of its own; at the
 * end every vCPU runs and retires what it took: each vector sent was
 * taken exactly once by each of its targets.
 */
static void test_random_ipis_none_lost_none_twice(void **state)
{
	(void)state;
	srand(24);
	for (unsigned int round = 0; round < 40; round++) {
		unsigned int vector = 0x20;

		world(2 + round % 7, 2 + round % 3, round % 5 == 4);
		if (round % 4 == 3)
			to_x2apic(w.nr - 1);
		while (vector <= 0xff) {
			unsigned int from = (unsigned int)rand() % w.nr, to = (unsigned int)rand() % w.nr;
			unsigned int op = (unsigned int)rand() % 10;

			if (op == 3) {
				handle_deferred(to);
			} else if (op == 4 && w.v[from].accelerated && w.v[from].where == IN_GUEST) {
				w.sent[to][vector]++;
				guest_ipi_handled_later(from, to, (uint8_t)vector++);
			} else if (op == 0 && w.v[to].where == IN_GUEST && to != from) {
				halt(to);
			} else if (op == 1 && w.v[to].where != IN_GUEST) {
				int running = w.m.in_guest[w.v[to].host];

				if (running != NO_VCPU)
					hv_leave((unsigned int)running, DESCHEDULED);
				hv_enter(to);
			} else if (op == 2 && w.v[to].where == IN_GUEST) {
				guest_eoi(to);
			} else if (w.v[from].where == IN_GUEST) {
				w.sent[to][vector]++;
				guest_ipi(from, to, (uint8_t)vector);
				vector++;
			}
		}
		for (unsigned int i = 0; i < w.nr; i++)
			handle_deferred(i);
		for (unsigned int pass = 0; pass < 300; pass++) { /* drain: every vCPU runs, EOIs */
			unsigned int i = pass % w.nr;
			int running = w.m.in_guest[w.v[i].host];

			if (running != NO_VCPU && running != (int)i)
				hv_leave((unsigned int)running, DESCHEDULED);
			hv_enter(i);
			guest_eoi(i);
		}
		for (unsigned int i = 0; i < w.nr; i++)
			for (unsigned int v = 0x20; v <= 0xff; v++)
				if (w.m.taken[i][v] != w.sent[i][v])
					fail_msg("round %u: vCPU %u vector 0x%x sent %u, taken %u", round,
						 i, v, w.sent[i][v], w.m.taken[i][v]);
	}
}

/* ---- make bench's column: the bench guest's operations, under the model ---- */

static void bench_line(const char *op, unsigned int exits, int target_exits)
{
	printf("BENCH %s exits=%u.00 ticks=0", op, exits);
	if (target_exits >= 0)
		printf(" iterations=1 target_exits=%d.00", target_exits);
	printf("\n");
}

/* HvPostMessage from vCPU 0: the hypercall's exit (the model has no hypercalls), the post. */
static void hypercall_post(unsigned int to, unsigned int sint, uint32_t type)
{
	w.v[0].exits++;
	hv_leave(0, DESCHEDULED);
	w.handling = 0;
	post(to, sint, type);
	w.handling = NO_VCPU;
	hv_enter(0);
}

static void bench_synic(void)
{
	world(2, 2, false);
	synic_on(0, 2, 0x52);
	synic_on(1, 2, 0x52);
	synic_on(1, 3, 0x63 | SINT_AUTO_EOI);
	hypercall_post(1, 2, 1);
	((struct hv_message *)&w.ram[1][SIMP_GPA])[2].type = 0;
	eoi(1);
	bench_line("message-other-running", w.v[0].exits, (int)w.v[1].exits + (int)w.v[1].host_ipis);
	world(2, 2, false);
	synic_on(1, 3, 0x63 | SINT_AUTO_EOI);
	hypercall_post(1, 3, 1);
	bench_line("message-other-running-auto-eoi", w.v[0].exits,
		   (int)w.v[1].exits + (int)w.v[1].host_ipis);
	world(2, 2, false);
	synic_on(0, 2, 0x52);
	hypercall_post(0, 2, 1);
	((struct hv_message *)&w.ram[0][SIMP_GPA])[2].type = 0;
	w.v[0].exits = 0;
	eoi(0);
	bench_line("eoi-sint", w.v[0].exits, -1);
}

/* The target's exits count those a host IPI makes it take (an exit too, on a real CPU). */
static void bench(void)
{
	world(2, 2, false);
	send(0, 0x40000 | FIXED(0x40), 0);
	eoi(0);
	bench_line("self-ipi-eoi", w.v[0].exits, -1);
	send(0, 0x40000 | FIXED(0x41), 0);
	w.v[0].exits = 0;
	eoi(0);
	bench_line("eoi-ordinary", w.v[0].exits, -1);
	world(2, 2, false);
	send(0, FIXED(0x42), DEST(1));
	eoi(1);
	bench_line("ipi-other-running", w.v[0].exits, (int)w.v[1].exits + (int)w.v[1].host_ipis);
	world(2, 2, false);
	halt(1);
	send(0, FIXED(0x43), DEST(1));
	eoi(1);
	bench_line("ipi-other-halted", w.v[0].exits, (int)w.v[1].exits);
	bench_synic();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipi_to_running_vcpu_costs_no_exit),
		cmocka_unit_test(test_ipi_to_halted_vcpu_wakes_it),
		cmocka_unit_test(test_not_running_target_taken_before_the_exit_is_handled),
		cmocka_unit_test(test_descheduled_vcpu_on_a_shared_cpu),
		cmocka_unit_test(test_broadcast_to_running_and_halted),
		cmocka_unit_test(test_logical_flat_and_cluster),
		cmocka_unit_test(test_invalid_target),
		cmocka_unit_test(test_other_types_delivered_in_software),
		cmocka_unit_test(test_level_eoi_traps),
		cmocka_unit_test(test_tpr_masks_until_lowered),
		cmocka_unit_test(test_synic_messages_to_another_vcpu),
		cmocka_unit_test(test_x2apic_vcpu_beside_avic_vcpus),
		cmocka_unit_test(test_erratum_1235_every_ipi_through_the_exit),
		cmocka_unit_test(test_erratum_1235_rule),
		cmocka_unit_test(test_random_ipis_none_lost_none_twice),
	};

	if (argc > 1 && !strcmp(argv[1], "--bench")) {
		bench();
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
