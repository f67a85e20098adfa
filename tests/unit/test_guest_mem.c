/*
 * The guest page-table walk (core/guest_mem.c) in every mode a guest can be
 * in (Intel SDM vol. 3, 4.3-4.5): paging off, 32-bit paging with and without
 * PSE (4 MiB pages, PSE-36 address bits), PAE (the PDPTE by bits 31:30, 2 MiB
 * pages), 4-level (1 GiB and 2 MiB pages, canonical addresses), and reads
 * and writes across a page boundary up to the first page not mapped. The
 * gdb stub's memory access and the MMIO decoder's fetches go through it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/guest_mem.h"

#define MEM_SIZE 0x200000ul /* 2 MiB of guest RAM */
#define P   0x1ull
#define RW  0x2ull
#define PS  0x80ull

static uint8_t ram[MEM_SIZE] __attribute__((aligned(4096)));
static struct partition part;
static struct vcpu vcpu;

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	part.mem = ram;
	part.mem_size = MEM_SIZE;
	vcpu.partition = &part;
	return 0;
}

static void put32(uint64_t gpa, uint32_t v) { memcpy(&ram[gpa], &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(&ram[gpa], &v, 8); }

static uint64_t walk(const struct vcpu_control_regs *c, uint64_t gva)
{
	uint64_t gpa = 0;

	return gva_to_gpa(&vcpu, c, gva, &gpa) ? gpa : ~0ull;
}

static void test_paging_off(void **state)
{
	struct vcpu_control_regs c = { .cr0 = 1 };

	(void)state;
	assert_int_equal(walk(&c, 0x12345), 0x12345);
	assert_int_equal(walk(&c, 0x100012345ull), 0x12345); /* 32-bit addresses wrap */
}

/* 32-bit paging: directory at 0x1000, a table at 0x2000; 0x400000 is a 4 MiB page. */
static void test_32bit_paging(void **state)
{
	struct vcpu_control_regs c = { .cr0 = CR0_PG | 1, .cr3 = 0x1000 };

	(void)state;
	put32(0x1000 + 0 * 4, 0x2000 | P | RW);
	put32(0x2000 + 5 * 4, 0x7000 | P);
	put32(0x1000 + 1 * 4, 0x00400000 | (0x3u << 13) | PS | P); /* PSE-36: bits 33:32 = 3 */
	assert_int_equal(walk(&c, 0x5abc), 0x7abc);
	assert_int_equal(walk(&c, 0x6000), ~0ull);                 /* PTE not present */
	assert_int_equal(walk(&c, 0x400123), ~0ull);               /* PS ignored without PSE: */
	c.cr4 = CR4_PSE;                                            /* its "table" is empty */
	assert_int_equal(walk(&c, 0x412345), 0x300412345ull);
	assert_int_equal(walk(&c, 0x800000), ~0ull);               /* PDE not present */
}

/* PAE: the PDPT (32-byte aligned) at 0x1020, its entry 2 for 0x80000000-0xbfffffff. */
static void test_pae_paging(void **state)
{
	struct vcpu_control_regs c = { .cr0 = CR0_PG | 1, .cr3 = 0x1020, .cr4 = CR4_PAE };

	(void)state;
	put64(0x1020 + 2 * 8, 0x3000 | P);
	put64(0x3000 + 1 * 8, 0x4000 | P | RW);              /* 0x80200000: a table */
	put64(0x4000 + 3 * 8, 0x9000 | P);
	put64(0x3000 + 2 * 8, 0x00200000 | PS | P | RW);     /* 0x80400000: a 2 MiB page */
	assert_int_equal(walk(&c, 0x80203010), 0x9010);
	assert_int_equal(walk(&c, 0x80412345), 0x212345);
	assert_int_equal(walk(&c, 0x40203010), ~0ull);       /* PDPTE 1 not present */
}

/* 4-level: PML4 at 0x1000; 1 GiB and 2 MiB pages, a 4 KiB one, the upper half. */
static void test_4level_paging(void **state)
{
	struct vcpu_control_regs c = { .cr0 = CR0_PG | 1, .cr3 = 0x1000, .cr4 = CR4_PAE,
				       .efer = EFER_LMA | (1ull << 8) };

	(void)state;
	put64(0x1000 + 0 * 8, 0x2000 | P | RW);
	put64(0x2000 + 1 * 8, 0x40000000 | PS | P);          /* 1 GiB at 0x40000000 */
	put64(0x2000 + 0 * 8, 0x3000 | P);
	put64(0x3000 + 1 * 8, 0x00200000 | PS | P);          /* 2 MiB at 0x200000 */
	put64(0x3000 + 0 * 8, 0x4000 | P);
	put64(0x4000 + 7 * 8, 0x8000 | P);
	put64(0x1000 + 511 * 8, 0x5000 | P);                 /* 0xffffff8000000000 */
	put64(0x5000 + 0 * 8, 0x6000 | P);
	put64(0x6000 + 0 * 8, 0x0 | PS | P);                 /* 2 MiB at 0 */
	assert_int_equal(walk(&c, 0x7123), 0x8123);
	assert_int_equal(walk(&c, 0x212345), 0x212345);
	assert_int_equal(walk(&c, 0x40001234), 0x40001234);
	assert_int_equal(walk(&c, 0xffffff8000001234ull), 0x1234);
	assert_int_equal(walk(&c, 0x0000ff8000001234ull), ~0ull); /* not canonical */
	assert_int_equal(walk(&c, 0x8000), ~0ull);
}

/* A read across two pages, the second not mapped: false; within RAM by GPA only. */
static void test_copy_stops_at_an_unmapped_page(void **state)
{
	struct vcpu_control_regs c = { .cr0 = CR0_PG | 1, .cr3 = 0x1000 };
	uint8_t buf[16];

	(void)state;
	put32(0x1000, 0x2000 | P | RW);
	put32(0x2000 + 1 * 4, 0x5000 | P | RW);
	put32(0x2000 + 2 * 4, 0x6000 | P | RW);
	memset(&ram[0x5ff8], 0xab, 8);
	memset(&ram[0x6000], 0xcd, 8);
	assert_true(gva_read(&vcpu, &c, 0x1ff8, buf, 16));
	assert_int_equal(buf[0], 0xab);
	assert_int_equal(buf[15], 0xcd);
	assert_true(gva_write(&vcpu, &c, 0x1ffc, "\x11\x22\x33\x44\x55\x66\x77\x88", 8));
	assert_int_equal(ram[0x5ffc], 0x11);
	assert_int_equal(ram[0x6000], 0x55);
	assert_false(gva_read(&vcpu, &c, 0x2ff8, buf, 16)); /* 0x3000 not mapped */
	put32(0x2000 + 3 * 4, (uint32_t)MEM_SIZE | P);      /* mapped outside RAM */
	assert_false(gva_read(&vcpu, &c, 0x3000, buf, 1));
	assert_false(gpa_read(&part, MEM_SIZE - 4, buf, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paging_off, setup),
		cmocka_unit_test_setup(test_32bit_paging, setup),
		cmocka_unit_test_setup(test_pae_paging, setup),
		cmocka_unit_test_setup(test_4level_paging, setup),
		cmocka_unit_test_setup(test_copy_stops_at_an_unmapped_page, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
