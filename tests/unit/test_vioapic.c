/* Host unit tests of the virtual I/O APIC (apic/vioapic.c) over two virtual local APICs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "apic/vioapic.h"

#define NR_APICS  2
#define IOAPIC_ID 2

#define EDGE(vector, dest)  ((uint64_t)(dest) << 56 | (vector))
#define LEVEL(vector, dest) (EDGE(vector, dest) | VIOAPIC_RTE_LEVEL)
#define DM(mode)            ((uint64_t)(mode) << 8)

static uint32_t pages[NR_APICS][PAGE_SIZE / 4] __aligned(4096);
static struct vlapic apics[NR_APICS];
static struct vlapic *members[NR_APICS];
static unsigned int indices[NR_APICS];
static struct vlapic_group group;
static struct vioapic io;

static struct {
	unsigned int kicks[NR_APICS], inits[NR_APICS], nmis[NR_APICS];
} seen;

static unsigned int index_of(struct vlapic *a) { return *(unsigned int *)a->owner; }
static void fake_kick(struct vlapic *a) { seen.kicks[index_of(a)]++; }
static void fake_init(struct vlapic *a) { seen.inits[index_of(a)]++; }
static void fake_nmi(struct vlapic *a) { seen.nmis[index_of(a)]++; }
static void fake_sipi(struct vlapic *a, uint8_t vector) { (void)a; (void)vector; fail(); }
static uint64_t fake_now(void) { return 0; }
static void fake_timer_changed(struct vlapic *a) { (void)a; }

/* The wiring the hypervisor is expected to do: every vLAPIC EOI reaches the I/O APIC. */
static void forward_eoi(struct vlapic *a, uint8_t vector, bool level)
{
	(void)a;
	(void)level;
	vioapic_eoi(&io, vector);
}

static const struct vlapic_hooks hooks = {
	.kick = fake_kick,
	.deliver_init = fake_init,
	.deliver_sipi = fake_sipi,
	.deliver_nmi = fake_nmi,
	.now = fake_now,
	.timer_changed = fake_timer_changed,
	.eoi = forward_eoi,
};

/* Two software-enabled APICs with IDs 0 and 1, and an I/O APIC just reset. */
static int setup(void **state)
{
	(void)state;
	memset(&seen, 0, sizeof(seen));
	group = (struct vlapic_group){ members, NR_APICS, &hooks, 1000000, 100000 };
	for (unsigned int i = 0; i < NR_APICS; i++) {
		indices[i] = i;
		members[i] = &apics[i];
		vlapic_init(&apics[i], &group, pages[i], i, i == 0, &indices[i]);
		vlapic_mmio_write(&apics[i], APIC_SVR, APIC_SVR_ENABLE | 0xff);
	}
	vioapic_init(&io, &group, IOAPIC_ID);
	return 0;
}

static void reg_w(uint32_t reg, uint32_t val)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, reg);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, val);
}

static uint32_t reg_r(uint32_t reg)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, reg);
	return vioapic_mmio_read(&io, VIOAPIC_IOWIN);
}

/* As a guest does: the destination first, then the low half (which may unmask). */
static void program(unsigned int pin, uint64_t entry)
{
	reg_w(VIOAPIC_REG_REDIR_HI(pin), (uint32_t)(entry >> 32));
	reg_w(VIOAPIC_REG_REDIR_LO(pin), (uint32_t)entry);
}

static uint64_t entry_r(unsigned int pin)
{
	return (uint64_t)reg_r(VIOAPIC_REG_REDIR_HI(pin)) << 32 | reg_r(VIOAPIC_REG_REDIR_LO(pin));
}

static bool in_reg_array(unsigned int i, uint32_t base, uint8_t vector)
{
	return pages[i][(base + 0x10 * (vector / 32)) >> 2] & (1u << (vector % 32));
}

static bool irr_has(unsigned int i, uint8_t vector) { return in_reg_array(i, APIC_IRR, vector); }

static bool remote_irr(unsigned int pin) { return entry_r(pin) & VIOAPIC_RTE_REMOTE_IRR; }

/* The guest's handler: acknowledge vector on APIC i and write EOI. */
static void handle(unsigned int i, uint8_t vector)
{
	assert_int_equal(vlapic_pending_vector(&apics[i]), vector);
	vlapic_ack(&apics[i], vector);
	vlapic_eoi(&apics[i]);
}

/* ---- registers ---- */

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL), 0);
	assert_int_equal(reg_r(VIOAPIC_REG_ID), IOAPIC_ID << 24);
	assert_int_equal(reg_r(VIOAPIC_REG_VER), 0x00170011);
	assert_int_equal(reg_r(VIOAPIC_REG_ARB), IOAPIC_ID << 24);
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(entry_r(pin), VIOAPIC_RTE_MASKED);
	assert_int_equal(io.asserted, 0);
	assert_ptr_equal(io.lapics, &group);
}

