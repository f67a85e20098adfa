/* Host unit tests of the virtual local APIC (apic/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "apic/vlapic.h"

#define NR_APICS  4
#define TSC_KHZ   2000000	/* 2 GHz */
#define TIMER_KHZ 100000	/* 100 MHz: one timer tick is 20 TSC ticks */
#define TSC_PER_TICK (TSC_KHZ / TIMER_KHZ)
#define T0        1000000	/* the fake TSC at the start of each test */

#define MSR_X2APIC(reg) (APIC_MSR_BASE + ((reg) >> 4))
#define ICR_PHYS(dm, v) ((dm) << 8 | (v) | APIC_ICR_LEVEL_ASSERT)
#define ICR_LOG(dm, v)  (ICR_PHYS(dm, v) | APIC_ICR_LOGICAL)
#define SHORTHAND(s)    ((uint32_t)(s) << 18)

static uint32_t pages[NR_APICS][PAGE_SIZE / 4] __aligned(4096);
static struct vlapic apics[NR_APICS];
static struct vlapic *members[NR_APICS];
static unsigned int indices[NR_APICS];
static struct vlapic_group group;

static struct {
	unsigned int kicks[NR_APICS], inits[NR_APICS], sipis[NR_APICS], nmis[NR_APICS];
	uint8_t sipi_vector;
	unsigned int timer_changes;
	unsigned int eois[NR_APICS];	/* hooks->eoi calls per APIC */
	int eoi_vector;			/* the vector of the last one, -1: none */
	bool eoi_level;			/* whether it was level-triggered */
} seen;
static uint64_t fake_tsc;

static unsigned int index_of(struct vlapic *a) { return *(unsigned int *)a->owner; }
static void fake_kick(struct vlapic *a) { seen.kicks[index_of(a)]++; }
static void fake_init(struct vlapic *a) { seen.inits[index_of(a)]++; }
static void fake_nmi(struct vlapic *a) { seen.nmis[index_of(a)]++; }
static uint64_t fake_now(void) { return fake_tsc; }
static void fake_timer_changed(struct vlapic *a) { (void)a; seen.timer_changes++; }

static void fake_sipi(struct vlapic *a, uint8_t vector)
{
	seen.sipis[index_of(a)]++;
	seen.sipi_vector = vector;
}

static void fake_eoi(struct vlapic *a, uint8_t vector, bool level)
{
	seen.eois[index_of(a)]++;
	seen.eoi_level = level;
	seen.eoi_vector = vector;
}

static const struct vlapic_hooks hooks = {
	.kick = fake_kick,
	.deliver_init = fake_init,
	.deliver_sipi = fake_sipi,
	.deliver_nmi = fake_nmi,
	.now = fake_now,
	.timer_changed = fake_timer_changed,
	.eoi = fake_eoi,
};

/* The same without the optional eoi hook. */
static const struct vlapic_hooks hooks_no_eoi = {
	.kick = fake_kick,
	.deliver_init = fake_init,
	.deliver_sipi = fake_sipi,
	.deliver_nmi = fake_nmi,
	.now = fake_now,
	.timer_changed = fake_timer_changed,
};

static void mmio_w(unsigned int i, uint32_t reg, uint32_t val)
{
	vlapic_mmio_write(&apics[i], reg, val);
}

static uint32_t mmio_r(unsigned int i, uint32_t reg)
{
	return vlapic_mmio_read(&apics[i], reg);
}

static bool in_reg_array(unsigned int i, uint32_t base, uint8_t vector)
{
	return pages[i][(base + 0x10 * (vector / 32)) >> 2] & (1u << (vector % 32));
}

static bool irr_has(unsigned int i, uint8_t vector) { return in_reg_array(i, APIC_IRR, vector); }

