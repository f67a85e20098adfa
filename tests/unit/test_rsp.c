/*
 * Host unit tests of the GDB remote-protocol framing (gdb/rsp.c): packets and
 * their checksums, escapes, interrupts, acks and noise between packets,
 * overlong packets, the frames the stub sends, and the hex helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gdb/rsp.h"

static struct rsp_rx rx;

/* Feeds s; the last event. */
static enum rsp_event feed(const char *s)
{
	enum rsp_event e = RSP_NONE;

	for (; *s; s++)
		e = rsp_rx_byte(&rx, (uint8_t)*s);
	return e;
}

static int setup(void **state)
{
	(void)state;
	rsp_rx_reset(&rx);
	return 0;
}

static void test_packet_with_good_checksum(void **state)
{
	(void)state;
	assert_int_equal(feed("$g#67"), RSP_PACKET);
	assert_string_equal(rx.data, "g");
	assert_int_equal(feed("+$qSupported:multiprocess+#c6"), RSP_PACKET);
	assert_string_equal(rx.data, "qSupported:multiprocess+");
	assert_int_equal(feed("$#00"), RSP_PACKET);	/* empty */
	assert_int_equal(rx.len, 0);
}

static void test_bad_checksum_refused(void **state)
{
	(void)state;
	assert_int_equal(feed("$g#68"), RSP_BAD_PACKET);
	assert_int_equal(feed("$g#6z"), RSP_BAD_PACKET);
	assert_int_equal(feed("$g#z7"), RSP_BAD_PACKET);
	assert_int_equal(feed("$g#67"), RSP_PACKET);	/* the next one is taken */
}

static void test_checksum_digits_any_case(void **state)
{
	(void)state;
	assert_int_equal(feed("$m0,1#FA"), RSP_PACKET);
	assert_string_equal(rx.data, "m0,1");
}

static void test_escape_undone(void **state)
{
	(void)state;
	/* "X}" + ('#' ^ 0x20) = "X}\x03": the data is "X#"; sum over the bytes as sent */
	char pkt[16];
	uint8_t sum = (uint8_t)('X' + '}' + ('#' ^ 0x20));

	snprintf(pkt, sizeof(pkt), "$X}%c#%02x", '#' ^ 0x20, sum);
	assert_int_equal(feed(pkt), RSP_PACKET);
	assert_int_equal(rx.len, 2);
	assert_memory_equal(rx.data, "X#", 2);
}

static void test_interrupt_outside_packet(void **state)
{
	(void)state;
	assert_int_equal(rsp_rx_byte(&rx, 0x03), RSP_INTERRUPT);
	assert_int_equal(feed("$c"), RSP_NONE);
	assert_int_equal(rsp_rx_byte(&rx, 0x03), RSP_NONE);	/* inside: data */
}

static void test_noise_between_packets_ignored(void **state)
{
	(void)state;
	assert_int_equal(feed("+-garbage#00"), RSP_NONE);
	assert_int_equal(feed("$?#3f"), RSP_PACKET);
	assert_string_equal(rx.data, "?");
}

static void test_new_dollar_restarts(void **state)
{
	(void)state;
	assert_int_equal(feed("$half"), RSP_NONE);
	assert_int_equal(rsp_rx_byte(&rx, '#'), RSP_NONE);
	assert_int_equal(feed("xx"), RSP_BAD_PACKET);
	assert_int_equal(feed("$g#67"), RSP_PACKET);
}

static void test_overlong_packet_refused(void **state)
{
	(void)state;
	uint8_t sum = 0;

	rsp_rx_byte(&rx, '$');
	for (int i = 0; i < RSP_PACKET_MAX + 10; i++) {
		rsp_rx_byte(&rx, 'a');
		sum += 'a';
	}
	rsp_rx_byte(&rx, '#');
	rsp_rx_byte(&rx, "0123456789abcdef"[sum >> 4]);
	assert_int_equal(rsp_rx_byte(&rx, "0123456789abcdef"[sum & 15]), RSP_BAD_PACKET);
	assert_true(rx.len <= RSP_PACKET_MAX);
}

static void test_frame_round_trip(void **state)
{
	(void)state;
	char out[64];
	size_t n = rsp_frame(out, sizeof(out), "a$b#c}d*e", 9);

	out[n] = '\0';
	assert_int_equal(feed(out), RSP_PACKET);
	assert_int_equal(rx.len, 9);
	assert_memory_equal(rx.data, "a$b#c}d*e", 9);
	n = rsp_frame(out, sizeof(out), "OK", 2);
	out[n] = '\0';
	assert_string_equal(out, "$OK#9a");
}

static void test_frame_too_small(void **state)
{
	(void)state;
	char out[8];

	assert_int_equal(rsp_frame(out, sizeof(out), "OKOKO", 5), 0);
	assert_int_equal(rsp_frame(out, sizeof(out), "OKOK", 4), 8);	/* exactly */
	assert_int_equal(rsp_frame(out, sizeof(out), "OK", 2), 6);
	assert_int_equal(rsp_frame(out, 3, "", 0), 0);
}

static void test_hex_helpers(void **state)
{
	(void)state;
	char hex[16];
	uint8_t bytes[4];
	const char *p = "ffff800000001000,4";
	uint64_t val;

	rsp_hex_encode(hex, (const uint8_t[]){ 0xde, 0xad, 0x01 }, 3);
	assert_string_equal(hex, "dead01");
	assert_true(rsp_hex_decode("DEad01ff", 8, bytes));
	assert_memory_equal(bytes, ((uint8_t[]){ 0xde, 0xad, 0x01, 0xff }), 4);
	assert_false(rsp_hex_decode("abc", 3, bytes));
	assert_false(rsp_hex_decode("zz", 2, bytes));
	assert_true(rsp_parse_hex(&p, &val));
	assert_int_equal(val, 0xffff800000001000ULL);
	assert_int_equal(*p, ',');
	p = "12345678123456789";	/* 17 digits */
	assert_false(rsp_parse_hex(&p, &val));
	p = ",";
	assert_false(rsp_parse_hex(&p, &val));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_packet_with_good_checksum, setup),
		cmocka_unit_test_setup(test_bad_checksum_refused, setup),
		cmocka_unit_test_setup(test_checksum_digits_any_case, setup),
		cmocka_unit_test_setup(test_escape_undone, setup),
		cmocka_unit_test_setup(test_interrupt_outside_packet, setup),
		cmocka_unit_test_setup(test_noise_between_packets_ignored, setup),
		cmocka_unit_test_setup(test_new_dollar_restarts, setup),
		cmocka_unit_test_setup(test_overlong_packet_refused, setup),
		cmocka_unit_test_setup(test_frame_round_trip, setup),
		cmocka_unit_test_setup(test_frame_too_small, setup),
		cmocka_unit_test_setup(test_hex_helpers, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
