/*
 * Where the AP start-up trampoline (ap_boot.S) runs and the parameters the BSP
 * leaves it (struct ap_boot_params in smp.c), shared by C and assembly. The
 * first 64 KiB are free for it (DESIGN.md, the guest environment).
 */
#ifndef GUEST_TESTS_LIB_AP_BOOT_H
#define GUEST_TESTS_LIB_AP_BOOT_H

#define AP_TRAMPOLINE    0x8000 /* 4 KiB aligned below 1 MiB: SIPI vector 0x08 */
#define AP_PARAMS        0x8f00 /* in the same page, after the code */
#define AP_PARAM_CR3     0
#define AP_PARAM_STACK   8
#define AP_PARAM_CPU     16
#define AP_PARAM_GDTR    24
#define AP_PARAM_IDTR    40

#endif
