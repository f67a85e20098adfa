/* The virtual local APIC's state, IA32_APIC_BASE, and its MMIO and x2APIC MSR interfaces. */
#include "apic/vlapic.h"
#include "lib/string.h"

#define VLAPIC_VERSION_REG  (VLAPIC_VERSION | 6u << 16)	/* no EOI-broadcast suppression (bit 24) */
#define APIC_BASE_RESERVED  (~(APIC_BASE_ADDR_MASK | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP))

static const uint32_t vlapic_lvts[] = {
	APIC_LVT_CMCI, APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
	APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
};

/*
 * Register write handlers, in either mode; val is already limited to the
 * register's writable bits.
 */
static void vlapic_write_plain(struct vlapic *a, uint32_t reg, uint32_t val)
{
	vlapic_set_reg(a, reg, val);
}

static void vlapic_write_tpr(struct vlapic *a, uint32_t reg, uint32_t val)
{
	vlapic_set_reg(a, reg, val);
	vlapic_update_ppr(a);
}

static void vlapic_write_eoi(struct vlapic *a, uint32_t reg, uint32_t val)
{
	(void)reg, (void)val;
	vlapic_eoi(a);
}

static void vlapic_write_dfr(struct vlapic *a, uint32_t reg, uint32_t val)
{
	vlapic_set_reg(a, reg, val | APIC_DFR_CLUSTER);
}

static void vlapic_mask_lvts(struct vlapic *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(vlapic_lvts); i++) {
		uint32_t lvt = vlapic_get_reg(a, vlapic_lvts[i]);

		vlapic_set_reg(a, vlapic_lvts[i], lvt | APIC_LVT_MASKED);
	}
}

/* SDM 11.4.7.2: clearing the software enable masks every LVT entry. */
static void vlapic_write_svr(struct vlapic *a, uint32_t reg, uint32_t val)
{
	vlapic_set_reg(a, reg, val);
	if (!(val & APIC_SVR_ENABLE))
		vlapic_mask_lvts(a);
}

/* SDM 11.5.3: a write makes the errors detected since the last write visible. */
static void vlapic_write_esr(struct vlapic *a, uint32_t reg, uint32_t val)
{
	uint32_t *pending = &a->regs[APIC_ESR_PENDING >> 2];

	(void)val;
	vlapic_set_reg(a, reg, __atomic_exchange_n(pending, 0, __ATOMIC_RELAXED));
}

/* xAPIC: writing the low half sends, to the destination held in ICR_HI[31:24]. */
static void vlapic_write_icr_lo(struct vlapic *a, uint32_t reg, uint32_t val)
{
	vlapic_set_reg(a, reg, val);
	vlapic_send_ipi(a, val, vlapic_get_reg(a, APIC_ICR_HI) >> 24);
}

/* SDM 11.4.7.2: while software-disabled the mask bits stay set. */
static void vlapic_write_lvt(struct vlapic *a, uint32_t reg, uint32_t val)
{
	if (!vlapic_sw_enabled(a))
		val |= APIC_LVT_MASKED;
	if (reg == APIC_LVT_TIMER)
		vlapic_timer_write_lvt(a, val);
	else
		vlapic_set_reg(a, reg, val);
}

static void vlapic_write_initial_count(struct vlapic *a, uint32_t reg, uint32_t val)
{
	(void)reg;
	vlapic_timer_write_initial_count(a, val);
}

static void vlapic_write_divide(struct vlapic *a, uint32_t reg, uint32_t val)
{
	(void)reg;
	vlapic_timer_write_divide(a, val);
}

static void vlapic_write_self_ipi(struct vlapic *a, uint32_t reg, uint32_t val)
{
	(void)reg;
	vlapic_send_ipi(a, val | APIC_DEST_SELF << 18, 0);
}

/* How a register may be accessed in each mode. */
enum {
	XR  = BIT(0),	/* readable in xAPIC mode */
	XW  = BIT(1),	/* writable in xAPIC mode */
	X2R = BIT(2),	/* readable in x2APIC mode */
	X2W = BIT(3),	/* writable in x2APIC mode */
	ALL = XR | XW | X2R | X2W,
};

struct vlapic_reg_desc {
	uint16_t offset;
	uint8_t count;		/* consecutive registers, 16 bytes apart */
	uint8_t access;
	uint32_t writable;	/* writable bits; x2APIC writes of others #GP (SDM 11.12.1.3) */
	void (*write)(struct vlapic *a, uint32_t reg, uint32_t val);
};

