/* Host unit tests of the guest's ACPI tables (devices/guest_acpi.c), read at ACPI 6.5 offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/guest_acpi.h"

#define BASE    GUEST_ACPI_BASE
#define PATTERN 0xa5

static uint8_t buf[GUEST_ACPI_MAX_SIZE];
static size_t size;

static uint64_t get(const uint8_t *p, size_t off, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p + off, n);
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static bool contains(const uint8_t *p, size_t n, const void *what, size_t len)
{
	size_t i;

	for (i = 0; i + len <= n; i++)
		if (!memcmp(p + i, what, len))
			return true;
	return false;
}

static size_t build(unsigned int cpus)
{
	memset(buf, PATTERN, sizeof(buf));
	size = guest_acpi_build(buf, sizeof(buf), BASE, cpus);
	return size;
}

/* The table at guest address gpa: inside what was built, summing to 0, its length in bounds. */
static const uint8_t *table(uint64_t gpa, const char *signature)
{
	const uint8_t *t;
	uint32_t len;

	assert_in_range(gpa, BASE, BASE + size - 36);
	t = buf + (gpa - BASE);
	len = (uint32_t)get(t, 4, 4);
	assert_memory_equal(t, signature, 4);
	assert_in_range(len, 36, BASE + size - gpa);
	assert_int_equal(sum(t, len), 0);
	return t;
}

static const uint8_t *xsdt_entry(unsigned int i, const char *signature)
{
	const uint8_t *xsdt = table(get(buf, 24, 8), "XSDT");

	return table(get(xsdt, 36 + 8 * i, 8), signature);
}

static void test_rsdp(void **state)
{
	(void)state;
	assert_int_not_equal(build(2), 0);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(sum(buf, 20), 0);
	assert_int_equal(sum(buf, 36), 0);
	assert_int_equal(buf[15], 2);
	assert_int_equal(get(buf, 16, 4), 0);           /* no RSDT */
	assert_int_equal(get(buf, 20, 4), 36);
	table(get(buf, 24, 8), "XSDT");
}

static void test_xsdt_lists_the_fadt_and_the_madt(void **state)
{
	const uint8_t *xsdt;

	(void)state;
	build(2);
	xsdt = table(get(buf, 24, 8), "XSDT");
	assert_int_equal(get(xsdt, 4, 4), 36 + 2 * 8);
	xsdt_entry(0, "FACP");
	xsdt_entry(1, "APIC");
}

static void test_headers_carry_one_oem_id(void **state)
{
	const uint8_t *fadt, *madt, *dsdt;

	(void)state;
	build(2);
	fadt = xsdt_entry(0, "FACP");
	madt = xsdt_entry(1, "APIC");
	dsdt = table(get(fadt, 140, 8), "DSDT");
	assert_memory_equal(buf + 9, fadt + 10, 6);
	assert_memory_equal(fadt + 10, madt + 10, 6 + 8);
	assert_memory_equal(fadt + 10, dsdt + 10, 6 + 8);
}

static void test_fadt_is_hardware_reduced(void **state)
{
	const uint8_t *fadt;
	uint32_t flags;

	(void)state;
	build(2);
	fadt = xsdt_entry(0, "FACP");
	flags = (uint32_t)get(fadt, 112, 4);
	assert_int_equal(get(fadt, 4, 4), 276);
	assert_int_equal(fadt[8], 6);
	assert_int_equal(fadt[131], 5);                  /* minor version */
	assert_true(flags & (1u << 20));                 /* HW_REDUCED_ACPI */
	assert_true(flags & (1u << 10));                 /* RESET_REG_SUP */
	assert_int_equal(get(fadt, 109, 2), (1u << 2) | (1u << 3) | (1u << 5));
	assert_int_equal(get(fadt, 36, 4), 0);           /* FIRMWARE_CTRL */
	assert_int_equal(get(fadt, 40, 4), 0);           /* DSDT: X_DSDT is used */
	assert_int_equal(get(fadt, 46, 2), 0);           /* SCI_INT */
	assert_int_equal(get(fadt, 76, 4), 0);           /* PM_TMR_BLK */
	assert_memory_equal(fadt + 268, "MHYPERVI", 8);
}

/* A one-byte I/O register: System I/O space, 8 bits at bit 0, byte access. */
static void assert_io_port(const uint8_t *gas, uint16_t port)
{
	assert_int_equal(gas[0], 1);
	assert_int_equal(gas[1], 8);
	assert_int_equal(gas[2], 0);
	assert_int_equal(gas[3], 1);
	assert_int_equal(get(gas, 4, 8), port);
}

