/*
 * Host unit tests of the guest's multiboot information (loader/guest_mbi.c).
 * The v1 structure is read back at the offsets of the specification; the
 * multiboot2 one through the hypervisor's own parser (loader/mb2.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loader/mb2.h"
#include "loader/multiboot2.h"
#include "loader/guest_mbi.h"

#define MEM_SIZE (16 * MiB)
#define AT       (2 * MiB)
#define FILL     0xcc

struct setup {
	uint8_t *mem;          /* exactly mem_size bytes of FILL */
	uint64_t mem_size;
	struct guest_module mods[3];
	struct guest_boot_params params;
};

static struct boot_info bi;

/* ---- Fixtures --------------------------------------------------------- */

static uint8_t *module_data(size_t size, uint8_t seed)
{
	uint8_t *d = malloc(size ? size : 1);

	for (size_t i = 0; i < size; i++)
		d[i] = (uint8_t)(seed + i * 13);
	return d;
}

static void setup_memory(struct setup *s, uint64_t mem_size)
{
	s->mem_size = mem_size;
	s->mem = malloc(mem_size);
	assert_non_null(s->mem);
	memset(s->mem, FILL, mem_size);
	s->params.mem_size = mem_size;
}

/* Three modules: 5000 bytes, an empty one without a command line, 3 bytes. */
static void setup_modules(struct setup *s)
{
	s->mods[0] = (struct guest_module){ module_data(5000, 1), 5000, "m0 a=1" };
	s->mods[1] = (struct guest_module){ module_data(0, 2), 0, NULL };
	s->mods[2] = (struct guest_module){ module_data(3, 3), 3, "m2" };
	s->params.modules = s->mods;
	s->params.nr_modules = ARRAY_SIZE(s->mods);
}

static int setup_full(void **state)
{
	struct setup *s = calloc(1, sizeof(*s));

	setup_memory(s, MEM_SIZE);
	setup_modules(s);
	s->params.cmdline = "verbose";
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct setup *s = *state;

	for (unsigned int i = 0; i < ARRAY_SIZE(s->mods); i++)
		free((void *)s->mods[i].data);
	free(s->mem);
	free(s);
	return 0;
}

/* ---- Reading guest memory back ---------------------------------------- */

static uint32_t rd32(const struct setup *s, uint64_t gpa)
{
	uint32_t v;

	assert_true(gpa + sizeof(v) <= s->mem_size);
	memcpy(&v, s->mem + gpa, sizeof(v));
	return v;
}

static uint64_t rd64(const struct setup *s, uint64_t gpa)
{
	uint64_t v;

	assert_true(gpa + sizeof(v) <= s->mem_size);
	memcpy(&v, s->mem + gpa, sizeof(v));
	return v;
}

/* The NUL-terminated string at gpa, which must lie in [AT, mem_size). */
static const char *string_at(const struct setup *s, uint64_t gpa)
{
	assert_true(gpa >= AT && gpa < s->mem_size);
	assert_non_null(memchr(s->mem + gpa, 0, s->mem_size - gpa));
	return (const char *)s->mem + gpa;
}

static void assert_untouched_below(const struct setup *s, uint64_t at)
{
	for (uint64_t a = 0; a < at; a++)
		assert_int_equal(s->mem[a], FILL);
}

/* Module i is at its page-aligned place with its bytes; returns where the next one goes. */
static uint64_t check_module_copy(const struct setup *s, unsigned int i, uint64_t gpa,
				  uint64_t start, uint64_t end)
{
	const struct guest_module *m = &s->mods[i];

	assert_int_equal(start, gpa);
	assert_int_equal(end, gpa + m->size);
	assert_memory_equal(s->mem + start, m->data, m->size);
	return ALIGN_UP(end, PAGE_SIZE);
}

/* ---- Multiboot (v1) --------------------------------------------------- */

