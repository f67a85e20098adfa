/* The XCR0 rules: what XSETBV raises #GP for (Intel SDM vol. 1, 13.3; vol. 3, 2.6). */
#include "cpumodel/xcr0.h"

/*
 * Components enabled together, and what they need enabled with them:
 * AVX needs SSE; MPX's two go together; AVX-512's three go together and
 * need AVX; AMX's XTILECFG and XTILEDATA go together.
 */
static const struct {
	uint64_t together;
	uint64_t needs;
} xcr0_groups[] = {
	{ XCR0_AVX, XCR0_SSE },
	{ XCR0_MPX, 0 },
	{ XCR0_AVX512, XCR0_AVX },
	{ XCR0_AMX, 0 },
};

bool xcr0_valid(uint64_t value, uint64_t offered)
{
	uint64_t allowed = offered & ~(XCR0_SUPERVISOR | XCR0_RESERVED);

	if ((value & ~allowed) || !(value & XCR0_X87))
		return false;
	for (unsigned int i = 0; i < ARRAY_SIZE(xcr0_groups); i++) {
		uint64_t set = value & xcr0_groups[i].together;

		if (set && (set != xcr0_groups[i].together ||
			    (value & xcr0_groups[i].needs) != xcr0_groups[i].needs))
			return false;
	}
	return true;
}
