/* Numbers in command lines: pure, shared by the hypervisor's own and the guest modules' parsers. */
#include "lib/number.h"

/* Parses decimal digits filling s[0..len); false on none, another character or overflow. */
bool parse_decimal(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses hex digits filling s[0..len); false on none, another character or overflow. */
static bool parse_hex(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = hex_digit(s[i]);

		if (d < 0 || v > UINT64_MAX >> 4)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

bool parse_uint(const char *s, size_t len, uint64_t *out)
{
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_hex(s + 2, len - 2, out);
	return parse_decimal(s, len, out);
}

const char *parse_serial_port(const char *s, uint16_t *port)
{
	static const uint16_t com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	size_t len = 0;
	uint64_t v;

	while (s[len])
		len++;

	if (len == 4 && s[0] == 'c' && s[1] == 'o' && s[2] == 'm' && s[3] >= '1' && s[3] <= '4') {
		*port = com_ports[s[3] - '1'];
		return NULL;
	}
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !parse_uint(s, len, &v) || v == 0 ||
	    v > 0xfff8)
		return "expected com1..com4 or an I/O port such as 0x2f8";
	*port = (uint16_t)v;
	return NULL;
}
