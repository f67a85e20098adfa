/* xoshiro256** 1.0 and splitmix64, from the public-domain reference code of prng.di.unimi.it. */
#include "guest-tests/fuzz/rng.h"

static uint64_t state[4];

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(uint64_t seed)
{
	for (unsigned int i = 0; i < 4; i++)
		state[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_u64(void)
{
	uint64_t result = rotl(state[1] * 5, 7) * 9;
	uint64_t t = state[1] << 17;

	state[2] ^= state[0];
	state[3] ^= state[1];
	state[1] ^= state[2];
	state[0] ^= state[3];
	state[2] ^= t;
	state[3] = rotl(state[3], 45);
	return result;
}

uint64_t rng_below(uint64_t n)
{
	return n ? rng_u64() % n : 0;
}

uint64_t rng_range(uint64_t lo, uint64_t hi)
{
	return hi - lo == ~0ULL ? rng_u64() : lo + rng_below(hi - lo + 1);
}

bool rng_percent(unsigned int percent)
{
	return rng_below(100) < percent;
}

/* 2^k, 2^k - 1 or 2^k + 1 for a random k */
static uint64_t near_power_of_two(void)
{
	uint64_t p = 1ULL << rng_below(64);

	return p + rng_below(3) - 1;
}

uint64_t rng_value(void)
{
	switch (rng_below(10)) {
	case 0:
		return 0;
	case 1:
		return ~0ULL >> rng_below(64);
	case 2:
	case 3:
		return near_power_of_two();
	case 4:
		return rng_below(256);
	case 5:
		return rng_u64() & 0xffffffffULL;
	case 6:
		return rng_u64() & rng_u64(); /* sparse */
	case 7:
		return rng_u64() | rng_u64(); /* dense */
	default:
		return rng_u64();
	}
}