/*
 * SDM table 11-1 (xAPIC) and table 11-6 (x2APIC MSRs). APR is not in the
 * x2APIC map and reads as 0 here, as on processors without the arbitration
 * priority of the P6 APIC bus. The ID is read-only (the SDM allows either).
 * The SVR's focus-processor bit 9 and EOI-broadcast suppression bit 12 are
 * not modelled and so reserved.
 */
static const struct vlapic_reg_desc vlapic_regs[] = {
	{ APIC_ID,          1, XR | X2R,      0,          NULL },
	{ APIC_VERSION,     1, XR | X2R,      0,          NULL },
	{ APIC_TPR,         1, ALL,           0xff,       vlapic_write_tpr },
	{ APIC_APR,         1, XR,            0,          NULL },
	{ APIC_PPR,         1, XR | X2R,      0,          NULL },
	{ APIC_EOI,         1, XW | X2W,      0,          vlapic_write_eoi },
	{ APIC_LDR,         1, XR | XW | X2R, 0xff000000, vlapic_write_plain },
	{ APIC_DFR,         1, XR | XW,       0xf0000000, vlapic_write_dfr },
	{ APIC_SVR,         1, ALL,           0x1ff,      vlapic_write_svr },
	{ APIC_ISR,         8, XR | X2R,      0,          NULL },
	{ APIC_TMR,         8, XR | X2R,      0,          NULL },
	{ APIC_IRR,         8, XR | X2R,      0,          NULL },
	{ APIC_ESR,         1, ALL,           0,          vlapic_write_esr },
	{ APIC_LVT_CMCI,    1, ALL,           0x107ff,    vlapic_write_lvt },
	{ APIC_ICR_LO,      1, ALL,           APIC_ICR_WRITABLE, vlapic_write_icr_lo },
	{ APIC_ICR_HI,      1, XR | XW,       0xff000000, vlapic_write_plain },
	{ APIC_LVT_TIMER,   1, ALL,           0x700ff,    vlapic_write_lvt },
	{ APIC_LVT_THERMAL, 1, ALL,           0x107ff,    vlapic_write_lvt },
	{ APIC_LVT_PERF,    1, ALL,           0x107ff,    vlapic_write_lvt },
	{ APIC_LVT_LINT0,   1, ALL,           0x1a7ff,    vlapic_write_lvt },
	{ APIC_LVT_LINT1,   1, ALL,           0x1a7ff,    vlapic_write_lvt },
	{ APIC_LVT_ERROR,   1, ALL,           0x100ff,    vlapic_write_lvt },
	{ APIC_TIMER_ICR,   1, ALL,           0xffffffff, vlapic_write_initial_count },
	{ APIC_TIMER_CCR,   1, XR | X2R,      0,          NULL },
	{ APIC_TIMER_DCR,   1, ALL,           0xb,        vlapic_write_divide },
	{ APIC_SELF_IPI,    1, X2W,           0xff,       vlapic_write_self_ipi },
};

/* The register at a 16-byte aligned offset, or NULL. */
static const struct vlapic_reg_desc *vlapic_find_reg(uint32_t offset)
{
	for (size_t i = 0; i < ARRAY_SIZE(vlapic_regs); i++) {
		const struct vlapic_reg_desc *d = &vlapic_regs[i];

		if (offset >= d->offset && offset < d->offset + 0x10u * d->count)
			return d;
	}
	return NULL;
}

/* The ID and, in x2APIC mode, the derived LDR, in the current mode's format. */
static void vlapic_set_id_regs(struct vlapic *a)
{
	if (vlapic_x2apic_enabled(a)) {
		vlapic_set_reg(a, APIC_ID, a->id);
		vlapic_set_reg(a, APIC_LDR, vlapic_x2apic_ldr(a->id));
	} else {
		vlapic_set_reg(a, APIC_ID, a->id << 24);
	}
}

/*
 * SDM 11.4.7.1 and 11.4.7.3: after INIT everything is zero except the ID, the
 * version, DFR all ones, SVR 0xff and the LVT entries masked. In x2APIC mode
 * INIT keeps x2APIC mode and the 32-bit ID (SDM 11.12.5.1).
 */