/* Four APICs with IDs 0-3, APIC 0 the BSP, all software-enabled. */
static int setup(void **state)
{
	(void)state;
	memset(&seen, 0, sizeof(seen));
	seen.eoi_vector = -1;
	fake_tsc = T0;
	group = (struct vlapic_group){ members, NR_APICS, &hooks, TSC_KHZ, TIMER_KHZ };
	for (unsigned int i = 0; i < NR_APICS; i++) {
		indices[i] = i;
		members[i] = &apics[i];
		vlapic_init(&apics[i], &group, pages[i], i, i == 0, &indices[i]);
		mmio_w(i, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	}
	return 0;
}

static void enter_x2apic(unsigned int i)
{
	uint64_t base = VLAPIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_EXTD;

	assert_true(vlapic_set_base(&apics[i], base));
}

static uint64_t msr_r(unsigned int i, uint32_t reg)
{
	uint64_t val = 0xdeadbeef;

	assert_true(vlapic_msr_read(&apics[i], MSR_X2APIC(reg), &val));
	return val;
}

static uint32_t read_esr(unsigned int i)
{
	mmio_w(i, APIC_ESR, 0);
	return mmio_r(i, APIC_ESR);
}

static const uint32_t lvts[] = {
	APIC_LVT_CMCI, APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
	APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
};

/* ---- reset state and registers ---- */

static void assert_reset_state(unsigned int i)
{
	assert_int_equal(mmio_r(i, APIC_ID), i << 24);
	assert_int_equal(mmio_r(i, APIC_VERSION), 0x00060014);
	assert_int_equal(mmio_r(i, APIC_TPR), 0);
	assert_int_equal(mmio_r(i, APIC_PPR), 0);
	assert_int_equal(mmio_r(i, APIC_LDR), 0);
	assert_int_equal(mmio_r(i, APIC_DFR), 0xffffffff);
	assert_int_equal(mmio_r(i, APIC_SVR), 0xff);
	assert_int_equal(mmio_r(i, APIC_ICR_LO), 0);
	assert_int_equal(mmio_r(i, APIC_ICR_HI), 0);
	assert_int_equal(mmio_r(i, APIC_TIMER_ICR), 0);
	assert_int_equal(mmio_r(i, APIC_TIMER_CCR), 0);
	assert_int_equal(mmio_r(i, APIC_TIMER_DCR), 0);
	assert_int_equal(read_esr(i), 0);
	for (unsigned int r = 0; r < 8; r++) {
		assert_int_equal(mmio_r(i, APIC_IRR + 0x10 * r), 0);
		assert_int_equal(mmio_r(i, APIC_ISR + 0x10 * r), 0);
		assert_int_equal(mmio_r(i, APIC_TMR + 0x10 * r), 0);
	}
	for (size_t l = 0; l < ARRAY_SIZE(lvts); l++)
		assert_int_equal(mmio_r(i, lvts[l]), 0x10000);
	assert_int_equal(vlapic_timer_deadline(&apics[i]), 0);
}

static void test_power_up_state(void **state)
{
	(void)state;
	vlapic_init(&apics[1], &group, pages[1], 1, false, &indices[1]);
	assert_reset_state(1);
	assert_int_equal(vlapic_get_base(&apics[0]), 0xfee00900);
	assert_int_equal(vlapic_get_base(&apics[1]), 0xfee00800);
	assert_true(vlapic_xapic_enabled(&apics[1]));
	assert_false(vlapic_x2apic_enabled(&apics[1]));
}

static void test_init_resets_all_but_id_and_base(void **state)
{
	(void)state;
	assert_true(vlapic_set_base(&apics[2], 0xfed00800));
	mmio_w(2, APIC_TPR, 0x20);
	mmio_w(2, APIC_LDR, 0x04000000);
	mmio_w(2, APIC_DFR, 0);
	mmio_w(2, APIC_LVT_LINT0, 0x700);
	mmio_w(2, APIC_TIMER_ICR, 1000);
	vlapic_accept_irq(&apics[2], 0x40, true);
	vlapic_ack(&apics[2], 0x40);
	vlapic_accept_irq(&apics[2], 0x50, false);

	vlapic_reset(&apics[2]);
	assert_int_equal(vlapic_get_base(&apics[2]), 0xfed00800);
	assert_reset_state(2);
	assert_int_equal(vlapic_pending_vector(&apics[2]), -1);
}

static void test_read_only_registers(void **state)
{
	(void)state;
	static const uint32_t ro[] = {
		APIC_ID, APIC_VERSION, APIC_APR, APIC_PPR, APIC_ISR, APIC_ISR + 0x70,
		APIC_TMR + 0x20, APIC_IRR, APIC_IRR + 0x70, APIC_TIMER_CCR,
	};

	vlapic_accept_irq(&apics[1], 0x31, false);
	for (size_t r = 0; r < ARRAY_SIZE(ro); r++) {
		uint32_t before = mmio_r(1, ro[r]);

		mmio_w(1, ro[r], 0xffffffff);
		assert_int_equal(mmio_r(1, ro[r]), before);
	}
	assert_true(irr_has(1, 0x31));
	assert_int_equal(mmio_r(1, APIC_APR), 0);
}

static void test_writable_bits(void **state)
{
	(void)state;
	mmio_w(1, APIC_TPR, 0xffffffff);
	assert_int_equal(mmio_r(1, APIC_TPR), 0xff);
	mmio_w(1, APIC_LDR, 0xffffffff);
	assert_int_equal(mmio_r(1, APIC_LDR), 0xff000000);
	mmio_w(1, APIC_DFR, 0x01234567);
	assert_int_equal(mmio_r(1, APIC_DFR), APIC_DFR_CLUSTER);
	mmio_w(1, APIC_SVR, 0xffffffff);
	assert_int_equal(mmio_r(1, APIC_SVR), 0x1ff);
	mmio_w(1, APIC_LVT_LINT0, 0xffffffff);
	assert_int_equal(mmio_r(1, APIC_LVT_LINT0), 0x1a7ff);
	mmio_w(1, APIC_LVT_ERROR, 0xffffffff);
	assert_int_equal(mmio_r(1, APIC_LVT_ERROR), 0x100ff);
	mmio_w(1, APIC_LVT_TIMER, 0x0002ffff);
	assert_int_equal(mmio_r(1, APIC_LVT_TIMER), 0x000200ff);
	mmio_w(1, APIC_TIMER_DCR, 0xffffffff);
	assert_int_equal(mmio_r(1, APIC_TIMER_DCR), 0xb);
	mmio_w(1, APIC_ICR_HI, 0xffffffff);
	assert_int_equal(mmio_r(1, APIC_ICR_HI), 0xff000000);
}

static void test_mmio_unaligned_and_reserved(void **state)
{
	(void)state;
	mmio_w(1, APIC_TPR + 4, 0x40);
	mmio_w(1, APIC_TPR + 2, 0x40);
	assert_int_equal(mmio_r(1, APIC_TPR), 0);
	assert_int_equal(mmio_r(1, APIC_ID + 4), 0);
	assert_int_equal(mmio_r(1, APIC_ID + 1), 0);
	assert_int_equal(mmio_r(1, PAGE_SIZE), 0);
	assert_int_equal(read_esr(1), 0);

	assert_int_equal(mmio_r(1, 0x040), 0);	/* reserved register */
	assert_int_equal(read_esr(1), APIC_ESR_ILLEGAL_REGISTER);
	mmio_w(1, APIC_SELF_IPI, 0x40);		/* x2APIC only */
	assert_false(irr_has(1, 0x40));
	assert_int_equal(read_esr(1), APIC_ESR_ILLEGAL_REGISTER);
	assert_int_equal(read_esr(1), 0);
}

/* ---- priorities, acknowledge, EOI ---- */

static void test_highest_vector_first(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_irq(a, 0x33, false);
	vlapic_accept_irq(a, 0x81, false);
	vlapic_accept_irq(a, 0x40, false);
	assert_int_equal(seen.kicks[0], 3);
	assert_int_equal(vlapic_pending_vector(a), 0x81);

	vlapic_ack(a, 0x81);
	assert_false(irr_has(0, 0x81));
	assert_true(in_reg_array(0, APIC_ISR, 0x81));
	assert_int_equal(vlapic_ppr(a), 0x80);
	assert_int_equal(vlapic_pending_vector(a), -1);

	mmio_w(0, APIC_EOI, 0);
	assert_false(in_reg_array(0, APIC_ISR, 0x81));
	assert_int_equal(vlapic_ppr(a), 0);
	assert_int_equal(vlapic_pending_vector(a), 0x40);
	vlapic_ack(a, 0x40);
	vlapic_eoi(a);
	assert_int_equal(vlapic_pending_vector(a), 0x33);
}

static void test_nested_isr_and_eoi_order(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_irq(a, 0x40, false);
	vlapic_ack(a, 0x40);
	vlapic_accept_irq(a, 0x90, false);
	assert_int_equal(vlapic_pending_vector(a), 0x90);
	vlapic_ack(a, 0x90);
	assert_int_equal(vlapic_ppr(a), 0x90);
	vlapic_eoi(a);	/* retires 0x90, the highest */
	assert_true(in_reg_array(0, APIC_ISR, 0x40));
	assert_int_equal(vlapic_ppr(a), 0x40);
	vlapic_eoi(a);
	assert_int_equal(vlapic_ppr(a), 0);
	vlapic_eoi(a);	/* nothing in service: harmless */
	assert_int_equal(vlapic_ppr(a), 0);
}

static void test_tpr_masks_and_unmasks(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	mmio_w(0, APIC_TPR, 0x57);
	assert_int_equal(vlapic_ppr(a), 0x57);
	vlapic_accept_irq(a, 0x45, false);
	vlapic_accept_irq(a, 0x5f, false);	/* same class as TPR: masked */
	assert_int_equal(vlapic_pending_vector(a), -1);
	mmio_w(0, APIC_TPR, 0x4f);
	assert_int_equal(vlapic_pending_vector(a), 0x5f);
	mmio_w(0, APIC_TPR, 0);
	vlapic_ack(a, 0x5f);
	assert_int_equal(vlapic_pending_vector(a), -1);	/* 0x45 below 0x5f in service */
}

static void test_ppr_from_tpr_or_isr(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_irq(a, 0x61, false);
	vlapic_ack(a, 0x61);
	mmio_w(0, APIC_TPR, 0x3f);
	assert_int_equal(mmio_r(0, APIC_PPR), 0x60);
	mmio_w(0, APIC_TPR, 0x6a);
	assert_int_equal(mmio_r(0, APIC_PPR), 0x6a);
	mmio_w(0, APIC_TPR, 0x7f);
	assert_int_equal(mmio_r(0, APIC_PPR), 0x7f);
}

static void test_level_triggered_sets_tmr(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_irq(a, 0xa3, true);
	assert_true(in_reg_array(0, APIC_TMR, 0xa3));
	assert_int_equal(mmio_r(0, APIC_TMR + 0x50), 1u << 3);
	vlapic_ack(a, 0xa3);
	assert_true(in_reg_array(0, APIC_TMR, 0xa3));
	vlapic_eoi(a);
	assert_false(in_reg_array(0, APIC_TMR, 0xa3));

	vlapic_accept_irq(a, 0xa4, true);
	vlapic_accept_irq(a, 0xa4, false);	/* re-accepted edge: TMR cleared */
	assert_false(in_reg_array(0, APIC_TMR, 0xa4));
}

/* APICv: TMR as the EOI-exit bitmap's source, and the EOI the CPU already retired. */
static void test_tmr_words_and_eoi_induced(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];
	uint64_t tmr[4];

	vlapic_accept_irq(a, 0x21, true);
	vlapic_accept_irq(a, 0x7f, true);
	vlapic_accept_irq(a, 0xc0, true);
	vlapic_tmr(a, tmr);
	assert_int_equal(tmr[0], 1ULL << 0x21);
	assert_int_equal(tmr[1], 1ULL << (0x7f - 64));
	assert_int_equal(tmr[2], 0);
	assert_int_equal(tmr[3], 1ULL << (0xc0 - 192));
	assert_int_equal(vlapic_highest_irr(a), 0xc0);
	assert_int_equal(vlapic_highest_isr(a), -1);

	vlapic_ack(a, 0xc0);
	assert_int_equal(vlapic_highest_isr(a), 0xc0);
	vlapic_set_reg(a, APIC_ISR + 0x60, 0);	/* what the CPU's virtual EOI does */
	vlapic_eoi_induced(a, 0xc0);
	vlapic_tmr(a, tmr);
	assert_int_equal(tmr[3], 0);
	assert_int_equal(vlapic_ppr(a), 0);
}

static void test_illegal_vector_sets_esr(void **state)
{
	(void)state;
	for (unsigned int v = 0; v < 16; v++)
		vlapic_accept_irq(&apics[1], v, false);
	assert_int_equal(mmio_r(1, APIC_IRR), 0);
	assert_int_equal(seen.kicks[1], 0);
	assert_int_equal(mmio_r(1, APIC_ESR), 0);	/* not yet latched */
	assert_int_equal(read_esr(1), APIC_ESR_RECV_ILLEGAL_VECTOR);
	assert_int_equal(read_esr(1), 0);

	mmio_w(0, APIC_ICR_HI, 1u << 24);
	mmio_w(0, APIC_ICR_LO, ICR_PHYS(APIC_DM_FIXED, 0x0f));
	assert_int_equal(read_esr(0), APIC_ESR_SEND_ILLEGAL_VECTOR);
	assert_int_equal(read_esr(1), 0);
}

static void test_error_raises_lvt_error(void **state)
{
	(void)state;
	mmio_w(1, APIC_LVT_ERROR, 0xe3);
	vlapic_accept_irq(&apics[1], 7, false);
	assert_true(irr_has(1, 0xe3));
	assert_int_equal(vlapic_pending_vector(&apics[1]), 0xe3);

	mmio_w(2, APIC_LVT_ERROR, 0x03);	/* an illegal error vector ends, once */
	vlapic_accept_irq(&apics[2], 7, false);
	assert_int_equal(mmio_r(2, APIC_IRR), 0);
	assert_int_equal(read_esr(2), APIC_ESR_RECV_ILLEGAL_VECTOR);
}

