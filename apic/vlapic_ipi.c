/* The virtual local APIC's interprocessor interrupts: ICR, destinations, delivery (SDM 11.6). */
#include "apic/vlapic.h"

#define XAPIC_BROADCAST  0xffu
#define X2APIC_BROADCAST 0xffffffffu

/* SDM 11.12.10.2: the x2APIC logical ID, derived from the x2APIC ID. */
uint32_t vlapic_x2apic_ldr(uint32_t id)
{
	return (id >> 4) << 16 | (uint32_t)BIT(id & 15);
}

static bool vlapic_hw_enabled(const struct vlapic *a)
{
	return __atomic_load_n(&a->apic_base, __ATOMIC_RELAXED) & APIC_BASE_EN;
}

static bool vlapic_match_physical(const struct vlapic *dst, uint32_t dest, bool x2apic)
{
	if (x2apic)
		return dest == X2APIC_BROADCAST || dest == dst->id;
	return dest == XAPIC_BROADCAST || dest == dst->id;
}

/*
 * SDM 11.6.2.2: in the flat model the 8-bit destination is ANDed with the
 * LDR's bits 31:24; in the cluster model bits 7:4 name the cluster and bits
 * 3:0 are ANDed with the LDR's member bits. The target's DFR selects the
 * model (all APICs must use the same one). 0xff addresses all APICs.
 */
static bool vlapic_match_xapic_logical(const struct vlapic *dst, uint32_t dest)
{
	uint32_t ldr = vlapic_get_reg(dst, APIC_LDR) >> 24;

	if (dest == XAPIC_BROADCAST)
		return true;
	if (vlapic_get_reg(dst, APIC_DFR) == APIC_DFR_FLAT)
		return ldr & dest;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

/* SDM 11.12.10.2: cluster ID in bits 31:16 equal, member bitmap in 15:0 ANDed. */
static bool vlapic_match_x2apic_logical(const struct vlapic *dst, uint32_t dest)
{
	uint32_t ldr = vlapic_x2apic_ldr(dst->id);

	if (dest == X2APIC_BROADCAST)
		return true;
	return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff);
}

/* dest read as a physical or logical destination of the xAPIC or the x2APIC format. */
static bool vlapic_match_addr(const struct vlapic *dst, uint32_t dest, bool logical, bool x2apic)
{
	if (!logical)
		return vlapic_match_physical(dst, dest, x2apic);
	if (x2apic)
		return vlapic_match_x2apic_logical(dst, dest);
	return vlapic_match_xapic_logical(dst, dest);
}

/* The sender's mode decides how the destination field is read. */
static bool vlapic_match_dest(const struct vlapic *src, const struct vlapic *dst,
			      uint32_t icr_lo, uint32_t dest)
{
	return vlapic_match_addr(dst, dest, icr_lo & APIC_ICR_LOGICAL, vlapic_x2apic_enabled(src));
}

/* SDM 11.6.1 "destination shorthand". A hardware-disabled APIC receives nothing. */
static bool vlapic_ipi_targets(const struct vlapic *src, const struct vlapic *dst,
			       uint32_t icr_lo, uint32_t dest)
{
	if (!vlapic_hw_enabled(dst))
		return false;
	switch (APIC_ICR_SHORTHAND(icr_lo)) {
	case APIC_DEST_SELF:
		return dst == src;
	case APIC_DEST_ALL:
		return true;
	case APIC_DEST_ALL_BUT_SELF:
		return dst != src;
	default:
		return vlapic_match_dest(src, dst, icr_lo, dest);
	}
}

/* One interrupt into dst; level (fixed and lowest priority only) sets its TMR bit. */
static void vlapic_deliver(struct vlapic *dst, unsigned int delivery_mode, uint8_t vector,
			   bool level)
{
	const struct vlapic_hooks *hooks = dst->group->hooks;

	switch (delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		vlapic_accept_irq(dst, vector, level);
		break;
	case APIC_DM_NMI:
		hooks->deliver_nmi(dst);
		break;
	case APIC_DM_INIT:
		hooks->deliver_init(dst);
		break;
	case APIC_DM_SIPI:
		hooks->deliver_sipi(dst, vector);
		break;
	default:	/* SMI, reserved 3, and 7 (ExtINT on the bus) are not modelled */
		break;
	}
}

