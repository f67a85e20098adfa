/*
 * Host unit tests of the XCR0 rules (cpumodel/xcr0.c): one test per rule of
 * Intel SDM vol. 1, 13.3 and vol. 3, 2.6, on a CPU that offers everything
 * and on CPUs that offer less.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpumodel/xcr0.h"

#define FP_SSE       (XCR0_X87 | XCR0_SSE)
#define FP_SSE_AVX   (FP_SSE | XCR0_AVX)
#define BNDREGS      BIT(3)
#define BNDCSR       BIT(4)
#define OPMASK       BIT(5)
#define ZMM_HI256    BIT(6)
#define HI16_ZMM     BIT(7)
#define XTILECFG     BIT(17)
#define XTILEDATA    BIT(18)
#define APX          BIT(19)

/* A CPU with every user component up to APX, and the supervisor ones reported too (never valid). */
#define ALL_USER     (FP_SSE_AVX | XCR0_MPX | XCR0_AVX512 | XCR0_PKRU | XCR0_AMX | APX)
#define EVERYTHING   (ALL_USER | XCR0_SUPERVISOR | XCR0_RESERVED)
/* Sapphire Rapids: x87, SSE, AVX, AVX-512, PKRU, AMX; no MPX */
#define SPR          (FP_SSE_AVX | XCR0_AVX512 | XCR0_PKRU | XCR0_AMX)
/* A CPU with SSE and AVX only (QEMU's TCG) */
#define AVX_ONLY     FP_SSE_AVX

static void test_x87_must_be_set(void **state)
{
	(void)state;
	assert_false(xcr0_valid(0, EVERYTHING));
	assert_false(xcr0_valid(XCR0_SSE, EVERYTHING));
	assert_false(xcr0_valid(ALL_USER & ~XCR0_X87, EVERYTHING));
	assert_true(xcr0_valid(XCR0_X87, EVERYTHING));
	assert_true(xcr0_valid(XCR0_X87, XCR0_X87));
}

static void test_avx_needs_sse(void **state)
{
	(void)state;
	assert_false(xcr0_valid(XCR0_X87 | XCR0_AVX, EVERYTHING));
	assert_true(xcr0_valid(FP_SSE_AVX, EVERYTHING));
	assert_true(xcr0_valid(FP_SSE, EVERYTHING));
}

static void test_avx512_all_three_or_none(void **state)
{
	(void)state;
	for (uint64_t part = OPMASK; part <= XCR0_AVX512; part += OPMASK) {
		if ((part & XCR0_AVX512) == XCR0_AVX512)
			continue;
		assert_false(xcr0_valid(FP_SSE_AVX | part, EVERYTHING));
	}
	assert_true(xcr0_valid(FP_SSE_AVX | XCR0_AVX512, EVERYTHING));
}

static void test_avx512_needs_avx(void **state)
{
	(void)state;
	assert_false(xcr0_valid(FP_SSE | XCR0_AVX512, EVERYTHING));
	assert_false(xcr0_valid(XCR0_X87 | XCR0_AVX512, EVERYTHING));
	/* AVX without SSE stays wrong with AVX-512 too */
	assert_false(xcr0_valid(XCR0_X87 | XCR0_AVX | XCR0_AVX512, EVERYTHING));
}

static void test_mpx_both_or_none(void **state)
{
	(void)state;
	assert_false(xcr0_valid(FP_SSE | BNDREGS, EVERYTHING));
	assert_false(xcr0_valid(FP_SSE | BNDCSR, EVERYTHING));
	assert_true(xcr0_valid(FP_SSE | XCR0_MPX, EVERYTHING));
	assert_true(xcr0_valid(XCR0_X87 | XCR0_MPX, EVERYTHING)); /* MPX needs nothing else */
}

/* The Linux value: XTILECFG without XTILEDATA */
static void test_amx_both_or_none(void **state)
{
	(void)state;
	assert_false(xcr0_valid(0x202e7, SPR));
	assert_false(xcr0_valid(0x20003, SPR));
	assert_false(xcr0_valid(FP_SSE | XTILEDATA, SPR));
	assert_true(xcr0_valid(0x602e7, SPR));
	assert_true(xcr0_valid(FP_SSE | XCR0_AMX, SPR));
}

static void test_only_offered_components(void **state)
{
	(void)state;
	assert_false(xcr0_valid(FP_SSE | XCR0_MPX, SPR));
	assert_false(xcr0_valid(FP_SSE_AVX | XCR0_AVX512, AVX_ONLY));
	assert_false(xcr0_valid(FP_SSE | XCR0_PKRU, AVX_ONLY));
	assert_false(xcr0_valid(FP_SSE | XCR0_AMX, AVX_ONLY));
	assert_false(xcr0_valid(FP_SSE | APX, SPR));
	assert_false(xcr0_valid(FP_SSE | BIT(32), SPR));
	assert_true(xcr0_valid(FP_SSE | APX, ALL_USER));
	assert_true(xcr0_valid(AVX_ONLY, AVX_ONLY));
	assert_true(xcr0_valid(SPR, SPR));
}

/* A component no rule names yet is as valid as the CPU says (the fix-up backs this up) */
static void test_unknown_offered_component(void **state)
{
	(void)state;
	assert_true(xcr0_valid(FP_SSE | BIT(40), FP_SSE | BIT(40)));
	assert_false(xcr0_valid(FP_SSE | BIT(40), FP_SSE));
}

static void test_no_supervisor_component(void **state)
{
	(void)state;
	for (unsigned int bit = 8; bit <= 16; bit++) {
		if (bit == 9) /* PKRU is a user component */
			continue;
		assert_false(xcr0_valid(FP_SSE | BIT(bit), EVERYTHING));
	}
	assert_true(xcr0_valid(FP_SSE | XCR0_PKRU, EVERYTHING));
}

static void test_bit_63_reserved(void **state)
{
	(void)state;
	assert_false(xcr0_valid(FP_SSE | BIT(63), EVERYTHING));
	assert_false(xcr0_valid(FP_SSE | BIT(63), ~0ULL));
}

static void test_everything_valid_at_once(void **state)
{
	(void)state;
	assert_true(xcr0_valid(ALL_USER, EVERYTHING));
	assert_true(xcr0_valid(ALL_USER, ~0ULL));
	assert_false(xcr0_valid(ALL_USER | BIT(8), ~0ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x87_must_be_set),
		cmocka_unit_test(test_avx_needs_sse),
		cmocka_unit_test(test_avx512_all_three_or_none),
		cmocka_unit_test(test_avx512_needs_avx),
		cmocka_unit_test(test_mpx_both_or_none),
		cmocka_unit_test(test_amx_both_or_none),
		cmocka_unit_test(test_only_offered_components),
		cmocka_unit_test(test_unknown_offered_component),
		cmocka_unit_test(test_no_supervisor_component),
		cmocka_unit_test(test_bit_63_reserved),
		cmocka_unit_test(test_everything_valid_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