static void test_software_disable(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	mmio_w(1, APIC_LVT_TIMER, 0x20);
	mmio_w(1, APIC_LVT_LINT1, 0x400);
	vlapic_accept_irq(a, 0x50, false);
	mmio_w(1, APIC_SVR, 0xff);
	for (size_t l = 0; l < ARRAY_SIZE(lvts); l++)
		assert_true(mmio_r(1, lvts[l]) & APIC_LVT_MASKED);
	assert_int_equal(mmio_r(1, APIC_LVT_TIMER), 0x10020);
	mmio_w(1, APIC_LVT_TIMER, 0x21);
	assert_int_equal(mmio_r(1, APIC_LVT_TIMER), 0x10021);

	assert_int_equal(vlapic_pending_vector(a), -1);
	assert_true(irr_has(1, 0x50));			/* held */
	vlapic_accept_irq(a, 0x60, false);		/* not accepted */
	assert_false(irr_has(1, 0x60));
	mmio_w(0, APIC_ICR_HI, 1u << 24);
	mmio_w(0, APIC_ICR_LO, ICR_PHYS(APIC_DM_NMI, 0));
	assert_int_equal(seen.nmis[1], 1);

	mmio_w(1, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	assert_int_equal(vlapic_pending_vector(a), 0x50);
	assert_int_equal(mmio_r(1, APIC_LVT_TIMER), 0x10021);	/* stays masked */
}

/* ---- IA32_APIC_BASE and x2APIC ---- */

#define EN   APIC_BASE_EN
#define EXTD APIC_BASE_EXTD
#define BASE VLAPIC_DEFAULT_BASE

static void test_mode_transitions(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	assert_false(vlapic_set_base(a, BASE | EXTD));		/* invalid state */
	assert_true(vlapic_set_base(a, BASE));			/* disabled */
	assert_false(vlapic_xapic_enabled(a));
	assert_false(vlapic_set_base(a, BASE | EN | EXTD));	/* disabled -> x2APIC */
	assert_true(vlapic_set_base(a, BASE | EN));
	assert_true(vlapic_xapic_enabled(a));
	assert_true(vlapic_set_base(a, BASE | EN | EXTD));
	assert_true(vlapic_x2apic_enabled(a));
	assert_false(vlapic_xapic_enabled(a));
	assert_false(vlapic_set_base(a, BASE | EN));		/* x2APIC -> xAPIC */
	assert_false(vlapic_set_base(a, BASE | EXTD));
	assert_true(vlapic_set_base(a, BASE | EN | EXTD));	/* no change */
	assert_true(vlapic_set_base(a, BASE));			/* x2APIC -> disabled */
	assert_true(vlapic_set_base(a, BASE | EN));
	assert_true(vlapic_xapic_enabled(a));
	assert_int_equal(vlapic_get_base(a), BASE | EN);
}

static void test_base_reserved_bits(void **state)
{
	(void)state;
	static const uint64_t reserved[] = { BIT(0), BIT(7), BIT(9), 1ULL << 52, 1ULL << 63 };

	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		assert_false(vlapic_set_base(&apics[1], BASE | EN | reserved[i]));
	assert_int_equal(vlapic_get_base(&apics[1]), BASE | EN);
	assert_true(vlapic_set_base(&apics[1], BASE | EN | APIC_BASE_BSP));	/* BSP kept */
	assert_int_equal(vlapic_get_base(&apics[1]), BASE | EN);
	assert_true(vlapic_set_base(&apics[1], 0xfebff000 | EN));
	assert_int_equal(vlapic_get_base(&apics[1]), 0xfebff000 | EN);
}

static void test_disable_loses_state(void **state)
{
	(void)state;
	mmio_w(1, APIC_TPR, 0x30);
	vlapic_accept_irq(&apics[1], 0x50, false);
	enter_x2apic(1);
	assert_true(vlapic_set_base(&apics[1], BASE));
	assert_true(vlapic_set_base(&apics[1], BASE | EN));
	assert_reset_state(1);
}

static void test_x2apic_id_ldr_version(void **state)
{
	(void)state;
	mmio_w(1, APIC_TPR, 0x30);
	enter_x2apic(1);
	assert_int_equal(msr_r(1, APIC_ID), 1);
	assert_int_equal(msr_r(1, APIC_LDR), 1u << 1);
	assert_int_equal(msr_r(1, APIC_VERSION), 0x00060014);
	assert_int_equal(msr_r(1, APIC_TPR), 0x30);	/* kept across xAPIC -> x2APIC */
	assert_int_equal(vlapic_x2apic_ldr(0x25), 2u << 16 | 1u << 5);

	vlapic_reset(&apics[1]);			/* INIT keeps x2APIC mode */
	assert_true(vlapic_x2apic_enabled(&apics[1]));
	assert_int_equal(msr_r(1, APIC_ID), 1);
	assert_int_equal(msr_r(1, APIC_LDR), 1u << 1);
	assert_int_equal(msr_r(1, APIC_TPR), 0);
}

static void test_x2apic_msr_gp(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];
	uint64_t v;

	assert_false(vlapic_msr_read(a, MSR_X2APIC(APIC_ID), &v));	/* xAPIC mode */
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_TPR), 0));
	enter_x2apic(1);
	assert_false(vlapic_msr_read(a, 0x7ff, &v));
	assert_false(vlapic_msr_read(a, 0x900, &v));
	assert_false(vlapic_msr_read(a, MSR_X2APIC(APIC_APR), &v));
	assert_false(vlapic_msr_read(a, MSR_X2APIC(APIC_DFR), &v));
	assert_false(vlapic_msr_read(a, MSR_X2APIC(APIC_ICR_HI), &v));
	assert_false(vlapic_msr_read(a, MSR_X2APIC(APIC_EOI), &v));
	assert_false(vlapic_msr_read(a, MSR_X2APIC(APIC_SELF_IPI), &v));
	assert_false(vlapic_msr_read(a, MSR_X2APIC(APIC_ESR_PENDING), &v));
	assert_false(vlapic_msr_read(a, 0x804, &v));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_ID), 1));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_LDR), 0));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_DFR), 0));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_PPR), 0));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_IRR), 0));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_TIMER_CCR), 0));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_EOI), 1));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_ESR), 1));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_TPR), 0x100));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_TPR), 1ULL << 32));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_SVR), BIT(12)));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_LVT_TIMER), BIT(19)));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_SELF_IPI), 0x100));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_ICR_LO), BIT(12)));
	assert_false(vlapic_msr_write(a, MSR_X2APIC(APIC_ICR_LO), BIT(16)));

	assert_true(vlapic_msr_write(a, MSR_X2APIC(APIC_EOI), 0));
	assert_true(vlapic_msr_write(a, MSR_X2APIC(APIC_ESR), 0));
	assert_true(vlapic_msr_write(a, MSR_X2APIC(APIC_TPR), 0x20));
	assert_int_equal(msr_r(1, APIC_TPR), 0x20);
	assert_int_equal(msr_r(1, APIC_PPR), 0x20);
}

static void test_x2apic_mmio_not_served(void **state)
{
	(void)state;
	enter_x2apic(1);
	assert_int_equal(mmio_r(1, APIC_ID), 0);
	assert_int_equal(mmio_r(1, APIC_VERSION), 0);
	mmio_w(1, APIC_TPR, 0x40);
	assert_int_equal(msr_r(1, APIC_TPR), 0);
	assert_true(vlapic_set_base(&apics[2], BASE));	/* disabled: not served either */
	assert_int_equal(mmio_r(2, APIC_VERSION), 0);
}

static void test_x2apic_eoi_and_esr(void **state)
{
	(void)state;
	enter_x2apic(1);
	vlapic_accept_irq(&apics[1], 0x70, false);
	vlapic_ack(&apics[1], 0x70);
	assert_true(vlapic_msr_write(&apics[1], MSR_X2APIC(APIC_EOI), 0));
	assert_int_equal(msr_r(1, APIC_ISR + 0x30), 0);
	vlapic_accept_irq(&apics[1], 2, false);
	assert_true(vlapic_msr_write(&apics[1], MSR_X2APIC(APIC_ESR), 0));
	assert_int_equal(msr_r(1, APIC_ESR), APIC_ESR_RECV_ILLEGAL_VECTOR);
}

/* ---- auto-EOI delivery (SynIC) ---- */

/* The 8 registers of a 256-bit array (IRR, ISR, TMR) of APIC i. */
static void snapshot(unsigned int i, uint32_t base, uint32_t out[8])
{
	for (unsigned int r = 0; r < 8; r++)
		out[r] = vlapic_get_reg(&apics[i], base + 0x10 * r);
}

static void assert_array_unchanged(unsigned int i, uint32_t base, const uint32_t before[8])
{
	uint32_t now[8];

	snapshot(i, base, now);
	for (unsigned int r = 0; r < 8; r++)
		assert_int_equal(now[r], before[r]);
}

static void assert_array_empty(unsigned int i, uint32_t base)
{
	static const uint32_t zero[8];

	assert_array_unchanged(i, base, zero);
}

