/* The virtual local APIC's interrupt flow: IRR, ISR, TMR, TPR/PPR, EOI, ESR. */
#include "apic/vlapic.h"

#define VECTORS_PER_REG 32

static uint32_t *vlapic_vector_word(struct vlapic *a, uint32_t base, uint8_t vector)
{
	return &a->regs[(base + 0x10 * (vector / VECTORS_PER_REG)) >> 2];
}

static uint32_t vlapic_vector_bit(uint8_t vector)
{
	return (uint32_t)BIT(vector % VECTORS_PER_REG);
}

/* IRR and TMR bits are set from any CPU, so every update of them is atomic. */
static void vlapic_set_vector(struct vlapic *a, uint32_t base, uint8_t vector)
{
	__atomic_fetch_or(vlapic_vector_word(a, base, vector), vlapic_vector_bit(vector),
			  __ATOMIC_RELEASE);
}

static void vlapic_clear_vector(struct vlapic *a, uint32_t base, uint8_t vector)
{
	__atomic_fetch_and(vlapic_vector_word(a, base, vector), ~vlapic_vector_bit(vector),
			   __ATOMIC_RELEASE);
}

/* The highest vector set in the 256-bit array at base (IRR, ISR), or -1. */
static int vlapic_highest_vector(const struct vlapic *a, uint32_t base)
{
	for (int i = 256 / VECTORS_PER_REG - 1; i >= 0; i--) {
		uint32_t word = vlapic_get_reg(a, base + 0x10 * i);

		if (word)
			return i * VECTORS_PER_REG + 31 - __builtin_clz(word);
	}
	return -1;
}

int vlapic_highest_irr(const struct vlapic *a) { return vlapic_highest_vector(a, APIC_IRR); }
int vlapic_highest_isr(const struct vlapic *a) { return vlapic_highest_vector(a, APIC_ISR); }

bool vlapic_sw_enabled(const struct vlapic *a)
{
	return vlapic_get_reg(a, APIC_SVR) & APIC_SVR_ENABLE;
}

/*
 * Errors accumulate in APIC_ESR_PENDING until software writes ESR (SDM
 * 11.5.3). A newly detected error raises the LVT error interrupt; an error
 * already pending does not, which also ends the recursion when the LVT error
 * vector itself is illegal.
 */
void vlapic_set_error(struct vlapic *a, uint32_t esr_bit)
{
	uint32_t old = __atomic_fetch_or(&a->regs[APIC_ESR_PENDING >> 2], esr_bit,
					 __ATOMIC_RELAXED);
	uint32_t lvt = vlapic_get_reg(a, APIC_LVT_ERROR);

	if (!(old & esr_bit) && !(lvt & APIC_LVT_MASKED))
		vlapic_accept_irq(a, lvt & APIC_LVT_VECTOR, false);
}

/*
 * SDM 11.4.7.2 lists what a software-disabled APIC still does: it responds to
 * INIT, NMI, SMI and SIPI and holds what is already in IRR and ISR. It does
 * not name fixed interrupts, and every LVT is masked; this model therefore
 * does not accept new fixed interrupts while software-disabled (KVM does the
 * same).
 */
