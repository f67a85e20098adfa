/* The GDB remote serial protocol's framing and hex encoding (gdb/rsp.h). */
#include "gdb/rsp.h"
#include "lib/number.h"

#define ESCAPE     '}'
#define ESCAPE_XOR 0x20
#define INTERRUPT  0x03

static const char digits[] = "0123456789abcdef";

void rsp_rx_reset(struct rsp_rx *rx)
{
	rx->state = RSP_IDLE;
	rx->len = 0;
	rx->sum = 0;
	rx->overflow = false;
	rx->data[0] = '\0';
}

static void append(struct rsp_rx *rx, char c)
{
	if (rx->len < RSP_PACKET_MAX)
		rx->data[rx->len++] = c;
	else
		rx->overflow = true;
}

/* Outside a packet only `$` and 0x03 mean something (acks and noise are dropped). */
static enum rsp_event idle_byte(struct rsp_rx *rx, uint8_t c)
{
	if (c == INTERRUPT)
		return RSP_INTERRUPT;
	if (c == '$') {
		rsp_rx_reset(rx);
		rx->state = RSP_DATA;
	}
	return RSP_NONE;
}

static void data_byte(struct rsp_rx *rx, uint8_t c)
{
	if (c == '#') {
		rx->state = RSP_SUM1;
		return;
	}
	rx->sum += c;
	if (rx->state == RSP_ESCAPE) {
		append(rx, (char)(c ^ ESCAPE_XOR));
		rx->state = RSP_DATA;
	} else if (c == ESCAPE) {
		rx->state = RSP_ESCAPE;
	} else {
		append(rx, (char)c);
	}
}

static enum rsp_event checksum_done(struct rsp_rx *rx, uint8_t c)
{
	int lo = hex_digit((char)c);
	bool good = lo >= 0 && (uint8_t)(rx->got << 4 | lo) == rx->sum && !rx->overflow;

	rx->state = RSP_IDLE;
	rx->data[rx->len] = '\0';
	return good ? RSP_PACKET : RSP_BAD_PACKET;
}

enum rsp_event rsp_rx_byte(struct rsp_rx *rx, uint8_t c)
{
	int hi;

	switch (rx->state) {
	case RSP_IDLE:
		return idle_byte(rx, c);
	case RSP_DATA:
	case RSP_ESCAPE:
		data_byte(rx, c);
		return RSP_NONE;
	case RSP_SUM1:
		hi = hex_digit((char)c);
		rx->got = (uint8_t)(hi < 0 ? 0 : hi);
		rx->overflow |= hi < 0; /* not a digit: the packet is refused */
		rx->state = RSP_SUM2;
		return RSP_NONE;
	default:
		return checksum_done(rx, c);
	}
}

static bool needs_escape(char c)
{
	return c == '$' || c == '#' || c == ESCAPE || c == '*';
}

size_t rsp_frame(char *out, size_t size, const char *payload, size_t len)
{
	size_t n = 0;
	uint8_t sum = 0;

	if (size < 4)
		return 0;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		bool esc = needs_escape(payload[i]);
		char c = esc ? (char)(payload[i] ^ ESCAPE_XOR) : payload[i];

		if (n + (esc ? 2 : 1) + 3 > size)
			return 0;
		if (esc) {
			out[n++] = ESCAPE;
			sum += ESCAPE;
		}
		out[n++] = c;
		sum += (uint8_t)c;
	}
	out[n++] = '#';
	out[n++] = digits[sum >> 4];
	out[n++] = digits[sum & 15];
	return n;
}

void rsp_hex_encode(char *out, const void *bytes, size_t len)
{
	const uint8_t *b = bytes;

	for (size_t i = 0; i < len; i++) {
		*out++ = digits[b[i] >> 4];
		*out++ = digits[b[i] & 15];
	}
	*out = '\0';
}

bool rsp_hex_decode(const char *hex, size_t digit_count, void *bytes)
{
	uint8_t *b = bytes;

	if (digit_count % 2)
		return false;
	for (size_t i = 0; i < digit_count; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool rsp_parse_hex(const char **p, uint64_t *val)
{
	unsigned int n = 0;
	int d;

	*val = 0;
	while ((d = hex_digit((*p)[n])) >= 0) {
		if (++n > 16)
			return false;
		*val = *val << 4 | (uint64_t)d;
	}
	*p += n;
	return n > 0;
}
