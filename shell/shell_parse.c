/* The debug shell's parsing of what was typed (see shell_parse.h). */
#include "shell/shell_parse.h"
#include "lib/number.h"
#include "lib/string.h"

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

int shell_split_words(char *s, char **argv, int max)
{
	int argc = 0;

	while (*s) {
		while (is_blank(*s))
			*s++ = '\0';
		if (!*s)
			break;
		if (argc == max)
			return -1;
		argv[argc++] = s;
		while (*s && !is_blank(*s))
			s++;
	}
	return argc;
}

bool shell_parse_vcpu_arg(const char *arg, struct shell_vcpu_arg *out)
{
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

	if (n > GUEST_NAME_MAX)
		return false;
	memcpy(out->guest, arg, n);
	out->guest[n] = '\0';
	out->index = colon ? colon + 1 : NULL;
	return true;
}

bool shell_parse_number(const char *arg, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!parse_uint(arg, strlen(arg), &v) || v > max)
		return false;
	*out = v;
	return true;
}

int shell_parse_hex_bytes(const char *s, uint8_t *out, size_t max)
{
	size_t len = strlen(s), n = len / 2;

	if (len % 2 || n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)n;
}