/* Multiboot 0.6.96 3.3: size, base_addr, length, type; size does not count itself. */
static void check_mb1_mmap(const struct setup *s, uint32_t addr, uint32_t length)
{
	const uint64_t expected[][3] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x100000 - 0x9fc00, 2 },
		{ 0x100000, s->mem_size - 0x100000, 1 },
	};
	unsigned int n = 0;

	assert_true(addr >= AT);
	for (uint64_t e = addr; e < addr + length; e += rd32(s, e) + 4, n++) {
		assert_true(n < ARRAY_SIZE(expected));
		assert_int_equal(rd32(s, e), 20);
		assert_int_equal(rd64(s, e + 4), expected[n][0]);
		assert_int_equal(rd64(s, e + 12), expected[n][1]);
		assert_int_equal(rd32(s, e + 20), expected[n][2]);
	}
	assert_int_equal(n, s->mem_size > MiB ? 3 : 2);
}

static void check_mb1_modules(const struct setup *s, uint32_t count, uint32_t addr)
{
	uint64_t gpa = AT;

	assert_int_equal(count, s->params.nr_modules);
	for (unsigned int i = 0; i < count; i++) {
		uint64_t e = addr + i * 16;
		const char *cmdline = s->mods[i].cmdline ? s->mods[i].cmdline : "";

		gpa = check_module_copy(s, i, gpa, rd32(s, e), rd32(s, e + 4));
		assert_string_equal(string_at(s, rd32(s, e + 8)), cmdline);
		assert_int_equal(rd32(s, e + 12), 0);
	}
}

static void check_mb1_info(const struct setup *s, uint32_t info, const char *cmdline)
{
	static const uint8_t zero[20];

	assert_true(info >= AT && info % 4 == 0);
	assert_int_equal(rd32(s, info + 0x00), 0x24d); /* bits 0, 2, 3, 6, 9 */
	assert_int_equal(rd32(s, info + 0x04), 639);
	assert_int_equal(rd32(s, info + 0x08), (s->mem_size - MiB) / KiB);
	assert_int_equal(rd32(s, info + 0x0c), 0);
	assert_string_equal(string_at(s, rd32(s, info + 0x10)), cmdline);
	check_mb1_modules(s, rd32(s, info + 0x14), rd32(s, info + 0x18));
	assert_memory_equal(s->mem + info + 0x1c, zero, 16); /* syms */
	check_mb1_mmap(s, rd32(s, info + 0x30), rd32(s, info + 0x2c));
	assert_memory_equal(s->mem + info + 0x34, zero, 12); /* drives, config table */
	assert_string_equal(string_at(s, rd32(s, info + 0x40)), "micro-hypervisor");
	assert_memory_equal(s->mem + info + 0x44, zero, 20); /* APM, VBE */
}

static void test_mb1_layout(void **state)
{
	struct setup *s = *state;
	const char *err = "unset";
	uint32_t info;

	info = guest_mbi_build(GUEST_BOOT_MULTIBOOT1, s->mem, AT, &s->params, &err);
	assert_null(err);
	check_mb1_info(s, info, "verbose");
	assert_untouched_below(s, AT);
}

static void test_mb1_no_modules_no_cmdline(void **state)
{
	struct setup *s = *state;
	const char *err;
	uint32_t info;

	s->params.cmdline = NULL;
	s->params.modules = NULL;
	s->params.nr_modules = 0;
	info = guest_mbi_build(GUEST_BOOT_MULTIBOOT1, s->mem, AT, &s->params, &err);
	assert_null(err);
	check_mb1_info(s, info, "");
}

/* ---- Multiboot2 ------------------------------------------------------- */

static const struct mb2_tag *find_tag(const struct setup *s, uint32_t info, uint32_t type)
{
	uint32_t total = rd32(s, info);

	for (uint32_t off = 8; off < total; off += ALIGN_UP(rd32(s, info + off + 4), 8))
		if (rd32(s, info + off) == type)
			return (const void *)(s->mem + info + off);
	return NULL;
}

/* Every tag 8-byte aligned, the end tag last, ending the structure exactly. */
static void check_mb2_tag_chain(const struct setup *s, uint32_t info)
{
	uint32_t total = rd32(s, info), off = 8;

	assert_int_equal(rd32(s, info + 4), 0);
	while (rd32(s, info + off) != MB2_TAG_END) {
		assert_true(rd32(s, info + off + 4) >= 8);
		off += ALIGN_UP(rd32(s, info + off + 4), 8);
		assert_true(off < total);
	}
	assert_int_equal(rd32(s, info + off + 4), 8);
	assert_int_equal(off + 8, total);
}