static void test_auto_eoi_accept_leaves_irr(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];
	uint32_t irr[8], isr[8], tmr[8];

	vlapic_accept_auto_eoi(a, 0x93);
	assert_array_empty(1, APIC_IRR);
	assert_array_empty(1, APIC_ISR);
	assert_array_empty(1, APIC_TMR);
	assert_int_equal(seen.kicks[1], 1);
	assert_int_equal(seen.kicks[0] + seen.kicks[2] + seen.kicks[3], 0);
	assert_int_equal(vlapic_highest_auto_eoi(a), 0x93);
	assert_int_equal(vlapic_highest_irr(a), -1);
	assert_int_equal(vlapic_pending_vector(a), -1);	/* not an IRR vector */
	assert_int_equal(vlapic_ppr(a), 0);

	/* with ordinary vectors already requested: IRR and TMR exactly as they were */
	vlapic_accept_irq(a, 0x41, true);
	vlapic_accept_irq(a, 0x62, false);
	vlapic_ack(a, 0x62);
	snapshot(1, APIC_IRR, irr);
	snapshot(1, APIC_ISR, isr);
	snapshot(1, APIC_TMR, tmr);
	vlapic_accept_auto_eoi(a, 0xb7);
	vlapic_accept_auto_eoi(a, 0x41);		/* also an IRR vector: kept apart */
	assert_array_unchanged(1, APIC_IRR, irr);
	assert_array_unchanged(1, APIC_ISR, isr);
	assert_array_unchanged(1, APIC_TMR, tmr);
	assert_int_equal(seen.kicks[1], 5);
	assert_int_equal(vlapic_highest_auto_eoi(a), 0xb7);
	assert_int_equal(vlapic_ppr(a), 0x60);
}

/* APIC assist's condition: the one vector in service, edge, nothing else requested. */
static void test_lone_edge_in_service(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	vlapic_accept_irq(a, 0x62, false);
	vlapic_ack(a, 0x62);
	assert_true(vlapic_lone_edge_in_service(a, 0x62));
	assert_false(vlapic_lone_edge_in_service(a, 0x63));	/* not the one in service */
	vlapic_accept_irq(a, 0x31, false);			/* requested below it */
	assert_false(vlapic_lone_edge_in_service(a, 0x62));
	vlapic_ack(a, 0x31);					/* nested: two in service */
	assert_false(vlapic_lone_edge_in_service(a, 0x31));
	vlapic_eoi(a);
	vlapic_eoi(a);
	vlapic_accept_irq(a, 0xa3, true);			/* level-triggered */
	vlapic_ack(a, 0xa3);
	assert_false(vlapic_lone_edge_in_service(a, 0xa3));
	vlapic_eoi(a);
	vlapic_accept_irq(a, 0x62, false);
	vlapic_ack(a, 0x62);
	vlapic_accept_auto_eoi(a, 0x93);			/* an auto-EOI vector waits */
	assert_false(vlapic_lone_edge_in_service(a, 0x62));
	vlapic_ack_auto_eoi(a, 0x93);
	assert_true(vlapic_lone_edge_in_service(a, 0x62));
}

static void test_auto_eoi_software_disabled(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	mmio_w(1, APIC_SVR, 0xff);
	vlapic_accept_auto_eoi(a, 0x93);
	assert_int_equal(vlapic_highest_auto_eoi(a), -1);
	assert_int_equal(seen.kicks[1], 0);
	assert_array_empty(1, APIC_IRR);
	mmio_w(1, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	assert_int_equal(vlapic_highest_auto_eoi(a), -1);	/* not kept for later */
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);

	/* one accepted before the disable waits, but is not deliverable meanwhile */
	vlapic_accept_auto_eoi(a, 0x94);
	mmio_w(1, APIC_SVR, 0xff);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	mmio_w(1, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x94);
}

static void test_auto_eoi_illegal_vector(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	for (unsigned int v = 0; v < APIC_FIRST_LEGAL_VECTOR; v++) {
		vlapic_accept_auto_eoi(a, v);
		assert_int_equal(vlapic_highest_auto_eoi(a), -1);
		assert_int_equal(vlapic_get_reg(a, APIC_ESR_PENDING), APIC_ESR_RECV_ILLEGAL_VECTOR);
	}
	assert_int_equal(seen.kicks[1], 0);
	assert_array_empty(1, APIC_IRR);
	assert_int_equal(mmio_r(1, APIC_ESR), 0);	/* pending, not yet latched */
	assert_int_equal(read_esr(1), APIC_ESR_RECV_ILLEGAL_VECTOR);
	assert_int_equal(read_esr(1), 0);

	/* like a fixed interrupt, the error raises the LVT error vector (into IRR) */
	mmio_w(1, APIC_LVT_ERROR, 0xe3);
	vlapic_accept_auto_eoi(a, 0x0f);
	assert_true(irr_has(1, 0xe3));
	assert_int_equal(vlapic_highest_auto_eoi(a), -1);
}

static void test_auto_eoi_pending_above_ppr(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	assert_int_equal(vlapic_pending_auto_eoi(a), -1);	/* none waiting */
	vlapic_accept_auto_eoi(a, 0x93);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);
	vlapic_accept_irq(a, 0x45, false);			/* a lower IRR vector */
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);
	vlapic_accept_irq(a, 0x92, false);			/* lower, same class */
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);
}

static void test_auto_eoi_masked_by_tpr(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_auto_eoi(a, 0x93);
	mmio_w(0, APIC_TPR, 0x90);		/* same class */
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	mmio_w(0, APIC_TPR, 0x9f);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	mmio_w(0, APIC_TPR, 0xa0);		/* higher class */
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	assert_true(vlapic_cr8_write(a, 0xf));
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	mmio_w(0, APIC_TPR, 0x8f);		/* lower class */
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);
	mmio_w(0, APIC_TPR, 0);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);
	assert_int_equal(vlapic_highest_auto_eoi(a), 0x93);	/* never lost meanwhile */
}

static void test_auto_eoi_blocked_by_isr(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_irq(a, 0xa1, false);	/* higher class in service */
	vlapic_ack(a, 0xa1);
	vlapic_accept_auto_eoi(a, 0x93);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	vlapic_eoi(a);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);

	vlapic_accept_irq(a, 0x9a, false);	/* same class, higher vector in service */
	vlapic_ack(a, 0x9a);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	vlapic_eoi(a);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);

	vlapic_accept_irq(a, 0x91, false);	/* same class, lower vector: still blocks */
	vlapic_ack(a, 0x91);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	vlapic_eoi(a);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);
}

static void test_auto_eoi_irr_goes_first(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_auto_eoi(a, 0x93);
	vlapic_accept_irq(a, 0xa1, false);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	assert_int_equal(vlapic_pending_vector(a), 0xa1);
	vlapic_ack(a, 0xa1);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);	/* 0xa1 now in service */
	vlapic_eoi(a);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);

	vlapic_accept_irq(a, 0x95, false);	/* higher vector of the same class */
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	vlapic_ack(a, 0x95);
	vlapic_eoi(a);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);

	vlapic_accept_irq(a, 0x93, false);	/* the same vector in IRR: the IRR's first */
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	assert_int_equal(vlapic_pending_vector(a), 0x93);
	vlapic_ack(a, 0x93);
	vlapic_eoi(a);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);
}

/* An auto-EOI vector preempts a lower-priority interrupt in service. */
static void test_auto_eoi_preempts_lower_in_service(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_irq(a, 0x41, false);
	vlapic_ack(a, 0x41);
	assert_int_equal(vlapic_ppr(a), 0x40);
	vlapic_accept_auto_eoi(a, 0x93);
	assert_int_equal(vlapic_pending_auto_eoi(a), 0x93);

	vlapic_ack_auto_eoi(a, 0x93);
	assert_int_equal(vlapic_highest_auto_eoi(a), -1);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	assert_int_equal(vlapic_highest_isr(a), 0x41);	/* 0x93 never entered ISR */
	assert_int_equal(vlapic_ppr(a), 0x40);

	/* the guest's EOI (handler of 0x41) retires 0x41, not the auto-EOI vector */
	mmio_w(0, APIC_EOI, 0);
	assert_int_equal(seen.eois[0], 1);
	assert_int_equal(seen.eoi_vector, 0x41);
	assert_int_equal(vlapic_highest_isr(a), -1);
	assert_int_equal(vlapic_ppr(a), 0);
}

