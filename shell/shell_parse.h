/*
 * The debug shell's parsing of what was typed: words, "GUEST" / "GUEST:N"
 * vCPU arguments, numbers and hex payloads. Pure logic: it only reads and
 * writes the strings it is given, so it is unit-tested and fuzzed on the host.
 */
#ifndef HV_SHELL_SHELL_PARSE_H
#define HV_SHELL_SHELL_PARSE_H

#include "loader/guest_config.h"

/*
 * Splits s in place at blanks (spaces, tabs: turned into NULs) into at most
 * max words, pointed at from argv; returns how many, or -1 when there are more.
 */
int shell_split_words(char *s, char **argv, int max);

/* A vCPU argument taken apart: "GUEST" or "GUEST:N". */
struct shell_vcpu_arg {
	char guest[GUEST_NAME_MAX + 1];
	const char *index; /* the text after the first ':', NULL without one */
};

/* false when the guest part is longer than any guest name. */
bool shell_parse_vcpu_arg(const char *arg, struct shell_vcpu_arg *out);

/* A number, decimal or 0x-hex, filling all of arg and at most max. */
bool shell_parse_number(const char *arg, uint64_t max, uint64_t *out);

/* Pairs of hex digits (either case) into bytes, at most max of them; the count, or -1. */
int shell_parse_hex_bytes(const char *s, uint8_t *out, size_t max);

#endif
