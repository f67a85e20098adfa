/* XCR0 for the host and the guests' XSETBV (Intel SDM vol. 1, 13.3; vol. 2, XSETBV). */
#include "core/xcr.h"
#include "core/x86.h"

#define CPUID1_ECX_XSAVE BIT(26)
#define CR4_OSXSAVE      BIT(18)
#define XCR0_X87         BIT(0)
#define XCR0_SSE         BIT(1)
#define XCR0_AVX         BIT(2)
#define XCR0_AVX512      (BIT(5) | BIT(6) | BIT(7)) /* opmask, ZMM_Hi256, Hi16_ZMM */

void xcr_enable_host(void)
{
	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
}

/* CPUID.(EAX=0DH,ECX=0):EDX:EAX, the XCR0 bits the CPU supports. */
static uint64_t xcr0_supported(void)
{
	struct cpuid_regs r = cpuid(0xd, 0);

	return (uint64_t)r.edx << 32 | r.eax;
}

bool xcr0_valid(uint64_t value)
{
	uint64_t avx512 = value & XCR0_AVX512;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) || (value & ~xcr0_supported()))
		return false;
	if (!(value & XCR0_X87) || ((value & XCR0_AVX) && !(value & XCR0_SSE)))
		return false;
	return !avx512 || (avx512 == XCR0_AVX512 && (value & XCR0_AVX));
}