void vlapic_accept_irq(struct vlapic *a, uint8_t vector, bool level)
{
	if (!vlapic_sw_enabled(a))
		return;
	if (vector < APIC_FIRST_LEGAL_VECTOR) {
		vlapic_set_error(a, APIC_ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	/* SDM 11.8.4: TMR set for level-triggered, cleared for edge, on acceptance */
	if (level)
		vlapic_set_vector(a, APIC_TMR, vector);
	else
		vlapic_clear_vector(a, APIC_TMR, vector);
	if (!level && a->group->hooks->post && a->group->hooks->post(a, vector))
		return;
	vlapic_set_vector(a, APIC_IRR, vector);
	a->group->hooks->kick(a);
}

/* SDM 11.8.3.1: PPR is TPR when TPR's class is at least ISRV's, else ISRV's class. */
void vlapic_update_ppr(struct vlapic *a)
{
	uint32_t tpr = vlapic_get_reg(a, APIC_TPR);
	int isrv = vlapic_highest_vector(a, APIC_ISR);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	vlapic_set_reg(a, APIC_PPR, (tpr & 0xf0) >= isr_class ? tpr : isr_class);
}

uint8_t vlapic_ppr(const struct vlapic *a)
{
	return vlapic_get_reg(a, APIC_PPR);
}

/* SDM 11.8.3: an IRR vector is delivered when its class is above PPR's. */
int vlapic_pending_vector(struct vlapic *a)
{
	int vector;

	if (!vlapic_sw_enabled(a))
		return -1;
	vector = vlapic_highest_vector(a, APIC_IRR);
	if (vector < 0 || ((uint32_t)vector & 0xf0) <= (vlapic_ppr(a) & 0xf0u))
		return -1;
	return vector;
}

void vlapic_ack(struct vlapic *a, uint8_t vector)
{
	vlapic_clear_vector(a, APIC_IRR, vector);
	vlapic_set_vector(a, APIC_ISR, vector);
	vlapic_update_ppr(a);
}

/*
 * SDM 11.8.5: EOI retires the highest-priority ISR vector. Its TMR bit is
 * cleared too, so that a level-triggered interrupt leaves no trace once
 * retired (hardware keeps the bit until the vector's next acceptance
 * rewrites it). No EOI message to I/O APICs is modelled.
 */
static void vlapic_notify_eoi(struct vlapic *a, uint8_t vector, bool level)
{
	if (a->group->hooks->eoi)
		a->group->hooks->eoi(a, vector, level);
}

/* Clears vector's TMR bit; whether it was set. */
static bool vlapic_take_tmr(struct vlapic *a, uint8_t vector)
{
	uint32_t bit = vlapic_vector_bit(vector);

	return __atomic_fetch_and(vlapic_vector_word(a, APIC_TMR, vector), ~bit,
				  __ATOMIC_RELEASE) & bit;
}

void vlapic_eoi(struct vlapic *a)
{
	int vector = vlapic_highest_vector(a, APIC_ISR);
	bool level;

	if (vector < 0)
		return;
	vlapic_clear_vector(a, APIC_ISR, vector);
	level = vlapic_take_tmr(a, (uint8_t)vector);
	vlapic_update_ppr(a);
	vlapic_notify_eoi(a, (uint8_t)vector, level);
}

/*
 * Whether vector, just acknowledged, is all the APIC holds: the one vector in
 * service, edge-triggered, nothing requested in the IRR or as auto-EOI. Its
 * EOI may then be deferred (Hyper-V's APIC assist): no other vector's
 * delivery waits for it, and no I/O APIC waits for its EOI message.
 */
bool vlapic_lone_edge_in_service(const struct vlapic *a, uint8_t vector)
{
	for (unsigned int i = 0; i < 256 / VECTORS_PER_REG; i++) {
		uint32_t want = i == vector / VECTORS_PER_REG ? vlapic_vector_bit(vector) : 0;

		if (vlapic_get_reg(a, APIC_ISR + 0x10 * i) != want ||
		    vlapic_get_reg(a, APIC_IRR + 0x10 * i) ||
		    (vlapic_get_reg(a, APIC_TMR + 0x10 * i) & want))
			return false;
	}
	return vlapic_highest_auto_eoi(a) < 0;
}

void vlapic_eoi_induced(struct vlapic *a, uint8_t vector)
{
	bool level = vlapic_take_tmr(a, vector);

	vlapic_update_ppr(a);
	vlapic_notify_eoi(a, vector, level);
}

static uint64_t *auto_eoi_word(struct vlapic *a, uint8_t vector)
{
	return &a->auto_eoi_irr[vector / 64];
}

/* Same acceptance rules as vlapic_accept_irq() for an edge-triggered vector. */
void vlapic_accept_auto_eoi(struct vlapic *a, uint8_t vector)
{
	if (!vlapic_sw_enabled(a))
		return;
	if (vector < APIC_FIRST_LEGAL_VECTOR) {
		vlapic_set_error(a, APIC_ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	__atomic_fetch_or(auto_eoi_word(a, vector), BIT(vector % 64), __ATOMIC_RELEASE);
	a->group->hooks->kick(a);
}

int vlapic_highest_auto_eoi(const struct vlapic *a)
{
	for (int i = 3; i >= 0; i--) {
		uint64_t word = __atomic_load_n(&a->auto_eoi_irr[i], __ATOMIC_ACQUIRE);

		if (word)
			return i * 64 + 63 - __builtin_clzll(word);
	}
	return -1;
}

/* SDM 11.8.3 applied to the auto-EOI vectors, with the IRR's first on a tie. */
int vlapic_pending_auto_eoi(const struct vlapic *a)
{
	int vector = vlapic_highest_auto_eoi(a);

	if (vector < 0 || !vlapic_sw_enabled(a) ||
	    ((uint32_t)vector & 0xf0) <= (vlapic_ppr(a) & 0xf0u) ||
	    vlapic_highest_irr(a) >= vector)
		return -1;
	return vector;
}

void vlapic_ack_auto_eoi(struct vlapic *a, uint8_t vector)
{
	__atomic_fetch_and(auto_eoi_word(a, vector), ~BIT(vector % 64), __ATOMIC_RELEASE);
}

void vlapic_tmr(const struct vlapic *a, uint64_t tmr[4])
{
	for (unsigned int i = 0; i < 4; i++)
		tmr[i] = vlapic_get_reg(a, APIC_TMR + 0x20 * i) |
			 ((uint64_t)vlapic_get_reg(a, APIC_TMR + 0x20 * i + 0x10) << 32);
}

uint64_t vlapic_cr8_read(const struct vlapic *a)
{
	return vlapic_get_reg(a, APIC_TPR) >> 4;
}

bool vlapic_cr8_write(struct vlapic *a, uint64_t val)
{
	if (val > 15)
		return false;
	vlapic_set_reg(a, APIC_TPR, (uint32_t)val << 4);
	vlapic_update_ppr(a);
	return true;
}