/* SDM 11.6.1: INIT with level 0 and trigger level is the de-assert message. */
static bool vlapic_is_init_deassert(uint32_t icr_lo)
{
	return APIC_ICR_DM(icr_lo) == APIC_DM_INIT && !(icr_lo & APIC_ICR_LEVEL_ASSERT) &&
	       (icr_lo & APIC_ICR_TRIGGER_LEVEL);
}

static bool vlapic_is_illegal_fixed(uint32_t icr_lo)
{
	uint32_t dm = APIC_ICR_DM(icr_lo);

	return (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) &&
	       APIC_ICR_VECTOR(icr_lo) < APIC_FIRST_LEGAL_VECTOR;
}

/*
 * Sends the IPI described by an ICR low word and a destination (8-bit xAPIC
 * or 32-bit x2APIC). Lowest-priority delivery goes to the first matching
 * APIC in group order: the SDM leaves the arbitration model-specific
 * (11.6.2.4), and reading other vCPUs' PPR would race with them.
 */
void vlapic_send_ipi(struct vlapic *a, uint32_t icr_lo, uint32_t dest)
{
	struct vlapic_group *g = a->group;

	if (vlapic_is_init_deassert(icr_lo))
		return;
	if (vlapic_is_illegal_fixed(icr_lo)) {
		vlapic_set_error(a, APIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	for (unsigned int i = 0; i < g->count; i++) {
		if (!vlapic_ipi_targets(a, g->members[i], icr_lo, dest))
			continue;
		/* IPIs are edge-triggered: the ICR's trigger mode only qualifies INIT de-assert. */
		vlapic_deliver(g->members[i], APIC_ICR_DM(icr_lo), APIC_ICR_VECTOR(icr_lo), false);
		if (APIC_ICR_DM(icr_lo) == APIC_DM_LOWEST)
			return;
	}
}

void vlapic_wake_ipi_targets(struct vlapic *a)
{
	struct vlapic_group *g = a->group;
	uint32_t icr_lo = vlapic_get_reg(a, APIC_ICR_LO), dest = vlapic_get_reg(a, APIC_ICR_HI) >> 24;

	for (unsigned int i = 0; i < g->count; i++)
		if (vlapic_ipi_targets(a, g->members[i], icr_lo, dest))
			g->hooks->kick(g->members[i]);
}

/*
 * A bus message names its target in 8 bits, read in the target's own mode
 * (SDM 11.11.1; interrupt remapping, which would widen it, is not modelled).
 * For an x2APIC target 0xff still addresses all APICs, physical or logical,
 * as KVM has it; any other value is an x2APIC ID, or a cluster-0 member
 * bitmap in logical mode.
 */
static bool vlapic_msg_targets(const struct vlapic *dst, uint32_t dest, bool logical)
{
	bool x2apic = vlapic_x2apic_enabled(dst);

	if (!vlapic_hw_enabled(dst))
		return false;
	if (x2apic && dest == XAPIC_BROADCAST)
		dest = X2APIC_BROADCAST;
	return vlapic_match_addr(dst, dest, logical, x2apic);
}

/*
 * Lowest priority goes to the first match, as for IPIs. A fixed or
 * lowest-priority vector below 16 is dropped by vlapic_accept_irq(), which
 * records the receive error the SDM prescribes (11.5.3). SIPI is no bus
 * message (a reserved mode in redirection entries and MSIs).
 */
void vlapic_deliver_msg(struct vlapic_group *g, uint32_t dest, bool logical,
			unsigned int delivery_mode, uint8_t vector, bool level)
{
	if (delivery_mode == APIC_DM_SIPI)
		return;
	dest &= 0xff;
	for (unsigned int i = 0; i < g->count; i++) {
		if (!vlapic_msg_targets(g->members[i], dest, logical))
			continue;
		vlapic_deliver(g->members[i], delivery_mode, vector, level);
		if (delivery_mode == APIC_DM_LOWEST)
			return;
	}
}