static void test_auto_eoi_ack(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];
	static const uint8_t order[] = { 0xff, 0xc3, 0x93, 0x80, 0x7f, 0x51, 0x50, 0x40, 0x3f, 0x10 };
	uint32_t isr[8];

	vlapic_accept_irq(a, 0x21, false);	/* something in service, PPR from it */
	vlapic_ack(a, 0x21);
	mmio_w(0, APIC_TPR, 0x05);
	snapshot(0, APIC_ISR, isr);
	for (size_t i = ARRAY_SIZE(order); i-- > 0;)	/* requested lowest first */
		vlapic_accept_auto_eoi(a, order[i]);
	vlapic_accept_auto_eoi(a, 0x93);		/* twice: still one */
	assert_int_equal(seen.kicks[0], 1 + ARRAY_SIZE(order) + 1);

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int expect = (order[i] & 0xf0) > 0x20 ? order[i] : -1;

		assert_int_equal(vlapic_highest_auto_eoi(a), order[i]);
		assert_int_equal(vlapic_pending_auto_eoi(a), expect);
		vlapic_ack_auto_eoi(a, order[i]);
		assert_array_unchanged(0, APIC_ISR, isr);
		assert_int_equal(vlapic_ppr(a), 0x20);
		assert_array_empty(0, APIC_IRR);
	}
	assert_int_equal(vlapic_highest_auto_eoi(a), -1);
	assert_int_equal(vlapic_pending_auto_eoi(a), -1);
	vlapic_ack_auto_eoi(a, 0x93);			/* none waiting: harmless */
	assert_int_equal(vlapic_highest_auto_eoi(a), -1);
	assert_int_equal(seen.eois[0], 0);		/* acknowledging is no EOI */
}

static void test_auto_eoi_ack_leaves_others(void **state)
{
	(void)state;
	struct vlapic *a = &apics[0];

	vlapic_accept_auto_eoi(a, 0x93);
	vlapic_accept_auto_eoi(a, 0x50);
	vlapic_ack_auto_eoi(a, 0x50);			/* not the highest */
	assert_int_equal(vlapic_highest_auto_eoi(a), 0x93);
	vlapic_ack_auto_eoi(a, 0x93);
	assert_int_equal(vlapic_highest_auto_eoi(a), -1);
}

static void test_auto_eoi_dropped_by_init(void **state)
{
	(void)state;
	vlapic_accept_auto_eoi(&apics[2], 0x93);
	vlapic_accept_auto_eoi(&apics[2], 0x22);
	vlapic_accept_auto_eoi(&apics[2], 0xfe);
	vlapic_reset(&apics[2]);
	assert_int_equal(vlapic_highest_auto_eoi(&apics[2]), -1);
	mmio_w(2, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	assert_int_equal(vlapic_pending_auto_eoi(&apics[2]), -1);

	/* and by a hardware disable, which resets the APIC too */
	vlapic_accept_auto_eoi(&apics[3], 0x93);
	assert_true(vlapic_set_base(&apics[3], BASE));
	assert_true(vlapic_set_base(&apics[3], BASE | EN));
	assert_int_equal(vlapic_highest_auto_eoi(&apics[3]), -1);
}

/* ---- the eoi hook ---- */

static void test_eoi_hook_on_eoi_write(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	vlapic_accept_irq(a, 0x61, false);
	vlapic_ack(a, 0x61);
	vlapic_accept_irq(a, 0x81, true);
	vlapic_ack(a, 0x81);
	assert_int_equal(seen.eois[1], 0);

	mmio_w(1, APIC_EOI, 0);
	assert_int_equal(seen.eois[1], 1);
	assert_int_equal(seen.eoi_vector, 0x81);
	assert_true(seen.eoi_level);
	vlapic_eoi(a);
	assert_int_equal(seen.eois[1], 2);
	assert_int_equal(seen.eoi_vector, 0x61);
	assert_false(seen.eoi_level);
	mmio_w(1, APIC_EOI, 0);			/* nothing in service: no call */
	vlapic_eoi(a);
	assert_int_equal(seen.eois[1], 2);
	assert_int_equal(seen.eois[0] + seen.eois[2] + seen.eois[3], 0);

	enter_x2apic(1);			/* the x2APIC EOI MSR too */
	vlapic_accept_irq(a, 0x72, false);
	vlapic_ack(a, 0x72);
	assert_true(vlapic_msr_write(a, MSR_X2APIC(APIC_EOI), 0));
	assert_int_equal(seen.eois[1], 3);
	assert_int_equal(seen.eoi_vector, 0x72);
	assert_true(vlapic_msr_write(a, MSR_X2APIC(APIC_EOI), 0));
	assert_int_equal(seen.eois[1], 3);
}

static void test_eoi_write_leaves_auto_eoi(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	/* an auto-EOI vector waiting is not retired by an EOI write */
	vlapic_accept_auto_eoi(a, 0x93);
	vlapic_eoi(a);
	assert_int_equal(seen.eois[1], 0);
	assert_int_equal(vlapic_highest_auto_eoi(a), 0x93);
}

static void test_eoi_hook_on_eoi_induced(void **state)
{
	(void)state;
	struct vlapic *a = &apics[2];

	vlapic_accept_irq(a, 0x77, true);
	vlapic_ack(a, 0x77);
	vlapic_set_reg(a, APIC_ISR + 0x30, 0);	/* what the CPU's virtual EOI does */
	vlapic_eoi_induced(a, 0x77);
	assert_int_equal(seen.eois[2], 1);
	assert_int_equal(seen.eoi_vector, 0x77);
	assert_true(seen.eoi_level);
	assert_false(in_reg_array(2, APIC_TMR, 0x77));
	assert_int_equal(vlapic_ppr(a), 0);

	vlapic_eoi_induced(a, 0x35);		/* whatever the CPU reports */
	assert_int_equal(seen.eois[2], 2);
	assert_int_equal(seen.eoi_vector, 0x35);
	assert_false(seen.eoi_level);
	assert_int_equal(seen.eois[0] + seen.eois[1] + seen.eois[3], 0);
}

static void test_eoi_hook_is_optional(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	group.hooks = &hooks_no_eoi;
	vlapic_accept_irq(a, 0x61, true);
	vlapic_ack(a, 0x61);
	mmio_w(1, APIC_EOI, 0);
	assert_int_equal(vlapic_highest_isr(a), -1);
	assert_false(in_reg_array(1, APIC_TMR, 0x61));
	vlapic_eoi(a);
	vlapic_accept_irq(a, 0x62, true);
	vlapic_ack(a, 0x62);
	vlapic_set_reg(a, APIC_ISR + 0x30, 0);
	vlapic_eoi_induced(a, 0x62);
	assert_false(in_reg_array(1, APIC_TMR, 0x62));
	assert_int_equal(vlapic_ppr(a), 0);
	assert_int_equal(seen.eois[1], 0);
	group.hooks = &hooks;
}

/* ---- IPIs ---- */

static void send_xapic(unsigned int from, uint8_t dest, uint32_t icr_lo)
{
	mmio_w(from, APIC_ICR_HI, (uint32_t)dest << 24);
	mmio_w(from, APIC_ICR_LO, icr_lo);
}

static void send_x2apic(unsigned int from, uint32_t dest, uint32_t icr_lo)
{
	assert_true(vlapic_msr_write(&apics[from], MSR_X2APIC(APIC_ICR_LO),
				     (uint64_t)dest << 32 | icr_lo));
}

/* The APICs (bit i for APIC i) that have vector in IRR. */
static unsigned int receivers(uint8_t vector)
{
	unsigned int mask = 0;

	for (unsigned int i = 0; i < NR_APICS; i++)
		if (irr_has(i, vector))
			mask |= 1u << i;
	return mask;
}

static void test_ipi_physical(void **state)
{
	(void)state;
	send_xapic(0, 2, ICR_PHYS(APIC_DM_FIXED, 0x40));
	assert_int_equal(receivers(0x40), 1u << 2);
	assert_int_equal(seen.kicks[2], 1);
	assert_int_equal(mmio_r(0, APIC_ICR_LO), ICR_PHYS(APIC_DM_FIXED, 0x40));	/* idle */
	assert_int_equal(mmio_r(0, APIC_ICR_HI), 2u << 24);

	send_xapic(0, 7, ICR_PHYS(APIC_DM_FIXED, 0x41));		/* nobody */
	assert_int_equal(receivers(0x41), 0);
	send_xapic(3, 0xff, ICR_PHYS(APIC_DM_FIXED, 0x42));	/* broadcast */
	assert_int_equal(receivers(0x42), 0xf);
}

static void test_ipi_delivery_status_reads_idle(void **state)
{
	(void)state;
	send_xapic(0, 1, ICR_PHYS(APIC_DM_FIXED, 0x40) | BIT(12));
	assert_int_equal(mmio_r(0, APIC_ICR_LO) & BIT(12), 0);
	assert_int_equal(receivers(0x40), 1u << 1);
}

static void test_ipi_logical_flat(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_APICS; i++)
		mmio_w(i, APIC_LDR, 1u << (24 + i));
	send_xapic(0, 0x05, ICR_LOG(APIC_DM_FIXED, 0x50));
	assert_int_equal(receivers(0x50), 0x5);
	send_xapic(0, 0xf0, ICR_LOG(APIC_DM_FIXED, 0x51));
	assert_int_equal(receivers(0x51), 0);
	send_xapic(0, 0xff, ICR_LOG(APIC_DM_FIXED, 0x52));
	assert_int_equal(receivers(0x52), 0xf);
}