static void test_regsel_and_iowin_read_back(void **state)
{
	(void)state;
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 0xffffff13);	/* bits 31:8 reserved */
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL), 0x13);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, 0xa5000000);	/* entry 1, high half */
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_IOWIN), 0xa5000000);
	reg_w(VIOAPIC_REG_REDIR_LO(1), 0x0001a931);
	assert_int_equal(entry_r(1), 0xa50000000001a931ULL);
	program(VIOAPIC_PINS - 1, LEVEL(0x77, 0x3c) | VIOAPIC_RTE_MASKED);
	assert_int_equal(entry_r(VIOAPIC_PINS - 1), LEVEL(0x77, 0x3c) | VIOAPIC_RTE_MASKED);
}

static void test_id_version_arbitration(void **state)
{
	(void)state;
	reg_w(VIOAPIC_REG_ID, 0xffffffff);
	assert_int_equal(reg_r(VIOAPIC_REG_ID), 0x0f000000);	/* bits 27:24 only */
	assert_int_equal(reg_r(VIOAPIC_REG_ARB), 0x0f000000);	/* loaded from the ID */
	reg_w(VIOAPIC_REG_ARB, 0x01000000);
	reg_w(VIOAPIC_REG_VER, 0);
	assert_int_equal(reg_r(VIOAPIC_REG_ARB), 0x0f000000);
	assert_int_equal(reg_r(VIOAPIC_REG_VER), 0x00170011);
	vioapic_init(&io, &group, 0x13);			/* 4-bit ID */
	assert_int_equal(reg_r(VIOAPIC_REG_ID), 0x03000000);
}

static void test_entry_reserved_and_read_only_bits(void **state)
{
	(void)state;
	reg_w(VIOAPIC_REG_REDIR_LO(4), 0xffffffff);
	assert_int_equal(reg_r(VIOAPIC_REG_REDIR_LO(4)), 0x0001afff);	/* 31:17, 14, 12 */
	reg_w(VIOAPIC_REG_REDIR_HI(4), 0xffffffff);
	assert_int_equal(reg_r(VIOAPIC_REG_REDIR_HI(4)), 0xff000000);	/* 55:32 */
	reg_w(VIOAPIC_REG_REDIR_LO(4), 0);
	assert_int_equal(entry_r(4), 0xff00000000000000ULL);
	assert_int_equal(io.redir[5], VIOAPIC_RTE_MASKED);		/* neighbours untouched */
	assert_int_equal(io.redir[3], VIOAPIC_RTE_MASKED);
}

static void test_unknown_registers(void **state)
{
	(void)state;
	static const uint32_t unknown[] = { 0x03, 0x0f, VIOAPIC_REG_REDIR_LO(VIOAPIC_PINS), 0x40, 0xff };

	for (size_t r = 0; r < ARRAY_SIZE(unknown); r++) {
		reg_w(unknown[r], 0xffffffff);
		assert_int_equal(reg_r(unknown[r]), 0);
	}
	assert_int_equal(reg_r(VIOAPIC_REG_ID), IOAPIC_ID << 24);
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(entry_r(pin), VIOAPIC_RTE_MASKED);
}

/* Only 0x00 and 0x10 decode; version 0x11 has no EOI register at 0x40. */
static void test_unknown_and_misaligned_offsets(void **state)
{
	(void)state;
	static const uint32_t offsets[] = { 0x01, 0x04, 0x08, 0x0c, 0x11, 0x14, 0x20, 0x40, 0xffc };

	program(2, LEVEL(0x45, 0));
	vioapic_set_irq(&io, 2, true);
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, VIOAPIC_REG_REDIR_LO(2));
	for (size_t o = 0; o < ARRAY_SIZE(offsets); o++) {
		vioapic_mmio_write(&io, offsets[o], 0x45);
		assert_int_equal(vioapic_mmio_read(&io, offsets[o]), 0);
	}
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL), VIOAPIC_REG_REDIR_LO(2));
	assert_true(remote_irr(2));
	assert_int_equal(seen.kicks[0], 1);
}

/* ---- edge-triggered pins ---- */

