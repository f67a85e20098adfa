/*
 * libFuzzer target for the GDB remote-protocol framing (gdb/rsp.c): the
 * input is the byte stream a debugger (or line noise) sends the stub.
 * Beyond no sanitizer report: the receiver never holds more than
 * RSP_PACKET_MAX bytes and keeps them NUL-terminated; every packet it
 * accepts, framed again by rsp_frame(), is accepted again as the same bytes;
 * the hex parser never reads past the NUL and never takes more than 16 digits.
 */
#include <string.h>

#include "gdb/rsp.h"
#include "tests/fuzz/fuzz.h"

static char frame[2 * RSP_PACKET_MAX + 8];

static void check_round_trip(const struct rsp_rx *rx)
{
	static struct rsp_rx again;
	size_t n = rsp_frame(frame, sizeof(frame), rx->data, rx->len);
	enum rsp_event e = RSP_NONE;

	CHECK(n > 0);
	rsp_rx_reset(&again);
	for (size_t i = 0; i < n; i++)
		e = rsp_rx_byte(&again, (uint8_t)frame[i]);
	CHECK(e == RSP_PACKET);
	CHECK(again.len == rx->len && !memcmp(again.data, rx->data, rx->len));
}

static void check_hex(const char *s)
{
	const char *p = s;
	uint64_t val;
	bool ok = rsp_parse_hex(&p, &val);

	CHECK(p >= s && p <= s + strlen(s));
	CHECK(ok == (p > s) && p - s <= 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rsp_rx rx;

	rsp_rx_reset(&rx);
	for (size_t i = 0; i < size; i++) {
		enum rsp_event e = rsp_rx_byte(&rx, data[i]);

		CHECK(rx.len <= RSP_PACKET_MAX);
		if (e != RSP_PACKET)
			continue;
		CHECK(rx.data[rx.len] == '\0');
		check_round_trip(&rx);
		check_hex(rx.data);
	}
	return 0;
}
