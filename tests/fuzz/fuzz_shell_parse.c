/*
 * libFuzzer target for the debug shell's parsing (shell/shell_parse.c).
 * data[0] picks the largest number and the largest payload allowed;
 * data[1..], up to a NUL, is a typed line. It is split into words, and every
 * word is parsed as a vCPU argument, a number and a hex payload.
 * Beyond no sanitizer report, each result is compared with a plain reference
 * built on the C library: the words are the line's blank-separated tokens,
 * in place (or -1 past SHELL_ARGS_MAX, nothing written past argv's end); a
 * vCPU argument splits at its first colon and refuses a guest name over
 * GUEST_NAME_MAX; a number is what strtoull reads from all-decimal or
 * 0x-hex digits, without overflow, up to the maximum; a payload is the bytes
 * of an even count of hex digits, within the maximum, and never written past.
 */
#include <errno.h>
#include <string.h>

#include "shell/shell_parse.h"
#include "tests/fuzz/fuzz.h"

#define MAX_WORDS   8 /* SHELL_ARGS_MAX */
#define GUARD       16
#define GUARD_BYTE  0xa5
#define DIGITS      "0123456789"
#define HEX_DIGITS  "0123456789abcdefABCDEF"

static const uint64_t number_limits[] = { 0, 15, 255, 2047, UINT32_MAX, UINT64_MAX };
static const size_t payload_limits[] = { 0, 1, 4, 240 };

static size_t blank_span(const char *s) { return strspn(s, " \t"); }
static size_t word_span(const char *s) { return strcspn(s, " \t"); }

/* The words are the tokens of the line, at the same offsets in the split copy. */
static void check_split(const char *line, char *work, char **argv, int argc)
{
	const char *s = line + blank_span(line);
	int n = 0;

	for (; *s; s += word_span(s), s += blank_span(s), n++) {
		if (n >= MAX_WORDS || argc < 0)
			continue;
		CHECK(argv[n] == work + (s - line) && strlen(argv[n]) == word_span(s));
		CHECK(!strncmp(argv[n], s, word_span(s)));
	}
	CHECK(argc == (n > MAX_WORDS ? -1 : n));
	CHECK(!argv[MAX_WORDS]);
}

static void check_vcpu_arg(const char *word)
{
	const char *colon = strchr(word, ':');
	size_t n = colon ? (size_t)(colon - word) : strlen(word);
	struct shell_vcpu_arg a;

	if (!shell_parse_vcpu_arg(word, &a)) {
		CHECK(n > GUEST_NAME_MAX);
		return;
	}
	CHECK(n <= GUEST_NAME_MAX && strlen(a.guest) == n && !strncmp(a.guest, word, n));
	CHECK(a.index == (colon ? colon + 1 : NULL));
}

/* The reference: all decimal digits, or "0x" and all hex digits, that fit 64 bits. */
static bool reference_number(const char *s, uint64_t *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2];
	const char *digits = hex ? s + 2 : s;
	size_t n = strlen(digits);

	if (!n || strspn(digits, hex ? HEX_DIGITS : DIGITS) != n)
		return false;
	errno = 0;
	*v = strtoull(digits, NULL, hex ? 16 : 10);
	return errno != ERANGE;
}

static void check_number(const char *word, uint64_t max)
{
	uint64_t expect = 0, v = 0;
	bool ok = reference_number(word, &expect) && expect <= max;

	CHECK(shell_parse_number(word, max, &v) == ok);
	CHECK(!ok || v == expect);
}

static void check_hex_bytes(const char *word, size_t max)
{
	uint8_t out[240 + GUARD];
	size_t len = strlen(word);
	bool ok = len % 2 == 0 && len / 2 <= max && strspn(word, HEX_DIGITS) == len;
	int n;

	memset(out, GUARD_BYTE, sizeof(out));
	n = shell_parse_hex_bytes(word, out, max);
	CHECK(n == (ok ? (int)(len / 2) : -1));
	for (size_t i = max; i < sizeof(out); i++)
		CHECK(out[i] == GUARD_BYTE);
	for (int i = 0; i < n; i++) {
		char pair[3] = { word[2 * i], word[2 * i + 1], '\0' };

		CHECK(out[i] == strtoul(pair, NULL, 16));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 1] = { NULL };
	uint64_t number_max;
	size_t payload_max;
	char *line, *work;
	int argc;

	if (size < 1)
		return 0;
	number_max = number_limits[data[0] % ARRAY_SIZE(number_limits)];
	payload_max = payload_limits[(data[0] >> 4) % ARRAY_SIZE(payload_limits)];
	line = malloc(size);
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	work = strdup(line);
	argc = shell_split_words(work, argv, MAX_WORDS);
	check_split(line, work, argv, argc);
	for (int i = 0; i < argc; i++) {
		check_vcpu_arg(argv[i]);
		check_number(argv[i], number_max);
		check_hex_bytes(argv[i], payload_max);
	}
	free(work);
	free(line);
	return 0;
}