static void test_edge_once_per_rising_edge(void **state)
{
	(void)state;
	program(3, EDGE(0x31, 0));
	vioapic_set_irq(&io, 3, true);
	assert_true(irr_has(0, 0x31));
	assert_false(in_reg_array(0, APIC_TMR, 0x31));
	assert_int_equal(seen.kicks[0], 1);
	vioapic_set_irq(&io, 3, true);			/* still high: no edge */
	handle(0, 0x31);
	assert_false(irr_has(0, 0x31));
	assert_int_equal(seen.kicks[0], 1);
	assert_false(remote_irr(3));

	vioapic_set_irq(&io, 3, false);
	assert_int_equal(seen.kicks[0], 1);
	vioapic_set_irq(&io, 3, true);
	assert_true(irr_has(0, 0x31));
	assert_int_equal(seen.kicks[0], 2);
	assert_int_equal(seen.kicks[1], 0);
}

static void test_edge_masked_is_lost(void **state)
{
	(void)state;
	program(5, EDGE(0x35, 0) | VIOAPIC_RTE_MASKED);
	vioapic_set_irq(&io, 5, true);
	assert_false(irr_has(0, 0x35));
	program(5, EDGE(0x35, 0));			/* unmasked while held high */
	assert_false(irr_has(0, 0x35));
	assert_int_equal(seen.kicks[0], 0);
	vioapic_set_irq(&io, 5, false);
	vioapic_set_irq(&io, 5, true);
	assert_true(irr_has(0, 0x35));
}

/* ---- level-triggered pins ---- */

static void test_level_remote_irr_holds_until_eoi(void **state)
{
	(void)state;
	program(9, LEVEL(0x41, 0));
	vioapic_set_irq(&io, 9, true);
	assert_true(irr_has(0, 0x41));
	assert_true(in_reg_array(0, APIC_TMR, 0x41));
	assert_true(remote_irr(9));
	assert_false(entry_r(9) & VIOAPIC_RTE_DELIVS);	/* delivered at once: idle */
	vioapic_set_irq(&io, 9, true);
	vioapic_eoi(&io, 0x42);				/* another vector */
	program(9, LEVEL(0x41, 0));			/* a rewrite keeps remote IRR */
	assert_true(remote_irr(9));
	assert_int_equal(seen.kicks[0], 1);

	vlapic_ack(&apics[0], 0x41);
	assert_int_equal(seen.kicks[0], 1);
	vioapic_set_irq(&io, 9, false);
	vlapic_eoi(&apics[0]);				/* forwarded to vioapic_eoi */
	assert_false(remote_irr(9));
	assert_false(irr_has(0, 0x41));			/* deasserted: not sent again */
	assert_int_equal(seen.kicks[0], 1);
}

static void test_level_redelivers_after_eoi_while_asserted(void **state)
{
	(void)state;
	program(10, LEVEL(0x51, 1));
	vioapic_set_irq(&io, 10, true);
	handle(1, 0x51);
	assert_true(irr_has(1, 0x51));			/* still asserted: again */
	assert_true(remote_irr(10));
	assert_int_equal(seen.kicks[1], 2);
	vioapic_set_irq(&io, 10, false);
	handle(1, 0x51);
	assert_false(irr_has(1, 0x51));
	assert_false(remote_irr(10));
	assert_int_equal(seen.kicks[1], 2);
}

static void test_level_unmask_asserted_delivers(void **state)
{
	(void)state;
	program(11, LEVEL(0x61, 0) | VIOAPIC_RTE_MASKED);
	vioapic_set_irq(&io, 11, true);
	assert_false(irr_has(0, 0x61));
	assert_false(remote_irr(11));
	program(11, LEVEL(0x61, 0));
	assert_true(irr_has(0, 0x61));
	assert_true(remote_irr(11));
	program(11, LEVEL(0x61, 0) | VIOAPIC_RTE_MASKED);	/* masking keeps it */
	assert_true(remote_irr(11));
}

/* Linux's way to clear a remote IRR without an EOI register: to edge and back. */
static void test_level_switch_to_edge_clears_remote_irr(void **state)
{
	(void)state;
	program(12, LEVEL(0x71, 0));
	vioapic_set_irq(&io, 12, true);
	assert_true(remote_irr(12));
	program(12, EDGE(0x71, 0) | VIOAPIC_RTE_MASKED);
	assert_false(remote_irr(12));
	program(12, LEVEL(0x71, 0) | VIOAPIC_RTE_MASKED);
	assert_false(remote_irr(12));
	assert_int_equal(seen.kicks[0], 1);
	program(12, LEVEL(0x71, 0));			/* still asserted: sent again */
	assert_true(remote_irr(12));
	assert_int_equal(seen.kicks[0], 2);
}

/* The polarity bit is the guest's to read back; asserted stays the request. */
static void test_polarity_inverts_nothing(void **state)
{
	(void)state;
	program(13, EDGE(0x39, 0) | VIOAPIC_RTE_POLARITY);
	assert_true(entry_r(13) & VIOAPIC_RTE_POLARITY);
	vioapic_set_irq(&io, 13, false);
	assert_false(irr_has(0, 0x39));
	vioapic_set_irq(&io, 13, true);
	assert_true(irr_has(0, 0x39));
}

