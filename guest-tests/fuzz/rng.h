/*
 * The fuzzer's pseudo-random numbers: xoshiro256** (Blackman and Vigna),
 * seeded through splitmix64, so that one seed= gives one sequence of
 * operations. Only the BSP draws from it.
 */
#ifndef GUEST_TESTS_FUZZ_RNG_H
#define GUEST_TESTS_FUZZ_RNG_H

#include <stdbool.h>
#include <stdint.h>

void rng_seed(uint64_t seed);
uint64_t rng_u64(void);
/* 0 .. n - 1 (0 when n is 0); the modulo bias is below 2^-40 for the n used here */
uint64_t rng_below(uint64_t n);
/* lo .. hi, both included */
uint64_t rng_range(uint64_t lo, uint64_t hi);
/* true percent times in 100 */
bool rng_percent(unsigned int percent);
/* A 64-bit value, boundary values (0, all ones, powers of two and their neighbours) often */
uint64_t rng_value(void);

#define RNG_PICK(array) ((array)[rng_below(sizeof(array) / sizeof((array)[0]))])

#endif