static void test_ipi_logical_cluster(void **state)
{
	(void)state;
	static const uint32_t ldr[NR_APICS] = { 0x11, 0x12, 0x21, 0x22 };

	for (unsigned int i = 0; i < NR_APICS; i++) {
		mmio_w(i, APIC_DFR, APIC_DFR_CLUSTER);
		mmio_w(i, APIC_LDR, ldr[i] << 24);
	}
	send_xapic(0, 0x13, ICR_LOG(APIC_DM_FIXED, 0x60));
	assert_int_equal(receivers(0x60), 0x3);
	send_xapic(0, 0x22, ICR_LOG(APIC_DM_FIXED, 0x61));
	assert_int_equal(receivers(0x61), 1u << 3);
	send_xapic(0, 0x34, ICR_LOG(APIC_DM_FIXED, 0x62));
	assert_int_equal(receivers(0x62), 0);
	send_xapic(0, 0xff, ICR_LOG(APIC_DM_FIXED, 0x63));
	assert_int_equal(receivers(0x63), 0xf);
}

static void test_ipi_x2apic_destinations(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_APICS; i++)
		enter_x2apic(i);
	send_x2apic(0, 3, ICR_PHYS(APIC_DM_FIXED, 0x70));
	assert_int_equal(receivers(0x70), 1u << 3);
	send_x2apic(0, 0x103, ICR_PHYS(APIC_DM_FIXED, 0x71));	/* no 8-bit truncation */
	assert_int_equal(receivers(0x71), 0);
	send_x2apic(0, 0xffffffff, ICR_PHYS(APIC_DM_FIXED, 0x72));
	assert_int_equal(receivers(0x72), 0xf);
	send_x2apic(0, 0x0000000a, ICR_LOG(APIC_DM_FIXED, 0x73));	/* cluster 0 */
	assert_int_equal(receivers(0x73), 0xa);
	send_x2apic(0, 0x0001000f, ICR_LOG(APIC_DM_FIXED, 0x74));	/* cluster 1 */
	assert_int_equal(receivers(0x74), 0);
	assert_int_equal(msr_r(0, APIC_ICR_LO), 0x0001000fULL << 32 | ICR_LOG(APIC_DM_FIXED, 0x74));
}

static void test_ipi_shorthands(void **state)
{
	(void)state;
	send_xapic(1, 0, ICR_PHYS(APIC_DM_FIXED, 0x80) | SHORTHAND(APIC_DEST_SELF));
	assert_int_equal(receivers(0x80), 1u << 1);
	send_xapic(1, 0, ICR_PHYS(APIC_DM_FIXED, 0x81) | SHORTHAND(APIC_DEST_ALL));
	assert_int_equal(receivers(0x81), 0xf);
	send_xapic(1, 0, ICR_PHYS(APIC_DM_FIXED, 0x82) | SHORTHAND(APIC_DEST_ALL_BUT_SELF));
	assert_int_equal(receivers(0x82), 0xd);
}

static void test_ipi_skips_hardware_disabled(void **state)
{
	(void)state;
	assert_true(vlapic_set_base(&apics[2], BASE));
	send_xapic(0, 0xff, ICR_PHYS(APIC_DM_FIXED, 0x90));
	assert_int_equal(receivers(0x90), 0xb);
	send_xapic(0, 0, ICR_PHYS(APIC_DM_INIT, 0) | SHORTHAND(APIC_DEST_ALL_BUT_SELF));
	assert_int_equal(seen.inits[2], 0);
	assert_int_equal(seen.inits[1], 1);
}

static void test_ipi_lowest_priority_first_match(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_APICS; i++)
		mmio_w(i, APIC_LDR, 1u << (24 + i));
	send_xapic(0, 0x0c, ICR_LOG(APIC_DM_LOWEST, 0x91));
	assert_int_equal(receivers(0x91), 1u << 2);
}

static void test_ipi_nmi_init_sipi(void **state)
{
	(void)state;
	send_xapic(0, 1, ICR_PHYS(APIC_DM_NMI, 0));
	assert_int_equal(seen.nmis[1], 1);
	send_xapic(0, 1, ICR_PHYS(APIC_DM_INIT, 0));
	assert_int_equal(seen.inits[1], 1);
	send_xapic(0, 1, APIC_DM_INIT << 8 | APIC_ICR_TRIGGER_LEVEL);	/* de-assert */
	assert_int_equal(seen.inits[1], 1);
	send_xapic(0, 1, ICR_PHYS(APIC_DM_SIPI, 0x9a));
	assert_int_equal(seen.sipis[1], 1);
	assert_int_equal(seen.sipi_vector, 0x9a);
	send_xapic(0, 0, ICR_PHYS(APIC_DM_SIPI, 0x10) | SHORTHAND(APIC_DEST_ALL_BUT_SELF));
	assert_int_equal(seen.sipis[0], 0);
	assert_int_equal(seen.sipis[3], 1);
	assert_int_equal(seen.sipi_vector, 0x10);
	assert_int_equal(receivers(0x9a), 0);
	assert_int_equal(mmio_r(1, APIC_IRR), 0);
	assert_int_equal(read_esr(0), 0);	/* vector 0 is fine outside fixed mode */
}

static void test_x2apic_self_ipi(void **state)
{
	(void)state;
	enter_x2apic(2);
	assert_true(vlapic_msr_write(&apics[2], MSR_X2APIC(APIC_SELF_IPI), 0xb1));
	assert_int_equal(receivers(0xb1), 1u << 2);
	assert_int_equal(seen.kicks[2], 1);
	assert_true(vlapic_msr_write(&apics[2], MSR_X2APIC(APIC_SELF_IPI), 0x05));
	assert_true(vlapic_msr_write(&apics[2], MSR_X2APIC(APIC_ESR), 0));
	assert_int_equal(msr_r(2, APIC_ESR), APIC_ESR_SEND_ILLEGAL_VECTOR);
}

/* ---- timer ---- */

static void start_timer(unsigned int i, uint32_t lvt, uint32_t dcr, uint32_t count)
{
	mmio_w(i, APIC_LVT_TIMER, lvt);
	mmio_w(i, APIC_TIMER_DCR, dcr);
	mmio_w(i, APIC_TIMER_ICR, count);
}

static void test_timer_divide_values(void **state)
{
	(void)state;
	static const struct { uint32_t dcr, divisor; } divs[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(divs); i++) {
		fake_tsc = T0 + i;
		start_timer(1, 0x30, divs[i].dcr, 1000);
		assert_int_equal(apics[1].timer_start, fake_tsc);
		assert_int_equal(vlapic_timer_deadline(&apics[1]),
				 fake_tsc + 1000ULL * divs[i].divisor * TSC_PER_TICK);
	}
}

static void test_timer_one_shot(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];
	uint64_t deadline = T0 + 1000 * 2 * TSC_PER_TICK;

	start_timer(1, 0x30, 0x0, 1000);
	assert_int_equal(seen.timer_changes, 1);
	assert_int_equal(vlapic_timer_deadline(a), deadline);
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 1000);
	fake_tsc += 100 * 2 * TSC_PER_TICK;
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 900);
	fake_tsc += 2 * TSC_PER_TICK - 1;
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 900);
	fake_tsc = deadline - 1;
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 1);
	vlapic_timer_expired(a);				/* too early: nothing */
	assert_false(irr_has(1, 0x30));

	fake_tsc = deadline;
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 0);
	vlapic_timer_expired(a);
	assert_true(irr_has(1, 0x30));
	assert_int_equal(seen.kicks[1], 1);
	assert_int_equal(vlapic_timer_deadline(a), 0);
	assert_int_equal(seen.timer_changes, 2);
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 0);
	assert_int_equal(mmio_r(1, APIC_TIMER_ICR), 1000);
}

static void test_timer_stop_with_zero_count(void **state)
{
	(void)state;
	start_timer(1, 0x30, 0xb, 1000);
	mmio_w(1, APIC_TIMER_ICR, 0);
	assert_int_equal(vlapic_timer_deadline(&apics[1]), 0);
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 0);
}

static void test_timer_periodic_rearms(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];
	const uint64_t period = 500 * 4 * TSC_PER_TICK;

	start_timer(1, 0x31 | APIC_TIMER_PERIODIC << 17, 0x1, 500);
	fake_tsc = T0 + period;
	vlapic_timer_expired(a);
	assert_true(irr_has(1, 0x31));
	assert_int_equal(vlapic_timer_deadline(a), T0 + 2 * period);
	fake_tsc = T0 + period + 100 * 4 * TSC_PER_TICK;
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 400);

	fake_tsc = T0 + 4 * period + 7;	/* late: the next expiry stays on the grid */
	vlapic_timer_expired(a);
	assert_int_equal(vlapic_timer_deadline(a), T0 + 5 * period);
	assert_int_equal(seen.kicks[1], 2);
}