static void check_mb2_meminfo_and_mmap(const struct setup *s, uint32_t info)
{
	const struct mb2_tag *mem = find_tag(s, info, MB2_TAG_BASIC_MEMINFO);
	const struct mb2_tag *map = find_tag(s, info, MB2_TAG_MMAP);
	uint64_t off;

	assert_non_null(mem);
	off = (const uint8_t *)mem - s->mem;
	assert_int_equal(rd32(s, off + 4), 16);
	assert_int_equal(rd32(s, off + 8), 639);
	assert_int_equal(rd32(s, off + 12), (s->mem_size - MiB) / KiB);
	assert_non_null(map);
	off = (const uint8_t *)map - s->mem;
	assert_int_equal(rd32(s, off + 8), 24);
	assert_int_equal(rd32(s, off + 12), 0);
	assert_int_equal(bi.nr_mmap, s->mem_size > MiB ? 3 : 2);
	assert_int_equal(bi.mmap[0].base, 0);
	assert_int_equal(bi.mmap[0].length, 0x9fc00);
	assert_int_equal(bi.mmap[0].type, MB2_MMAP_AVAILABLE);
	assert_int_equal(bi.mmap[1].base, 0x9fc00);
	assert_int_equal(bi.mmap[1].length, 0x100000 - 0x9fc00);
	assert_int_equal(bi.mmap[1].type, MB2_MMAP_RESERVED);
	if (s->mem_size > MiB) {
		assert_int_equal(bi.mmap[2].base, MiB);
		assert_int_equal(bi.mmap[2].length, s->mem_size - MiB);
		assert_int_equal(bi.mmap[2].type, MB2_MMAP_AVAILABLE);
	}
}

static void check_mb2_info(const struct setup *s, uint64_t at, uint32_t info,
			   const char *cmdline)
{
	uint64_t gpa = at;

	assert_true(info >= at && info % 8 == 0);
	mb2_parse(s->mem + info, s->mem_size - info, info, &bi);
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.total_size, rd32(s, info));
	assert_true(info + bi.total_size <= s->mem_size);
	assert_string_equal(bi.cmdline, cmdline);
	assert_string_equal(bi.loader_name, "micro-hypervisor");
	assert_int_equal(bi.nr_modules, s->params.nr_modules);
	for (unsigned int i = 0; i < bi.nr_modules; i++) {
		gpa = check_module_copy(s, i, gpa, bi.modules[i].start, bi.modules[i].end);
		assert_string_equal(bi.modules[i].cmdline,
				    s->mods[i].cmdline ? s->mods[i].cmdline : "");
	}
	check_mb2_tag_chain(s, info);
	check_mb2_meminfo_and_mmap(s, info);
}

static void test_mb2_layout(void **state)
{
	struct setup *s = *state;
	const char *err = "unset";
	uint32_t info;

	info = guest_mbi_build(GUEST_BOOT_MULTIBOOT2, s->mem, AT, &s->params, &err);
	assert_null(err);
	check_mb2_info(s, AT, info, "verbose");
	assert_untouched_below(s, AT);
}

static void test_mb2_no_modules_no_cmdline(void **state)
{
	struct setup *s = *state;
	const char *err;
	uint32_t info;

	s->params.cmdline = NULL;
	s->params.nr_modules = 0;
	info = guest_mbi_build(GUEST_BOOT_MULTIBOOT2, s->mem, AT, &s->params, &err);
	assert_null(err);
	check_mb2_info(s, AT, info, "");
	assert_int_equal(info, AT);
}

/* 1 MiB of guest memory: no RAM above 1 MiB; everything sits in low memory. */
static void test_one_mib_guest(void **state)
{
	struct setup s = { 0 };
	const char *err;
	uint32_t info;

	(void)state;
	setup_memory(&s, MiB);
	s.params.cmdline = "x";
	info = guest_mbi_build(GUEST_BOOT_MULTIBOOT2, s.mem, 64 * KiB, &s.params, &err);
	assert_null(err);
	check_mb2_info(&s, 64 * KiB, info, "x");
	assert_int_equal(bi.nr_mmap, 2);
	free(s.mem);
}

