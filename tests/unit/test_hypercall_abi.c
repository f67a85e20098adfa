/* Host unit tests of the hypercall ABI (synic/hypercall_abi.c): who may call, the registers, the call table, the input-value checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "synic/hypercall.h"

#define ALL_PRIVILEGES (HV_PRIV_POST_MESSAGES | HV_PRIV_SIGNAL_EVENTS)
#define ALL_HINTS      (HV_HINT_CLUSTER_IPI | HV_HINT_EX_PROCESSOR_MASKS | HV_HINT_REMOTE_TLB_FLUSH)

/*
 * Input values are built from raw 64-bit numbers (TLFS 3.7 / spec 3.3 layout:
 * 15:0 code, 16 fast, 26:17 variable header size, 30:27 RsvdZ, 31 nested,
 * 43:32 rep count, 47:44 RsvdZ, 59:48 rep start, 63:60 RsvdZ), so that the
 * bit positions of the bitfield union are tested too.
 */
#define IN_FAST         (1ULL << 16)
#define IN_VAR_HDR(n)   ((uint64_t)(n) << 17)
#define IN_REP_COUNT(n) ((uint64_t)(n) << 32)
#define IN_REP_START(n) ((uint64_t)(n) << 48)

#define GPA_PAGE        0x12345000ULL	/* a page-aligned input GPA */

static union hv_hypercall_input raw_input(uint64_t raw)
{
	return (union hv_hypercall_input){ .raw = raw };
}

static enum hv_status check_raw(uint16_t code, uint64_t raw, uint64_t gpa)
{
	return hv_call_check(hv_call_find(code), raw_input(raw), gpa, ALL_PRIVILEGES, ALL_HINTS);
}

/* ---- the table ---- */

static void test_find_known_calls(void **state)
{
	(void)state;
	const struct hv_call_desc *post = hv_call_find(0x5c);
	const struct hv_call_desc *signal = hv_call_find(0x5d);

	assert_non_null(post);
	assert_int_equal(post->code, 0x5c);
	assert_int_equal(post->input_size, 256);
	assert_false(post->fast);

	assert_non_null(signal);
	assert_int_equal(signal->code, 0x5d);
	assert_int_equal(signal->input_size, 8);
	assert_true(signal->fast);

	assert_ptr_equal(hv_call_find(HV_CALL_POST_MESSAGE), post);
	assert_ptr_equal(hv_call_find(HV_CALL_SIGNAL_EVENT), signal);
}

static void test_find_unknown_calls(void **state)
{
	(void)state;
	static const uint16_t unknown[] = { 0, 0x01, 0x04, 0x0a, 0x0c, 0x12, 0x16, 0x5b, 0x5e, 0xffff };

	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		assert_null(hv_call_find(unknown[i]));
}

/* ---- hv_call_check ---- */

