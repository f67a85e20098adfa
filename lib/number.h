/* Numbers in command lines, from a length-bounded string (no NUL needed). */
#ifndef HV_LIB_NUMBER_H
#define HV_LIB_NUMBER_H

#include "lib/types.h"

/* Decimal digits filling s[0..len); false on none, another character or overflow. */
bool parse_decimal(const char *s, size_t len, uint64_t *out);

/* The value of a hexadecimal digit (either case), or -1. */
int hex_digit(char c);

/* Decimal, or hexadecimal after "0x" (or "0X"), filling s[0..len); false as above. */
bool parse_uint(const char *s, size_t len, uint64_t *out);

/*
 * A serial port named com1..com4 (0x3f8, 0x2f8, 0x3e8, 0x2e8) or given as a
 * 0x-hex I/O port up to 0xfff8, filling all of the NUL-terminated s; NULL,
 * or why it is not one.
 */
const char *parse_serial_port(const char *s, uint16_t *port);

#endif
