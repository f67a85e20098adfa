/*
 * The XCR0 rules (Intel SDM vol. 1, 13.3 and vol. 3, 2.6; AMD APM vol. 2,
 * 11.5.2): which extended-state masks XSETBV accepts. Pure, so that the host
 * unit tests check each rule.
 */
#ifndef HV_CPUMODEL_XCR0_H
#define HV_CPUMODEL_XCR0_H

#include "lib/types.h"

#define XCR0_X87       BIT(0)
#define XCR0_SSE       BIT(1)
#define XCR0_AVX       BIT(2)
#define XCR0_MPX       (BIT(3) | BIT(4))           /* BNDREGS, BNDCSR */
#define XCR0_AVX512    (BIT(5) | BIT(6) | BIT(7))  /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_PKRU      BIT(9)
#define XCR0_AMX       (BIT(17) | BIT(18))         /* XTILECFG, XTILEDATA */
/* The supervisor components (PT, PASID, CET_U, CET_S, HDC, UINTR, LBR, HWP): IA32_XSS's, never XCR0's */
#define XCR0_SUPERVISOR (BIT(8) | (0x7fUL << 10))
#define XCR0_RESERVED  BIT(63)                     /* kept for a future extension of XCR0 */

/*
 * Whether XSETBV may load value into XCR0 when the CPU (or the guest's CPU
 * model) offers the components offered, CPUID.(EAX=0DH,ECX=0):EDX:EAX.
 */
bool xcr0_valid(uint64_t value, uint64_t offered);

#endif
