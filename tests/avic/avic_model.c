/*
 * The AVIC model (avic_model.h), from AMD APM vol. 2, 15.29. The rules it
 * follows, with the manual's sections:
 *
 * - Tables (15.29.3): the physical APIC ID table is indexed by guest
 *   physical APIC ID; an entry holds the host physical APIC ID (7:0), the
 *   backing page's address (51:12), IsRunning (62) and Valid (63); indexes
 *   above the VMCB's maximum are not in the table. The logical table has a
 *   4-byte entry per logical ID: guest physical APIC ID (7:0), Valid (31);
 *   flat mode (DFR 0xffffffff) indexes it by the bit number of the
 *   destination's bit, cluster mode by cluster * 4 + bit.
 * - ICR writes (15.29.5): the write lands in the backing page. A fixed,
 *   edge-triggered interrupt is delivered by the CPU: for each target its
 *   vector is set in the target's backing-page IRR, and a target whose
 *   IsRunning is set gets a doorbell to its host APIC ID (the sender itself
 *   takes it at once). Any other type exits with AVIC_INCOMPLETE_IPI, cause
 *   0; a destination with no valid entry exits with cause 2; an entry
 *   whose backing page is not there, cause 3; targets whose IsRunning is
 *   clear have their IRR set and then the sender exits with cause 1 and
 *   the index of such a target. EXITINFO1 is ICRH:ICRL, EXITINFO2 the cause
 *   in 63:32 and the index in 7:0. Model's choice: every destination is
 *   checked before any IRR is set, so an invalid one delivers nothing.
 * - Destinations: shorthand self, all including self, all excluding self
 *   (all valid entries of the physical table); physical ID 0xff is a
 *   broadcast; logical IDs by the sender's DFR, cluster 0xf a broadcast.
 * - EOI (15.29.4.3): of an edge-triggered vector (TMR clear) the CPU clears
 *   the highest ISR bit itself; of a level-triggered one it writes the
 *   register and exits with AVIC_NOACCEL (a trap: EXITINFO1 the offset
 *   0xb0 with bit 32 set for a write), leaving the ISR to the hypervisor.
 * - TPR writes are accelerated; PPR is TPR or the highest ISR vector's
 *   class, whichever is higher (SDM vol. 3, 11.8.3.1).
 * - A vCPU whose VMCB has AVIC disabled (15.29.1) is left alone by the
 *   CPU: its interrupts are the hypervisor's EVENTINJ; its table entry
 *   still names it to senders, whose IPIs see its IsRunning.
 * - Delivery (15.29.2.2): in guest mode, at VMRUN, after a doorbell and
 *   after a change of TPR or ISR, the CPU takes the highest IRR vector
 *   whose class is above the PPR's: IRR bit to ISR, the guest's handler
 *   runs (the model counts it in `taken`). A doorbell to a CPU with no
 *   vCPU in guest mode does nothing.
 */
#include "tests/avic/avic_model.h"

#define REG(off)       ((off) >> 2)
#define APIC_TPR       0x080
#define APIC_PPR       0x0a0
#define APIC_EOI       0x0b0
#define APIC_DFR       0x0e0
#define APIC_ISR       0x100
#define APIC_TMR       0x180
#define APIC_IRR       0x200
#define APIC_ICR_LO    0x300
#define APIC_ICR_HI    0x310

#define ICR_VECTOR(lo)    ((lo) & 0xff)
#define ICR_DM(lo)        (((lo) >> 8) & 7)
#define ICR_LOGICAL       (1u << 11)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define ICR_SHORTHAND(lo) (((lo) >> 18) & 3)
enum { SH_NONE, SH_SELF, SH_ALL, SH_ALL_BUT_SELF };

#define PHYS_HOST_ID(e) ((unsigned int)((e) & 0xff))
#define PHYS_BACKING(e) ((e) & 0x000ffffffffff000ull)
#define PHYS_RUNNING    (1ull << 62)
#define PHYS_VALID      (1ull << 63)
#define LOG_VALID       (1u << 31)

enum { CAUSE_INT_TYPE, CAUSE_NOT_RUNNING, CAUSE_INVALID_TARGET, CAUSE_BACKING_PAGE };

static uint32_t *page_of(struct avic_model *m, unsigned int vcpu)
{
	return m->backing_page(m->ctx, PHYS_BACKING(m->physical[vcpu]));
}

static bool bit_test(const uint32_t *page, uint32_t base, unsigned int v)
{
	return page[REG(base + 0x10 * (v / 32))] & (1u << (v % 32));
}

