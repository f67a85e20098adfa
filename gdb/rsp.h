/*
 * The GDB remote serial protocol's framing (GDB manual, "Remote Protocol",
 * "Overview"): packets `$data#cs` with a modulo-256 checksum in two hex
 * digits, acknowledged with `+` or `-`; `}` escapes the next byte (XOR
 * 0x20); a bare 0x03 is an interrupt request. Pure logic, unit-tested and
 * fuzzed on the host.
 */
#ifndef HV_GDB_RSP_H
#define HV_GDB_RSP_H

#include "lib/types.h"

#define RSP_PACKET_MAX 4096 /* the payload, as qSupported's PacketSize says */

enum rsp_event {
	RSP_NONE,        /* nothing complete yet */
	RSP_PACKET,      /* a packet with a good checksum: rx->data, rx->len */
	RSP_BAD_PACKET,  /* a bad checksum or an overlong packet: answer `-` */
	RSP_INTERRUPT,   /* 0x03 outside a packet */
};

struct rsp_rx {
	enum { RSP_IDLE, RSP_DATA, RSP_ESCAPE, RSP_SUM1, RSP_SUM2 } state;
	char data[RSP_PACKET_MAX + 1]; /* NUL-terminated */
	size_t len;
	uint8_t sum;       /* of the bytes as sent, escapes included */
	uint8_t got;       /* the checksum's first digit */
	bool overflow;
};

void rsp_rx_reset(struct rsp_rx *rx);
enum rsp_event rsp_rx_byte(struct rsp_rx *rx, uint8_t c);

/* `$payload#cs` into out (escaping $, #, } and *); its length, 0 if it does not fit. */
size_t rsp_frame(char *out, size_t size, const char *payload, size_t len);

/* Hex helpers: len bytes as 2 * len digits; digits back into bytes. */
void rsp_hex_encode(char *out, const void *bytes, size_t len);
bool rsp_hex_decode(const char *hex, size_t digits, void *bytes);
/*
 * A hex number at *p (at most 16 digits), *p moved past it; false when
 * there is none or it is too long.
 */
bool rsp_parse_hex(const char **p, uint64_t *val);

#endif
