/*
 * What the libFuzzer targets share: reading the input front to back as
 * numbers (what runs out reads as zeros, so every input is a whole test),
 * and CHECK, which names the invariant that failed before it aborts.
 */
#ifndef HV_TESTS_FUZZ_H
#define HV_TESTS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "lib/types.h"

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond))                                                                 \
			fuzz_fail(#cond, __FILE__, __LINE__);                                \
	} while (0)

static inline __noreturn void fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

static inline bool fuzz_more(const struct fuzz_input *in) { return in->size != 0; }

/* The next n bytes (at most 8), little-endian. */
static inline uint64_t fuzz_take(struct fuzz_input *in, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n && in->size; i++, in->data++, in->size--)
		v |= (uint64_t)in->data[0] << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in) { return (uint8_t)fuzz_take(in, 1); }
static inline uint16_t fuzz_u16(struct fuzz_input *in) { return (uint16_t)fuzz_take(in, 2); }
static inline uint32_t fuzz_u32(struct fuzz_input *in) { return (uint32_t)fuzz_take(in, 4); }
static inline uint64_t fuzz_u64(struct fuzz_input *in) { return fuzz_take(in, 8); }

#endif