static void test_timer_masked_does_not_fire(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];
	const uint64_t period = 10 * 1 * TSC_PER_TICK;

	start_timer(1, 0x32 | APIC_LVT_MASKED | APIC_TIMER_PERIODIC << 17, 0xb, 10);
	fake_tsc = T0 + period;
	vlapic_timer_expired(a);
	assert_false(irr_has(1, 0x32));
	assert_int_equal(seen.kicks[1], 0);
	assert_int_equal(vlapic_timer_deadline(a), T0 + 2 * period);	/* still counting */
}

static void test_timer_divide_change_retimes(void **state)
{
	(void)state;
	start_timer(1, 0x30, 0xb, 1000);
	fake_tsc = T0 + 100 * TSC_PER_TICK;
	mmio_w(1, APIC_TIMER_DCR, 0x0);
	assert_int_equal(vlapic_timer_deadline(&apics[1]), T0 + 2000 * TSC_PER_TICK);
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 950);
}

static void test_timer_tsc_deadline(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	vlapic_tsc_deadline_write(a, T0 + 50, T0 + 50);		/* not in deadline mode: ignored */
	assert_int_equal(vlapic_tsc_deadline_read(a), 0);
	assert_int_equal(vlapic_timer_deadline(a), 0);

	start_timer(1, 0x33, 0xb, 1000);
	mmio_w(1, APIC_LVT_TIMER, 0x33 | APIC_TIMER_TSC_DEADLINE << 17);
	assert_int_equal(vlapic_timer_deadline(a), 0);	/* mode switch disarms */
	assert_int_equal(mmio_r(1, APIC_TIMER_ICR), 0);
	mmio_w(1, APIC_TIMER_ICR, 1000);		/* ignored in deadline mode */
	assert_int_equal(mmio_r(1, APIC_TIMER_ICR), 0);
	assert_int_equal(vlapic_timer_deadline(a), 0);

	vlapic_tsc_deadline_write(a, T0 + 5000, T0 + 5000);
	assert_int_equal(vlapic_tsc_deadline_read(a), T0 + 5000);
	assert_int_equal(vlapic_timer_deadline(a), T0 + 5000);
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 0);
	fake_tsc = T0 + 5000;
	vlapic_timer_expired(a);
	assert_true(irr_has(1, 0x33));
	assert_int_equal(vlapic_tsc_deadline_read(a), 0);
	assert_int_equal(vlapic_timer_deadline(a), 0);

	/* The guest's TSC runs 1000 behind: the register holds its value, the timer the host's. */
	vlapic_tsc_deadline_write(a, T0 + 8000, T0 + 9000);
	assert_int_equal(vlapic_tsc_deadline_read(a), T0 + 8000);
	assert_int_equal(vlapic_timer_deadline(a), T0 + 9000);
	vlapic_tsc_deadline_write(a, 0, T0 + 9000);	/* 0 disarms, whatever it maps to */
	assert_int_equal(vlapic_timer_deadline(a), 0);
	vlapic_tsc_deadline_write(a, T0 + 9000, T0 + 9000);
	vlapic_tsc_deadline_write(a, 0, 0);		/* disarms */
	assert_int_equal(vlapic_timer_deadline(a), 0);
	vlapic_tsc_deadline_write(a, T0 + 9000, T0 + 9000);
	mmio_w(1, APIC_LVT_TIMER, 0x33);		/* leaving deadline mode disarms */
	assert_int_equal(vlapic_timer_deadline(a), 0);
	assert_int_equal(vlapic_tsc_deadline_read(a), 0);
}

/*
 * Found by the guest fuzzer under Bochs APICv (seed=1): an initial-count
 * write in TSC-deadline mode reaches the model as an APIC-write trap, after
 * the CPU stored the value; the register read the value back instead of the
 * 0 an ignored write leaves (SDM 11.5.4.1).
 */
static void test_timer_tsc_deadline_initial_count_trap_ignored(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	mmio_w(1, APIC_LVT_TIMER, 0x33 | APIC_TIMER_TSC_DEADLINE << 17);
	vlapic_tsc_deadline_write(a, T0 + 5000, T0 + 5000);
	a->regs[APIC_TIMER_ICR >> 2] = 0x1fffff;	/* what the CPU stored */
	vlapic_apic_write_trap(a, APIC_TIMER_ICR);
	assert_int_equal(mmio_r(1, APIC_TIMER_ICR), 0);
	assert_int_equal(mmio_r(1, APIC_TIMER_CCR), 0);
	assert_int_equal(vlapic_timer_deadline(a), T0 + 5000);	/* the deadline stays armed */
}

/*
 * Found by the guest fuzzer under Bochs APICv (seed=1 of make fuzz): an LVT
 * write that switches the timer into TSC-deadline mode traps after the CPU
 * stored it, so the old mode read from the page was already the new one, the
 * switch went unseen and the running count-down and initial count stayed.
 */
static void test_timer_mode_switch_trap_disarms(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];

	start_timer(1, 0x33, 0xb, 1000);
	a->regs[APIC_LVT_TIMER >> 2] = 0x33 | APIC_TIMER_TSC_DEADLINE << 17; /* what the CPU stored */
	vlapic_apic_write_trap(a, APIC_LVT_TIMER);
	assert_int_equal(mmio_r(1, APIC_TIMER_ICR), 0);
	assert_int_equal(vlapic_timer_deadline(a), 0);
	a->regs[APIC_LVT_TIMER >> 2] = 0x33;			/* and back to one-shot */
	vlapic_tsc_deadline_write(a, T0 + 5000, T0 + 5000);
	vlapic_apic_write_trap(a, APIC_LVT_TIMER);
	assert_int_equal(vlapic_timer_deadline(a), 0);
	assert_int_equal(vlapic_tsc_deadline_read(a), 0);
}

/* Found by the fuzzer under APICv: an xAPIC ID write the CPU stored stayed in the page. */
static void test_id_write_trap_keeps_the_id(void **state)
{
	(void)state;
	struct vlapic *a = &apics[1];
	uint32_t id = mmio_r(1, APIC_ID);

	a->regs[APIC_ID >> 2] = 0xd50c2186;	/* what the CPU stored */
	vlapic_apic_write_trap(a, APIC_ID);
	assert_int_equal(mmio_r(1, APIC_ID), id);
}

static void test_timer_through_x2apic_msrs(void **state)
{
	(void)state;
	enter_x2apic(1);
	assert_true(vlapic_msr_write(&apics[1], MSR_X2APIC(APIC_LVT_TIMER), 0x34));
	assert_true(vlapic_msr_write(&apics[1], MSR_X2APIC(APIC_TIMER_DCR), 0x3));
	assert_true(vlapic_msr_write(&apics[1], MSR_X2APIC(APIC_TIMER_ICR), 100));
	assert_int_equal(vlapic_timer_deadline(&apics[1]), T0 + 100 * 16 * TSC_PER_TICK);
	fake_tsc += 16 * TSC_PER_TICK;
	assert_int_equal(msr_r(1, APIC_TIMER_CCR), 99);
}

/* ---- bus messages (I/O APIC, MSI) ---- */

static void msg(uint8_t dest, bool logical, unsigned int dm, uint8_t vector, bool level)
{
	vlapic_deliver_msg(&group, dest, logical, dm, vector, level);
}

static void test_msg_physical(void **state)
{
	(void)state;
	msg(1, false, APIC_DM_FIXED, 0x40, false);
	assert_int_equal(receivers(0x40), 1u << 1);
	assert_int_equal(seen.kicks[1], 1);
	msg(7, false, APIC_DM_FIXED, 0x41, false);		/* nobody */
	assert_int_equal(receivers(0x41), 0);
	msg(0xff, false, APIC_DM_FIXED, 0x42, false);		/* broadcast */
	assert_int_equal(receivers(0x42), 0xf);
	vlapic_deliver_msg(&group, 0x102, false, APIC_DM_FIXED, 0x43, false);	/* 8 bits: APIC 2 */
	assert_int_equal(receivers(0x43), 1u << 2);
}

static void test_msg_logical_and_lowest(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_APICS; i++)
		mmio_w(i, APIC_LDR, 1u << (24 + i));
	msg(0x05, true, APIC_DM_FIXED, 0x50, false);
	assert_int_equal(receivers(0x50), 0x5);
	msg(0x0c, true, APIC_DM_LOWEST, 0x51, false);		/* the first match */
	assert_int_equal(receivers(0x51), 1u << 2);
	msg(0xff, false, APIC_DM_LOWEST, 0x52, false);
	assert_int_equal(receivers(0x52), 1u << 0);

	for (unsigned int i = 0; i < NR_APICS; i++)		/* cluster: 0x11 0x12 0x21 0x22 */
		mmio_w(i, APIC_DFR, APIC_DFR_CLUSTER);
	for (unsigned int i = 0; i < NR_APICS; i++)
		mmio_w(i, APIC_LDR, ((i / 2 + 1) << 4 | 1u << (i % 2)) << 24);
	msg(0x23, true, APIC_DM_FIXED, 0x53, false);
	assert_int_equal(receivers(0x53), 0xc);
}