static void test_unknown_code(void **state)
{
	(void)state;
	assert_int_equal(hv_call_check(NULL, raw_input(0x5b), GPA_PAGE, ALL_PRIVILEGES, ALL_HINTS),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(check_raw(0x5e, 0x5e, GPA_PAGE), HV_STATUS_INVALID_HYPERCALL_CODE);
	/* the code wins over everything else wrong with the input */
	assert_int_equal(hv_call_check(NULL, raw_input(~0ULL), GPA_PAGE + 1, ALL_PRIVILEGES, ALL_HINTS),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
}

static void test_valid_simple_calls(void **state)
{
	(void)state;
	assert_int_equal(check_raw(0x5c, 0x000000000000005cULL, GPA_PAGE), HV_STATUS_SUCCESS);
	assert_int_equal(check_raw(0x5d, 0x000000000000005dULL, GPA_PAGE + 0x10),
			 HV_STATUS_SUCCESS);
}

static void test_reserved_bits(void **state)
{
	(void)state;
	unsigned int bits[16], n = 0;

	for (unsigned int b = 27; b <= 30; b++)
		bits[n++] = b;
	bits[n++] = 31;					/* nested */
	for (unsigned int b = 44; b <= 47; b++)
		bits[n++] = b;
	for (unsigned int b = 60; b <= 63; b++)
		bits[n++] = b;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t bit = 1ULL << bits[i];

		assert_int_equal(check_raw(0x5c, 0x5c | bit, GPA_PAGE),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
		assert_int_equal(check_raw(0x5d, 0x5d | bit, GPA_PAGE),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
		/* also with the fast form, which must not skip the check */
		assert_int_equal(check_raw(0x5d, 0x5d | IN_FAST | bit, 0),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
	}
	/* the whole reserved fields at once */
	assert_int_equal(check_raw(0x5c, 0x5c | 0x00000000f8000000ULL, GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5c, 0x5c | 0x0000f00000000000ULL, GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5c, 0x5c | 0xf000000000000000ULL, GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
}

static void test_variable_header_size(void **state)
{
	(void)state;
	static const unsigned int sizes[] = { 1, 2, 0x155, 0x3ff };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		assert_int_equal(check_raw(0x5c, 0x5c | IN_VAR_HDR(sizes[i]), GPA_PAGE),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
		assert_int_equal(check_raw(0x5d, 0x5d | IN_VAR_HDR(sizes[i]) | IN_FAST, 0),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
	}
	/* every single bit of 26:17 */
	for (unsigned int b = 17; b <= 26; b++)
		assert_int_equal(check_raw(0x5c, 0x5c | 1ULL << b, GPA_PAGE),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
}

static void test_rep_count_and_start(void **state)
{
	(void)state;
	for (unsigned int b = 32; b <= 43; b++)		/* rep count */
		assert_int_equal(check_raw(0x5c, 0x5c | 1ULL << b, GPA_PAGE),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
	for (unsigned int b = 48; b <= 59; b++)		/* rep start */
		assert_int_equal(check_raw(0x5c, 0x5c | 1ULL << b, GPA_PAGE),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5c, 0x5c | IN_REP_COUNT(1), GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5c, 0x5c | IN_REP_COUNT(0xfff), GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5d, 0x5d | IN_REP_START(1), GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5d, 0x5d | IN_REP_COUNT(2) | IN_REP_START(1), GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5d, 0x5d | IN_FAST | IN_REP_COUNT(1), 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
}

static void test_fast_form(void **state)
{
	(void)state;
	static const uint64_t gpas[] = {	/* in the fast form RDX is the input, not a GPA */
		0, 1, 7, 0xff9, 0xfff, GPA_PAGE + 0xff9, 0xffffffffffffffffULL,
	};

	assert_int_equal(check_raw(0x5c, 0x000000000001005cULL, GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x5c, 0x5c | IN_FAST, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
	for (size_t i = 0; i < ARRAY_SIZE(gpas); i++)
		assert_int_equal(check_raw(0x5d, 0x000000000001005dULL, gpas[i]),
				 HV_STATUS_SUCCESS);
}

static void test_memory_input_alignment(void **state)
{
	(void)state;
	for (uint64_t off = 1; off < 8; off++) {
		assert_int_equal(check_raw(0x5c, 0x5c, GPA_PAGE + off),
				 HV_STATUS_INVALID_ALIGNMENT);
		assert_int_equal(check_raw(0x5d, 0x5d, GPA_PAGE + 0x100 + off),
				 HV_STATUS_INVALID_ALIGNMENT);
	}
	assert_int_equal(check_raw(0x5d, 0x5d, GPA_PAGE + 0xffc), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(check_raw(0x5d, 0x5d, GPA_PAGE + 8), HV_STATUS_SUCCESS);
}

static void test_memory_input_within_one_page(void **state)
{
	(void)state;
	/* PostMessage: 256 bytes */
	assert_int_equal(check_raw(0x5c, 0x5c, GPA_PAGE + 0xf00), HV_STATUS_SUCCESS);
	assert_int_equal(check_raw(0x5c, 0x5c, GPA_PAGE + 0xf08), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(check_raw(0x5c, 0x5c, GPA_PAGE + 0xff8), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(check_raw(0x5c, 0x5c, GPA_PAGE + 0xef8), HV_STATUS_SUCCESS);
	/* SignalEvent: 8 bytes */
	assert_int_equal(check_raw(0x5d, 0x5d, GPA_PAGE + 0xff8), HV_STATUS_SUCCESS);
	assert_int_equal(check_raw(0x5d, 0x5d, GPA_PAGE), HV_STATUS_SUCCESS);
	/* a high GPA: only the offset within the page matters */
	assert_int_equal(check_raw(0x5c, 0x5c, 0x000ffffffffff000ULL + 0xf00), HV_STATUS_SUCCESS);
	assert_int_equal(check_raw(0x5c, 0x5c, 0x000ffffffffff000ULL + 0xf08),
			 HV_STATUS_INVALID_ALIGNMENT);
}

/* The bitfield union against the raw layout. */
static void test_input_union_layout(void **state)
{
	(void)state;
	union hv_hypercall_input in = raw_input(0xabcd0123456789efULL);

	assert_int_equal(in.code, 0x89ef);
	assert_int_equal(in.fast, 1);			/* 0x67: bit 16 set */
	assert_int_equal(in.var_header_size, (0x456789efULL >> 17) & 0x3ff);
	assert_int_equal(in.reserved1, (0x456789efULL >> 27) & 0xf);
	assert_int_equal(in.nested, 0);
	assert_int_equal(in.rep_count, 0x123);
	assert_int_equal(in.reserved2, 0);
	assert_int_equal(in.rep_start, 0xbcd);
	assert_int_equal(in.reserved3, 0xa);

	/* each field alone, all ones: the exact mask of its bits */
	in = raw_input(0x000000000000ffffULL);
	assert_int_equal(in.code, 0xffff);
	assert_int_equal(in.raw & ~0xffffULL, 0);
	assert_int_equal(raw_input(1ULL << 16).fast, 1);
	assert_int_equal(raw_input(0x0000000007fe0000ULL).var_header_size, 0x3ff);
	assert_int_equal(raw_input(0x0000000078000000ULL).reserved1, 0xf);
	assert_int_equal(raw_input(0x0000000080000000ULL).nested, 1);
	assert_int_equal(raw_input(0x00000fff00000000ULL).rep_count, 0xfff);
	assert_int_equal(raw_input(0x0000f00000000000ULL).reserved2, 0xf);
	assert_int_equal(raw_input(0x0fff000000000000ULL).rep_start, 0xfff);
	assert_int_equal(raw_input(0xf000000000000000ULL).reserved3, 0xf);
	/* and each neighbour's bits outside it */
	in = raw_input(~0x00000fff00000000ULL);
	assert_int_equal(in.rep_count, 0);
	in = raw_input(~0x0000f00000000000ULL);
	assert_int_equal(in.reserved2, 0);
	in = raw_input(~0x0fff000000000000ULL);
	assert_int_equal(in.rep_start, 0);
	in = raw_input(~0x0000000007fe0000ULL);
	assert_int_equal(in.var_header_size, 0);
	in = raw_input(~0x0000000078000000ULL);
	assert_int_equal(in.reserved1, 0);
}

/* A partition without the call's privilege gets ACCESS_DENIED, before any other error. */
static void test_privilege_missing(void **state)
{
	const struct hv_call_desc *post = hv_call_find(HV_CALL_POST_MESSAGE);
	const struct hv_call_desc *signal = hv_call_find(HV_CALL_SIGNAL_EVENT);
	union hv_hypercall_input bad = { .raw = HV_CALL_POST_MESSAGE | 1ULL << 60 };

	(void)state;
	assert_int_equal(hv_call_check(post, (union hv_hypercall_input){ .raw = HV_CALL_POST_MESSAGE },
				       0x1000, HV_PRIV_SIGNAL_EVENTS, 0), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(hv_call_check(post, bad, 0x1001, 0, 0), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(hv_call_check(signal, (union hv_hypercall_input){ .raw = HV_CALL_SIGNAL_EVENT },
				       0x1000, HV_PRIV_POST_MESSAGES, 0), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(hv_call_check(signal, (union hv_hypercall_input){ .raw = HV_CALL_SIGNAL_EVENT },
				       0x1000, HV_PRIV_SIGNAL_EVENTS, 0), HV_STATUS_SUCCESS);
}

/* The IPI calls need their recommendations (0x40000004.EAX bits 10 and 11), as KVM enforces them. */
static void test_ipi_calls_need_their_hints(void **state)
{
	const struct hv_call_desc *ipi = hv_call_find(HV_CALL_SEND_IPI);
	const struct hv_call_desc *ex = hv_call_find(HV_CALL_SEND_IPI_EX);
	union hv_hypercall_input fast = { .raw = HV_CALL_SEND_IPI | IN_FAST };
	union hv_hypercall_input ex1 = { .raw = HV_CALL_SEND_IPI_EX | IN_VAR_HDR(1) };

	(void)state;
	assert_int_equal(hv_call_check(ipi, fast, 0, 0, 0), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(hv_call_check(ipi, fast, 0, 0, HV_HINT_CLUSTER_IPI), HV_STATUS_SUCCESS);
	assert_int_equal(hv_call_check(ex, ex1, GPA_PAGE, 0, HV_HINT_CLUSTER_IPI),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(hv_call_check(ex, ex1, GPA_PAGE, 0, ALL_HINTS), HV_STATUS_SUCCESS);
}

/* A variable header: only HvCallSendSyntheticClusterIpiEx's, in memory, within the page. */
static void test_variable_header(void **state)
{
	(void)state;
	assert_int_equal(check_raw(0x15, 0x15 | IN_VAR_HDR(64), GPA_PAGE), HV_STATUS_SUCCESS);
	assert_int_equal(check_raw(0x15, 0x15 | IN_VAR_HDR(65), GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x15, 0x15 | IN_VAR_HDR(1) | IN_FAST, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x0b, 0x0b | IN_VAR_HDR(1) | IN_FAST, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* 24 fixed bytes and 2 units end past the page 16 bytes before its end */
	assert_int_equal(check_raw(0x15, 0x15 | IN_VAR_HDR(2), GPA_PAGE + 4096 - 32),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(check_raw(0x15, 0x15 | IN_VAR_HDR(1), GPA_PAGE + 4096 - 32),
			 HV_STATUS_SUCCESS);
	assert_int_equal(hv_call_input_size(hv_call_find(0x15), raw_input(0x15 | IN_VAR_HDR(3))), 48);
}

/* The flush calls: the remote-flush recommendation; List forms are rep calls (TLFS 3.7.1). */
static void test_flush_calls(void **state)
{
	const struct hv_call_desc *space = hv_call_find(HV_CALL_FLUSH_SPACE);

	(void)state;
	assert_int_equal(hv_call_check(space, raw_input(0x02), GPA_PAGE, 0, HV_HINT_CLUSTER_IPI),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(check_raw(0x02, 0x02, GPA_PAGE), HV_STATUS_SUCCESS);
	assert_int_equal(check_raw(0x02, 0x02 | IN_FAST, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x02, 0x02 | IN_REP_COUNT(1), GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x03, 0x03 | IN_REP_COUNT(3), GPA_PAGE), HV_STATUS_SUCCESS);
	assert_int_equal(check_raw(0x03, 0x03, GPA_PAGE), HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check_raw(0x03, 0x03 | IN_REP_COUNT(3) | IN_REP_START(3), GPA_PAGE),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* 24 bytes and 3 ranges of 8: 48 bytes, one past the page from 4096 - 40 */
	assert_int_equal(check_raw(0x03, 0x03 | IN_REP_COUNT(3), GPA_PAGE + 4096 - 40),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(check_raw(0x14, 0x14 | IN_VAR_HDR(1) | IN_REP_COUNT(1), GPA_PAGE),
			 HV_STATUS_SUCCESS);
	assert_int_equal(hv_call_header_size(hv_call_find(0x14), raw_input(0x14 | IN_VAR_HDR(1) |
									  IN_REP_COUNT(5))), 40);
	assert_int_equal(hv_call_input_size(hv_call_find(0x14), raw_input(0x14 | IN_VAR_HDR(1) |
									 IN_REP_COUNT(5))), 80);
}

/* TLFS 7.8.7.6: an HV_VP_SET of every VP, or of the banks its mask names. */
static void test_vp_sets(void **state)
{
	const uint64_t banks[] = { 0x5, 0xff };
	uint64_t vps = 0;

	(void)state;
	assert_true(hv_vp_set_low(HV_VP_SET_ALL, 0, NULL, 0, &vps));
	assert_int_equal(vps, ~0ULL);
	assert_true(hv_vp_set_low(HV_VP_SET_SPARSE_4K, 0x3, banks, 2, &vps));
	assert_int_equal(vps, 0x5);
	assert_true(hv_vp_set_low(HV_VP_SET_SPARSE_4K, 0x2, banks + 1, 1, &vps));
	assert_int_equal(vps, 0); /* only VPs 64-127 */
	assert_true(hv_vp_set_low(HV_VP_SET_SPARSE_4K, 0, NULL, 0, &vps));
	assert_int_equal(vps, 0);
	assert_false(hv_vp_set_low(HV_VP_SET_SPARSE_4K, 0x3, banks, 1, &vps)); /* one bank short */
	assert_false(hv_vp_set_low(2, 0, NULL, 0, &vps));                     /* no such format */
}

/* TLFS 3.8: CPL 0 in protected or long mode, once GUEST_OS_ID is set; else #UD. */
static void test_who_may_call(void **state)
{
	(void)state;
	assert_true(hv_call_allowed(0, 0x80000011, 1));
	assert_true(hv_call_allowed(0, 0x1, 0x8100000000000001ULL));
	assert_false(hv_call_allowed(3, 0x80000011, 1));	/* user mode */
	assert_false(hv_call_allowed(1, 0x11, 1));
	assert_false(hv_call_allowed(0, 0x10, 1));		/* real mode: CR0.PE clear */
	assert_false(hv_call_allowed(0, 0x80000011, 0));	/* before GUEST_OS_ID */
}

static void test_registers_in_64_bit_mode(void **state)
{
	struct guest_regs r = { .rcx = 0x000000010001005dULL, .rdx = 0x1122334455667788ULL,
				.r8 = 0x99aabbccddeeff00ULL, .rax = 0xdead, .rbx = 0xbeef };
	struct hv_call call = hv_call_read(&r, true);

	(void)state;
	assert_int_equal(call.input.raw, 0x000000010001005dULL);
	assert_int_equal(call.param0, 0x1122334455667788ULL);
	assert_int_equal(call.param1, 0x99aabbccddeeff00ULL);
	hv_call_write_result(&r, true, 0x0000000100000012ULL);
	assert_int_equal(r.rax, 0x0000000100000012ULL);
	assert_int_equal(r.rdx, 0x1122334455667788ULL);	/* untouched */
}

/* In 32-bit mode only the low halves count: EDX:EAX, EBX:ECX, EDI:ESI. */
static void test_registers_in_32_bit_mode(void **state)
{
	struct guest_regs r = { .rdx = 0xffffffff00000001ULL, .rax = 0xffffffff0001005dULL,
				.rbx = 0x1200000000000034ULL, .rcx = 0xab00000056789000ULL,
				.rdi = 0x77, .rsi = 0xcd000000000001f8ULL };
	struct hv_call call = hv_call_read(&r, false);

	(void)state;
	assert_int_equal(call.input.raw, 0x000000010001005dULL);
	assert_int_equal(call.param0, 0x0000003456789000ULL);
	assert_int_equal(call.param1, 0x00000077000001f8ULL);
	hv_call_write_result(&r, false, 0x0000000200000013ULL);
	assert_int_equal(r.rax, 0x13);
	assert_int_equal(r.rdx, 0x2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_known_calls),
		cmocka_unit_test(test_find_unknown_calls),
		cmocka_unit_test(test_unknown_code),
		cmocka_unit_test(test_valid_simple_calls),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_variable_header_size),
		cmocka_unit_test(test_rep_count_and_start),
		cmocka_unit_test(test_fast_form),
		cmocka_unit_test(test_memory_input_alignment),
		cmocka_unit_test(test_memory_input_within_one_page),
		cmocka_unit_test(test_input_union_layout),
		cmocka_unit_test(test_privilege_missing),
		cmocka_unit_test(test_ipi_calls_need_their_hints),
		cmocka_unit_test(test_variable_header),
		cmocka_unit_test(test_vp_sets),
		cmocka_unit_test(test_flush_calls),
		cmocka_unit_test(test_who_may_call),
		cmocka_unit_test(test_registers_in_64_bit_mode),
		cmocka_unit_test(test_registers_in_32_bit_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