/* The structure may end exactly at the end of guest memory, not one byte past it. */
static void test_exact_fit(void **state)
{
	struct setup s = { 0 };
	const char *err;
	uint32_t info, end;

	(void)state;
	setup_memory(&s, 2 * MiB);
	info = guest_mbi_build(GUEST_BOOT_MULTIBOOT2, s.mem, MiB, &s.params, &err);
	assert_null(err);
	end = info + rd32(&s, info);
	free(s.mem);

	setup_memory(&s, end);
	info = guest_mbi_build(GUEST_BOOT_MULTIBOOT2, s.mem, MiB, &s.params, &err);
	assert_null(err);
	assert_int_equal(info + rd32(&s, info), end);
	free(s.mem);

	setup_memory(&s, end - 1);
	assert_int_equal(guest_mbi_build(GUEST_BOOT_MULTIBOOT2, s.mem, MiB, &s.params, &err), 0);
	assert_string_equal(err, "modules and multiboot information do not fit in guest memory below 4 GiB");
	free(s.mem);
}

/* ---- Refusals --------------------------------------------------------- */

static void expect_refusal(struct setup *s, enum guest_boot_protocol proto, uint64_t at,
			   const char *expected)
{
	const char *err = NULL;

	assert_int_equal(guest_mbi_build(proto, s->mem, at, &s->params, &err), 0);
	assert_non_null(err);
	assert_string_equal(err, expected);
}

static void test_bad_parameters(void **state)
{
	struct setup *s = *state;

	expect_refusal(s, 0, AT, "unknown boot protocol");
	expect_refusal(s, 3, AT, "unknown boot protocol");
	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, AT + 0x800,
		       "multiboot information must start page-aligned, above the first 64 KiB");
	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, 60 * KiB,
		       "multiboot information must start page-aligned, above the first 64 KiB");
	expect_refusal(s, GUEST_BOOT_MULTIBOOT2, 0,
		       "multiboot information must start page-aligned, above the first 64 KiB");
	s->params.mem_size = MiB - 1;
	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, AT, "guest memory is smaller than 1 MiB");
	s->params.mem_size = MiB + (UINT32_MAX + 1ull) * KiB;
	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, AT,
		       "guest memory is too large for the multiboot mem_upper field");
	assert_untouched_below(s, s->mem_size);
}

static void test_does_not_fit(void **state)
{
	static const char why[] =
		"modules and multiboot information do not fit in guest memory below 4 GiB";
	struct setup *s = *state;
	char *long_cmdline = malloc(5000);

	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, MEM_SIZE, why);
	expect_refusal(s, GUEST_BOOT_MULTIBOOT2, MEM_SIZE - PAGE_SIZE, why); /* module 0 */
	s->params.nr_modules = 0;
	memset(long_cmdline, 'a', 4999);
	long_cmdline[4999] = '\0';
	s->params.cmdline = long_cmdline;
	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, MEM_SIZE - PAGE_SIZE, why);
	expect_refusal(s, GUEST_BOOT_MULTIBOOT2, MEM_SIZE - PAGE_SIZE, why);
	free(long_cmdline);
}

/* Nothing is written when it would not lie below 4 GiB: mem is never touched there. */
static void test_below_4gib(void **state)
{
	static const char why[] =
		"modules and multiboot information do not fit in guest memory below 4 GiB";
	struct setup *s = *state;

	s->params.mem_size = 8 * GiB;
	expect_refusal(s, GUEST_BOOT_MULTIBOOT2, 4 * GiB, why);
	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, 4 * GiB - PAGE_SIZE, why);
	assert_untouched_below(s, s->mem_size);
}

static void test_low_reserved_range(void **state)
{
	struct setup *s = *state;

	expect_refusal(s, GUEST_BOOT_MULTIBOOT1, 0x9f000,
		       "modules and multiboot information would overlap the reserved 0x9fc00-0x100000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mb1_layout, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_no_modules_no_cmdline, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_layout, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_no_modules_no_cmdline, setup_full, teardown),
		cmocka_unit_test(test_one_mib_guest),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test_setup_teardown(test_bad_parameters, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_does_not_fit, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_below_4gib, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_low_reserved_range, setup_full, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