static void test_fadt_registers_and_dsdt(void **state)
{
	const uint8_t *fadt;

	(void)state;
	build(2);
	fadt = xsdt_entry(0, "FACP");
	assert_io_port(fadt + 116, GUEST_RESET_PORT);
	assert_int_equal(fadt[128], GUEST_RESET_VALUE);
	assert_io_port(fadt + 244, GUEST_PM_SLEEP_CTL);
	assert_io_port(fadt + 256, GUEST_PM_SLEEP_STS);
	table(get(fadt, 140, 8), "DSDT");
}

/* Walks the MADT's entries: cpus enabled local APICs 0..cpus-1, then one I/O APIC. */
static void check_madt(unsigned int cpus)
{
	const uint8_t *madt, *e, *end;
	unsigned int lapics = 0, ioapics = 0;

	assert_int_not_equal(build(cpus), 0);
	madt = xsdt_entry(1, "APIC");
	assert_int_equal(get(madt, 36, 4), 0xfee00000);
	assert_int_equal(get(madt, 40, 4), 0);           /* no PCAT_COMPAT */
	end = madt + get(madt, 4, 4);
	for (e = madt + 44; e < end; e += e[1]) {
		assert_in_range(e[1], 2, end - e);
		if (e[0] == 0) {
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], lapics);  /* processor UID */
			assert_int_equal(e[3], lapics);  /* APIC ID */
			assert_int_equal(get(e, 4, 4), 1);
			lapics++;
		} else {
			assert_int_equal(e[0], 1);
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], GUEST_IOAPIC_ID);
			assert_int_equal(get(e, 4, 4), GUEST_IOAPIC_BASE);
			assert_int_equal(get(e, 8, 4), 0);
			ioapics++;
		}
	}
	assert_ptr_equal(e, end);
	assert_int_equal(lapics, cpus);
	assert_int_equal(ioapics, 1);
}

static void test_madt(void **state)
{
	(void)state;
	check_madt(1);
	check_madt(2);
	check_madt(64);
}

static void test_dsdt_body(void **state)
{
	static const uint8_t pnp0501[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	const uint8_t *dsdt;
	size_t len;

	(void)state;
	build(2);
	dsdt = table(get(xsdt_entry(0, "FACP"), 140, 8), "DSDT");
	len = get(dsdt, 4, 4);
	assert_int_equal(dsdt[8], 2);
	assert_true(len > 36);
	assert_true(contains(dsdt + 36, len - 36, pnp0501, sizeof(pnp0501)));
	assert_true(contains(dsdt + 36, len - 36, "VMBus", 6));
	assert_true(contains(dsdt + 36, len - 36, "_S5_", 4));
}

static void test_cap_too_small(void **state)
{
	size_t need = build(64);

	(void)state;
	assert_in_range(need, 1, GUEST_ACPI_MAX_SIZE);
	memset(buf, PATTERN, sizeof(buf));
	assert_int_equal(guest_acpi_build(buf, need - 1, BASE, 64), 0);
	assert_int_equal(guest_acpi_build(buf, 0, BASE, 1), 0);
	assert_int_equal(buf[0], PATTERN);
	assert_int_equal(guest_acpi_build(buf, need, BASE, 64), need);
}

static void test_cpus_out_of_range(void **state)
{
	(void)state;
	assert_int_equal(build(0), 0);
	assert_int_equal(build(65), 0);
	assert_int_equal(buf[0], PATTERN);
}

static void test_nothing_written_past_the_size(void **state)
{
	unsigned int cpus[] = { 1, 2, 64 };
	size_t i, j;

	(void)state;
	for (i = 0; i < 3; i++) {
		build(cpus[i]);
		for (j = size; j < sizeof(buf); j++)
			assert_int_equal(buf[j], PATTERN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_xsdt_lists_the_fadt_and_the_madt),
		cmocka_unit_test(test_headers_carry_one_oem_id),
		cmocka_unit_test(test_fadt_is_hardware_reduced),
		cmocka_unit_test(test_fadt_registers_and_dsdt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_dsdt_body),
		cmocka_unit_test(test_cap_too_small),
		cmocka_unit_test(test_cpus_out_of_range),
		cmocka_unit_test(test_nothing_written_past_the_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