/* ---- destinations and delivery modes ---- */

static void test_destination_physical(void **state)
{
	(void)state;
	program(1, EDGE(0x81, 1));
	vioapic_set_irq(&io, 1, true);
	assert_true(irr_has(1, 0x81));
	assert_false(irr_has(0, 0x81));
	program(2, EDGE(0x82, 0xff));			/* broadcast */
	vioapic_set_irq(&io, 2, true);
	assert_true(irr_has(0, 0x82) && irr_has(1, 0x82));
	program(3, EDGE(0x83, 7));			/* nobody */
	vioapic_set_irq(&io, 3, true);
	assert_int_equal(seen.kicks[0] + seen.kicks[1], 3);
}

static void test_destination_logical(void **state)
{
	(void)state;
	vlapic_mmio_write(&apics[0], APIC_LDR, 0x01000000);
	vlapic_mmio_write(&apics[1], APIC_LDR, 0x02000000);
	program(6, EDGE(0x91, 0x02) | VIOAPIC_RTE_LOGICAL);
	vioapic_set_irq(&io, 6, true);
	assert_true(irr_has(1, 0x91));
	assert_false(irr_has(0, 0x91));
	program(7, EDGE(0x92, 0x03) | VIOAPIC_RTE_LOGICAL | DM(APIC_DM_LOWEST));
	vioapic_set_irq(&io, 7, true);
	assert_true(irr_has(0, 0x92));			/* the first match */
	assert_false(irr_has(1, 0x92));
}

/* NMI and INIT go through the hooks, and are edge-triggered even when programmed level. */
static void test_nmi_and_init_through_hooks(void **state)
{
	(void)state;
	program(14, LEVEL(0, 1) | DM(APIC_DM_NMI));
	vioapic_set_irq(&io, 14, true);
	assert_int_equal(seen.nmis[1], 1);
	assert_false(remote_irr(14));
	vioapic_set_irq(&io, 14, true);
	assert_int_equal(seen.nmis[1], 1);
	vioapic_set_irq(&io, 14, false);
	vioapic_set_irq(&io, 14, true);
	assert_int_equal(seen.nmis[1], 2);
	assert_int_equal(seen.nmis[0], 0);

	program(15, EDGE(0, 0xff) | DM(APIC_DM_INIT));
	vioapic_set_irq(&io, 15, true);
	assert_int_equal(seen.inits[0], 1);
	assert_int_equal(seen.inits[1], 1);
	assert_int_equal(seen.kicks[0] + seen.kicks[1], 0);
}

static void test_pins_out_of_range_ignored(void **state)
{
	(void)state;
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		program(pin, EDGE(0x40 + pin, 0));
	vioapic_set_irq(&io, VIOAPIC_PINS, true);
	vioapic_set_irq(&io, 31, true);
	vioapic_set_irq(&io, 32, true);
	vioapic_set_irq(&io, ~0u, true);
	assert_int_equal(io.asserted, 0);
	assert_int_equal(seen.kicks[0], 0);
	vioapic_set_irq(&io, VIOAPIC_PINS - 1, true);
	assert_true(irr_has(0, 0x40 + VIOAPIC_PINS - 1));
	assert_int_equal(io.asserted, 1u << (VIOAPIC_PINS - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_regsel_and_iowin_read_back, setup),
		cmocka_unit_test_setup(test_id_version_arbitration, setup),
		cmocka_unit_test_setup(test_entry_reserved_and_read_only_bits, setup),
		cmocka_unit_test_setup(test_unknown_registers, setup),
		cmocka_unit_test_setup(test_unknown_and_misaligned_offsets, setup),
		cmocka_unit_test_setup(test_edge_once_per_rising_edge, setup),
		cmocka_unit_test_setup(test_edge_masked_is_lost, setup),
		cmocka_unit_test_setup(test_level_remote_irr_holds_until_eoi, setup),
		cmocka_unit_test_setup(test_level_redelivers_after_eoi_while_asserted, setup),
		cmocka_unit_test_setup(test_level_unmask_asserted_delivers, setup),
		cmocka_unit_test_setup(test_level_switch_to_edge_clears_remote_irr, setup),
		cmocka_unit_test_setup(test_polarity_inverts_nothing, setup),
		cmocka_unit_test_setup(test_destination_physical, setup),
		cmocka_unit_test_setup(test_destination_logical, setup),
		cmocka_unit_test_setup(test_nmi_and_init_through_hooks, setup),
		cmocka_unit_test_setup(test_pins_out_of_range_ignored, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