/* Each target reads the 8 bits in its own mode: APICs 0, 1 xAPIC, 2, 3 x2APIC. */
static void test_msg_x2apic_targets(void **state)
{
	(void)state;
	enter_x2apic(2);
	enter_x2apic(3);
	mmio_w(0, APIC_LDR, 1u << 24);
	mmio_w(1, APIC_LDR, 1u << 25);
	msg(2, false, APIC_DM_FIXED, 0x60, false);
	assert_int_equal(receivers(0x60), 1u << 2);
	msg(0xff, false, APIC_DM_FIXED, 0x61, false);		/* broadcast for both modes */
	assert_int_equal(receivers(0x61), 0xf);
	msg(0x0c, true, APIC_DM_FIXED, 0x62, false);		/* x2APIC cluster 0, IDs 2, 3 */
	assert_int_equal(receivers(0x62), 0xc);
	msg(0x03, true, APIC_DM_FIXED, 0x63, false);		/* xAPIC LDRs 1, 2 */
	assert_int_equal(receivers(0x63), 0x3);
	msg(0xff, true, APIC_DM_FIXED, 0x64, false);
	assert_int_equal(receivers(0x64), 0xf);
}

static void test_msg_level_sets_tmr(void **state)
{
	(void)state;
	msg(3, false, APIC_DM_FIXED, 0x70, true);
	assert_true(irr_has(3, 0x70));
	assert_true(in_reg_array(3, APIC_TMR, 0x70));
	msg(3, false, APIC_DM_FIXED, 0x71, false);
	assert_true(irr_has(3, 0x71));
	assert_false(in_reg_array(3, APIC_TMR, 0x71));
}

static void test_msg_illegal_vector_dropped(void **state)
{
	(void)state;
	msg(1, false, APIC_DM_FIXED, 0x0f, false);
	msg(0xff, false, APIC_DM_LOWEST, 0x05, true);
	for (unsigned int i = 0; i < NR_APICS; i++) {
		assert_int_equal(mmio_r(i, APIC_IRR), 0);
		assert_int_equal(mmio_r(i, APIC_TMR), 0);
		assert_int_equal(seen.kicks[i], 0);
	}
	assert_int_equal(read_esr(1), APIC_ESR_RECV_ILLEGAL_VECTOR);	/* SDM 11.5.3 */
	assert_int_equal(read_esr(0), APIC_ESR_RECV_ILLEGAL_VECTOR);	/* the lowest-priority pick */
	assert_int_equal(read_esr(2), 0);
}

static void test_msg_nmi_init_via_hooks(void **state)
{
	(void)state;
	msg(2, false, APIC_DM_NMI, 0, false);
	assert_int_equal(seen.nmis[2], 1);
	msg(0xff, false, APIC_DM_INIT, 0, true);		/* trigger mode ignored */
	for (unsigned int i = 0; i < NR_APICS; i++)
		assert_int_equal(seen.inits[i], 1);
	msg(1, false, APIC_DM_SIPI, 0x9a, false);		/* no bus message */
	msg(1, false, APIC_DM_SMI, 0x9b, false);
	msg(1, false, 7, 0x9c, false);				/* ExtINT */
	assert_int_equal(seen.sipis[1], 0);
	assert_int_equal(seen.nmis[1], 0);
	assert_int_equal(mmio_r(1, APIC_IRR + 0x40), 0);
	assert_int_equal(seen.kicks[1], 0);
}

static void test_msg_skips_hardware_disabled(void **state)
{
	(void)state;
	assert_true(vlapic_set_base(&apics[2], BASE));
	msg(0xff, false, APIC_DM_FIXED, 0x80, false);
	assert_int_equal(receivers(0x80), 0xb);
	msg(2, false, APIC_DM_NMI, 0, false);
	msg(0xff, false, APIC_DM_INIT, 0, false);
	assert_int_equal(seen.nmis[2], 0);
	assert_int_equal(seen.inits[2], 0);
	assert_int_equal(seen.inits[3], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_power_up_state, setup),
		cmocka_unit_test_setup(test_init_resets_all_but_id_and_base, setup),
		cmocka_unit_test_setup(test_read_only_registers, setup),
		cmocka_unit_test_setup(test_writable_bits, setup),
		cmocka_unit_test_setup(test_mmio_unaligned_and_reserved, setup),
		cmocka_unit_test_setup(test_highest_vector_first, setup),
		cmocka_unit_test_setup(test_nested_isr_and_eoi_order, setup),
		cmocka_unit_test_setup(test_tpr_masks_and_unmasks, setup),
		cmocka_unit_test_setup(test_ppr_from_tpr_or_isr, setup),
		cmocka_unit_test_setup(test_level_triggered_sets_tmr, setup),
		cmocka_unit_test_setup(test_tmr_words_and_eoi_induced, setup),
		cmocka_unit_test_setup(test_illegal_vector_sets_esr, setup),
		cmocka_unit_test_setup(test_error_raises_lvt_error, setup),
		cmocka_unit_test_setup(test_software_disable, setup),
		cmocka_unit_test_setup(test_mode_transitions, setup),
		cmocka_unit_test_setup(test_base_reserved_bits, setup),
		cmocka_unit_test_setup(test_disable_loses_state, setup),
		cmocka_unit_test_setup(test_x2apic_id_ldr_version, setup),
		cmocka_unit_test_setup(test_x2apic_msr_gp, setup),
		cmocka_unit_test_setup(test_x2apic_mmio_not_served, setup),
		cmocka_unit_test_setup(test_x2apic_eoi_and_esr, setup),
		cmocka_unit_test_setup(test_auto_eoi_accept_leaves_irr, setup),
		cmocka_unit_test_setup(test_auto_eoi_software_disabled, setup),
		cmocka_unit_test_setup(test_auto_eoi_illegal_vector, setup),
		cmocka_unit_test_setup(test_auto_eoi_pending_above_ppr, setup),
		cmocka_unit_test_setup(test_auto_eoi_masked_by_tpr, setup),
		cmocka_unit_test_setup(test_auto_eoi_blocked_by_isr, setup),
		cmocka_unit_test_setup(test_auto_eoi_irr_goes_first, setup),
		cmocka_unit_test_setup(test_auto_eoi_preempts_lower_in_service, setup),
		cmocka_unit_test_setup(test_auto_eoi_ack, setup),
		cmocka_unit_test_setup(test_auto_eoi_ack_leaves_others, setup),
		cmocka_unit_test_setup(test_auto_eoi_dropped_by_init, setup),
		cmocka_unit_test_setup(test_eoi_hook_on_eoi_write, setup),
		cmocka_unit_test_setup(test_eoi_write_leaves_auto_eoi, setup),
		cmocka_unit_test_setup(test_eoi_hook_on_eoi_induced, setup),
		cmocka_unit_test_setup(test_eoi_hook_is_optional, setup),
		cmocka_unit_test_setup(test_ipi_physical, setup),
		cmocka_unit_test_setup(test_ipi_delivery_status_reads_idle, setup),
		cmocka_unit_test_setup(test_ipi_logical_flat, setup),
		cmocka_unit_test_setup(test_ipi_logical_cluster, setup),
		cmocka_unit_test_setup(test_ipi_x2apic_destinations, setup),
		cmocka_unit_test_setup(test_ipi_shorthands, setup),
		cmocka_unit_test_setup(test_ipi_skips_hardware_disabled, setup),
		cmocka_unit_test_setup(test_ipi_lowest_priority_first_match, setup),
		cmocka_unit_test_setup(test_ipi_nmi_init_sipi, setup),
		cmocka_unit_test_setup(test_x2apic_self_ipi, setup),
		cmocka_unit_test_setup(test_timer_divide_values, setup),
		cmocka_unit_test_setup(test_timer_one_shot, setup),
		cmocka_unit_test_setup(test_timer_stop_with_zero_count, setup),
		cmocka_unit_test_setup(test_timer_periodic_rearms, setup),
		cmocka_unit_test_setup(test_timer_masked_does_not_fire, setup),
		cmocka_unit_test_setup(test_timer_divide_change_retimes, setup),
		cmocka_unit_test_setup(test_timer_tsc_deadline, setup),
		cmocka_unit_test_setup(test_timer_tsc_deadline_initial_count_trap_ignored, setup),
		cmocka_unit_test_setup(test_timer_mode_switch_trap_disarms, setup),
		cmocka_unit_test_setup(test_id_write_trap_keeps_the_id, setup),
		cmocka_unit_test_setup(test_timer_through_x2apic_msrs, setup),
		cmocka_unit_test_setup(test_msg_physical, setup),
		cmocka_unit_test_setup(test_msg_logical_and_lowest, setup),
		cmocka_unit_test_setup(test_lone_edge_in_service, setup),
		cmocka_unit_test_setup(test_msg_x2apic_targets, setup),
		cmocka_unit_test_setup(test_msg_level_sets_tmr, setup),
		cmocka_unit_test_setup(test_msg_illegal_vector_dropped, setup),
		cmocka_unit_test_setup(test_msg_nmi_init_via_hooks, setup),
		cmocka_unit_test_setup(test_msg_skips_hardware_disabled, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