static void bit_set(uint32_t *page, uint32_t base, unsigned int v, bool on)
{
	uint32_t *word = &page[REG(base + 0x10 * (v / 32))];

	if (on)
		__atomic_fetch_or(word, 1u << (v % 32), __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(word, ~(1u << (v % 32)), __ATOMIC_SEQ_CST);
}

static int highest(const uint32_t *page, uint32_t base)
{
	for (int v = 255; v >= 0; v--)
		if (bit_test(page, base, (unsigned int)v))
			return v;
	return -1;
}

static void update_ppr(uint32_t *page)
{
	uint32_t tpr = page[REG(APIC_TPR)] & 0xff;
	int isr = highest(page, APIC_ISR);
	uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr & 0xf0;

	page[REG(APIC_PPR)] = (tpr & 0xf0) >= isrv ? tpr : isrv;
}

static bool in_guest(const struct avic_model *m, unsigned int vcpu)
{
	for (unsigned int c = 0; c < AVIC_MODEL_PCPUS; c++)
		if (m->in_guest[c] == (int)vcpu)
			return true;
	return false;
}

/* 15.29.2.2: in guest mode, the highest requested vector above the PPR's class is taken. */
static void take_interrupts(struct avic_model *m, unsigned int vcpu)
{
	uint32_t *page = page_of(m, vcpu);
	int v;

	if (!in_guest(m, vcpu) || m->avic_off[vcpu])
		return;
	while ((v = highest(page, APIC_IRR)) >= 0 &&
	       ((uint32_t)v & 0xf0) > (page[REG(APIC_PPR)] & 0xf0)) {
		bit_set(page, APIC_IRR, (unsigned int)v, false);
		bit_set(page, APIC_ISR, (unsigned int)v, true);
		update_ppr(page);
		m->taken[vcpu][v]++;
	}
}

void avic_model_vmrun(struct avic_model *m, unsigned int vcpu, unsigned int host_id)
{
	m->in_guest[host_id] = (int)vcpu;
	take_interrupts(m, vcpu);
}

void avic_model_vmrun_inject(struct avic_model *m, unsigned int vcpu, unsigned int host_id,
			     uint8_t vector)
{
	m->in_guest[host_id] = (int)vcpu;
	m->taken[vcpu][vector]++;
	take_interrupts(m, vcpu);
}

void avic_model_vmexit(struct avic_model *m, unsigned int vcpu)
{
	for (unsigned int c = 0; c < AVIC_MODEL_PCPUS; c++)
		if (m->in_guest[c] == (int)vcpu)
			m->in_guest[c] = AVIC_MODEL_NONE;
}

void avic_model_doorbell(struct avic_model *m, unsigned int host_id)
{
	int vcpu = host_id < AVIC_MODEL_PCPUS ? m->in_guest[host_id] : AVIC_MODEL_NONE;

	if (vcpu == AVIC_MODEL_NONE) {
		m->doorbells_missed++;
		return;
	}
	m->doorbells_taken++;
	take_interrupts(m, (unsigned int)vcpu);
}

/* The targets of an ICR, as guest physical APIC IDs; false: the cause of an exit. */
struct targets {
	bool is[AVIC_MODEL_VCPUS];
	uint32_t cause;
};

static bool valid_physical(const struct avic_model *m, unsigned int id)
{
	return id <= m->max_index && id < AVIC_MODEL_VCPUS && (m->physical[id] & PHYS_VALID);
}

static bool add_physical(struct avic_model *m, struct targets *t, unsigned int id)
{
	if (!valid_physical(m, id)) {
		t->cause = CAUSE_INVALID_TARGET;
		return false;
	}
	if (!page_of(m, id)) {
		t->cause = CAUSE_BACKING_PAGE;
		return false;
	}
	t->is[id] = true;
	return true;
}

static bool add_all(struct avic_model *m, struct targets *t, int except)
{
	for (unsigned int id = 0; id <= m->max_index && id < AVIC_MODEL_VCPUS; id++)
		if (valid_physical(m, id) && (int)id != except && !add_physical(m, t, id))
			return false;
	return true;
}

static bool add_logical(struct avic_model *m, struct targets *t, unsigned int index)
{
	uint32_t entry = m->logical[index];

	if (!(entry & LOG_VALID)) {
		t->cause = CAUSE_INVALID_TARGET;
		return false;
	}
	return add_physical(m, t, entry & 0xff);
}

/* Logical destinations by the sender's DFR: flat, or cluster * 4 + bit (0xf: broadcast). */
static bool add_logical_dest(struct avic_model *m, struct targets *t, uint32_t dfr, uint8_t dest)
{
	bool flat = dfr == 0xffffffff;
	unsigned int bits = flat ? dest : dest & 0xf, base = flat ? 0 : (dest >> 4) * 4u;

	if (!flat && (dest >> 4) == 0xf)
		return add_all(m, t, AVIC_MODEL_NONE);
	for (unsigned int b = 0; b < (flat ? 8u : 4u); b++)
		if ((bits & (1u << b)) && !add_logical(m, t, base + b))
			return false;
	return true;
}

static bool resolve(struct avic_model *m, unsigned int vcpu, uint32_t lo, uint32_t hi,
		    struct targets *t)
{
	uint8_t dest = (uint8_t)(hi >> 24);

	switch (ICR_SHORTHAND(lo)) {
	case SH_SELF:
		return add_physical(m, t, vcpu);
	case SH_ALL:
		return add_all(m, t, AVIC_MODEL_NONE);
	case SH_ALL_BUT_SELF:
		return add_all(m, t, (int)vcpu);
	}
	if (lo & ICR_LOGICAL)
		return add_logical_dest(m, t, page_of(m, vcpu)[REG(APIC_DFR)], dest);
	return dest == 0xff ? add_all(m, t, AVIC_MODEL_NONE) : add_physical(m, t, dest);
}

static struct avic_model_exit incomplete_ipi(uint32_t lo, uint32_t hi, uint32_t cause,
					     unsigned int index)
{
	return (struct avic_model_exit){ AVIC_MODEL_EXIT_INCOMPLETE_IPI,
					 (uint64_t)hi << 32 | lo, (uint64_t)cause << 32 | index };
}

/* Each target's IRR set; a running one rung (the sender takes its own at once). */
static int deliver(struct avic_model *m, unsigned int sender, const struct targets *t, uint8_t v)
{
	int not_running = AVIC_MODEL_NONE;

	for (unsigned int id = 0; id < AVIC_MODEL_VCPUS; id++) {
		if (!t->is[id])
			continue;
		bit_set(page_of(m, id), APIC_IRR, v, true);
		if (id == sender)
			take_interrupts(m, id);
		else if (m->physical[id] & PHYS_RUNNING)
			avic_model_doorbell(m, PHYS_HOST_ID(m->physical[id]));
		else
			not_running = (int)id;
	}
	return not_running;
}

struct avic_model_exit avic_model_icr_write(struct avic_model *m, unsigned int vcpu,
					    uint32_t icr_lo, uint32_t icr_hi)
{
	uint32_t *page = page_of(m, vcpu);
	struct targets t = { .cause = 0 };
	int not_running;

	page[REG(APIC_ICR_HI)] = icr_hi;
	page[REG(APIC_ICR_LO)] = icr_lo;
	if (ICR_DM(icr_lo) != 0 || (icr_lo & ICR_LEVEL_TRIGGER))
		return incomplete_ipi(icr_lo, icr_hi, CAUSE_INT_TYPE, 0);
	if (!resolve(m, vcpu, icr_lo, icr_hi, &t))
		return incomplete_ipi(icr_lo, icr_hi, t.cause, 0);
	not_running = deliver(m, vcpu, &t, (uint8_t)ICR_VECTOR(icr_lo));
	if (not_running != AVIC_MODEL_NONE)
		return incomplete_ipi(icr_lo, icr_hi, CAUSE_NOT_RUNNING, (unsigned int)not_running);
	return (struct avic_model_exit){ 0, 0, 0 };
}

struct avic_model_exit avic_model_eoi(struct avic_model *m, unsigned int vcpu)
{
	uint32_t *page = page_of(m, vcpu);
	int v = highest(page, APIC_ISR);

	page[REG(APIC_EOI)] = 0;
	if (v >= 0 && bit_test(page, APIC_TMR, (unsigned int)v))
		return (struct avic_model_exit){ AVIC_MODEL_EXIT_NOACCEL, 1ull << 32 | APIC_EOI, 0 };
	if (v >= 0)
		bit_set(page, APIC_ISR, (unsigned int)v, false);
	update_ppr(page);
	take_interrupts(m, vcpu);
	return (struct avic_model_exit){ 0, 0, 0 };
}

void avic_model_tpr_write(struct avic_model *m, unsigned int vcpu, uint8_t tpr)
{
	uint32_t *page = page_of(m, vcpu);

	page[REG(APIC_TPR)] = tpr;
	update_ppr(page);
	take_interrupts(m, vcpu);
}

uint32_t avic_model_read(struct avic_model *m, unsigned int vcpu, uint32_t offset)
{
	return page_of(m, vcpu)[REG(offset & 0xff0)];
}