void vlapic_reset(struct vlapic *a)
{
	memset(a->regs, 0, PAGE_SIZE);
	vlapic_set_id_regs(a);
	vlapic_set_reg(a, APIC_VERSION, VLAPIC_VERSION_REG);
	vlapic_set_reg(a, APIC_DFR, APIC_DFR_FLAT);
	vlapic_set_reg(a, APIC_SVR, 0xff);
	vlapic_mask_lvts(a);
	a->deadline_mode = false;
	vlapic_timer_reset(a);
	for (unsigned int i = 0; i < 4; i++)
		__atomic_store_n(&a->auto_eoi_irr[i], 0, __ATOMIC_RELAXED);
}

void vlapic_init(struct vlapic *a, struct vlapic_group *g, uint32_t *regs, uint32_t id,
		 bool bsp, void *owner)
{
	memset(a, 0, sizeof(*a));
	a->regs = regs;
	a->group = g;
	a->id = id;
	a->owner = owner;
	a->apic_base = VLAPIC_DEFAULT_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
	vlapic_reset(a);
}

uint64_t vlapic_get_base(const struct vlapic *a)
{
	return a->apic_base;
}

bool vlapic_xapic_enabled(const struct vlapic *a)
{
	return (a->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}

bool vlapic_x2apic_enabled(const struct vlapic *a)
{
	return (a->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

/*
 * SDM 11.12.5.1, figure 11-27: EXTD without EN is invalid, x2APIC can only
 * be left to the disabled state, and the disabled state only leads to xAPIC.
 */
static bool vlapic_base_transition_ok(uint64_t old, uint64_t val)
{
	bool old_en = old & APIC_BASE_EN, old_x2 = old & APIC_BASE_EXTD;
	bool new_en = val & APIC_BASE_EN, new_x2 = val & APIC_BASE_EXTD;

	if (new_x2 && !new_en)
		return false;
	if (old_x2 && new_en && !new_x2)
		return false;
	return old_en || !new_x2;
}

/*
 * The BSP flag is kept as set at vlapic_init. Disabling the APIC loses its
 * state (SDM 11.12.5.1: only the ID survives the way from x2APIC through
 * disabled to xAPIC); entering x2APIC mode switches the ID format and
 * derives the LDR.
 */
bool vlapic_set_base(struct vlapic *a, uint64_t val)
{
	uint64_t old = a->apic_base;

	if ((val & APIC_BASE_RESERVED) || !vlapic_base_transition_ok(old, val))
		return false;
	val = (val & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
	__atomic_store_n(&a->apic_base, val, __ATOMIC_RELAXED);
	if ((old & APIC_BASE_EN) && !(val & APIC_BASE_EN))
		vlapic_reset(a);
	else if ((val & APIC_BASE_EXTD) && !(old & APIC_BASE_EXTD))
		vlapic_set_id_regs(a);
	return true;
}

static uint32_t vlapic_read_reg(const struct vlapic *a, uint32_t reg)
{
	if (reg == APIC_TIMER_CCR)
		return vlapic_timer_current_count(a);
	return vlapic_get_reg(a, reg);
}

/*
 * The register an MMIO access reaches, or NULL. Only 16-byte aligned
 * offsets hold registers; an aligned offset that holds none is an illegal
 * register address (SDM 11.5.3).
 */
static const struct vlapic_reg_desc *vlapic_mmio_reg(struct vlapic *a, uint32_t offset)
{
	const struct vlapic_reg_desc *d;

	if (!vlapic_xapic_enabled(a) || offset >= PAGE_SIZE || (offset & 0xf))
		return NULL;
	d = vlapic_find_reg(offset);
	if (!d || !(d->access & (XR | XW))) {
		vlapic_set_error(a, APIC_ESR_ILLEGAL_REGISTER);
		return NULL;
	}
	return d;
}

uint32_t vlapic_mmio_read(struct vlapic *a, uint32_t offset)
{
	const struct vlapic_reg_desc *d = vlapic_mmio_reg(a, offset);

	if (!d || !(d->access & XR))
		return 0;
	return vlapic_read_reg(a, offset);
}

/* xAPIC mode ignores writes to reserved bits (SDM 11.12.1.3). */
void vlapic_mmio_write(struct vlapic *a, uint32_t offset, uint32_t val)
{
	const struct vlapic_reg_desc *d = vlapic_mmio_reg(a, offset);

	if (d && (d->access & XW))
		d->write(a, offset, val & d->writable);
}

/*
 * APIC-register virtualization has already stored the guest's value in the
 * virtual-APIC page (SDM 29.4.3.3, APIC-write emulation): the model takes it as
 * a write, and the ID, the one register of that list it keeps read-only, gets
 * its own value back (or the page would show the guest's).
 */
void vlapic_apic_write_trap(struct vlapic *a, uint32_t offset)
{
	uint32_t reg = offset & ~0xfu;

	if (reg == APIC_ID)
		vlapic_set_id_regs(a);
	else
		vlapic_mmio_write(a, reg, vlapic_get_reg(a, reg));
}

/* SDM 11.12.1.2: MSR 0x800 + n is the register at offset n * 16. */
static uint32_t vlapic_msr_to_reg(uint32_t msr)
{
	return (msr - APIC_MSR_BASE) << 4;
}

static const struct vlapic_reg_desc *vlapic_msr_reg(const struct vlapic *a, uint32_t msr)
{
	if (!vlapic_x2apic_enabled(a) || msr < APIC_MSR_BASE || msr > APIC_MSR_LAST)
		return NULL;
	return vlapic_find_reg(vlapic_msr_to_reg(msr));
}

bool vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t *val)
{
	const struct vlapic_reg_desc *d = vlapic_msr_reg(a, msr);

	if (!d || !(d->access & X2R))
		return false;
	*val = vlapic_read_reg(a, vlapic_msr_to_reg(msr));
	if (d->offset == APIC_ICR_LO)
		*val |= (uint64_t)vlapic_get_reg(a, APIC_ICR_HI) << 32;
	return true;
}

/* SDM 11.12.9: the x2APIC ICR is written at once, the destination in bits 63:32. */
static bool vlapic_write_x2apic_icr(struct vlapic *a, uint64_t val)
{
	if ((uint32_t)val & ~APIC_ICR_WRITABLE)
		return false;
	vlapic_set_reg(a, APIC_ICR_LO, (uint32_t)val);
	vlapic_set_reg(a, APIC_ICR_HI, val >> 32);
	vlapic_send_ipi(a, (uint32_t)val, val >> 32);
	return true;
}

/* SDM 11.12.1.3: writes of reserved bits #GP; so do non-zero writes of EOI and ESR. */
bool vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t val)
{
	const struct vlapic_reg_desc *d = vlapic_msr_reg(a, msr);

	if (!d || !(d->access & X2W))
		return false;
	if (d->offset == APIC_ICR_LO)
		return vlapic_write_x2apic_icr(a, val);
	if (val & ~(uint64_t)d->writable)
		return false;
	d->write(a, vlapic_msr_to_reg(msr), val);
	return true;
}

/* Enabled, in either mode: the registers exist (SDM 11.4.3). */
static bool vlapic_usable(const struct vlapic *a)
{
	return vlapic_xapic_enabled(a) || vlapic_x2apic_enabled(a);
}

bool vlapic_hv_icr_read(struct vlapic *a, uint64_t *val)
{
	if (!vlapic_usable(a))
		return false;
	*val = (uint64_t)vlapic_get_reg(a, APIC_ICR_HI) << 32 | vlapic_read_reg(a, APIC_ICR_LO);
	return true;
}

/* As the x2APIC ICR, or in xAPIC mode as ICR_HI (bits 63:32) then ICR_LO, which sends. */
bool vlapic_hv_icr_write(struct vlapic *a, uint64_t val)
{
	if (!vlapic_usable(a) || ((uint32_t)val & ~APIC_ICR_WRITABLE))
		return false;
	if (vlapic_x2apic_enabled(a))
		return vlapic_write_x2apic_icr(a, val);
	if ((val >> 32) & ~0xff000000ull)
		return false;
	vlapic_set_reg(a, APIC_ICR_HI, val >> 32);
	vlapic_write_icr_lo(a, APIC_ICR_LO, (uint32_t)val);
	return true;
}

bool vlapic_hv_tpr_read(struct vlapic *a, uint64_t *val)
{
	if (!vlapic_usable(a))
		return false;
	*val = vlapic_get_reg(a, APIC_TPR);
	return true;
}

bool vlapic_hv_tpr_write(struct vlapic *a, uint64_t val)
{
	if (!vlapic_usable(a) || val > 0xff)
		return false;
	vlapic_write_tpr(a, APIC_TPR, (uint32_t)val);
	return true;
}

bool vlapic_hv_eoi(struct vlapic *a)
{
	if (!vlapic_usable(a))
		return false;
	vlapic_eoi(a);
	return true;
}
