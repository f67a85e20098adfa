/* A small vsnprintf for the hypervisor (no floating point). */
#ifndef HV_LIB_FMT_H
#define HV_LIB_FMT_H

#include <stdarg.h>
#include "lib/types.h"

/*
 * Supports %d %i %u %x %X %p %s %c %%, the flags '-' and '0', a field width
 * (or '*'), a precision for strings (or '*'), and the length modifiers hh h l ll z.
 * Returns the length the full output would have had, as C99 does.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
