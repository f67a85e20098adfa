/* The host's local APIC (the physical one; apic/ holds the guests' virtual ones). */
#ifndef HV_HOST_LAPIC_H
#define HV_HOST_LAPIC_H

#include "lib/types.h"

#define SPURIOUS_VECTOR 0xff
#define WAKEUP_VECTOR   0xf0 /* makes an idle CPU look for work, or a running vCPU exit */
#define HOST_TIMER_VECTOR 0xef /* a guest timer is due on this CPU */
#define POSTED_INTR_VECTOR 0xf2 /* posted-interrupt notification (SDM 29.6) */

/* Enables this CPU's local APIC, in x2APIC mode where the CPU has it. */
void lapic_init(void);
uint32_t lapic_id(void);
bool lapic_x2apic_mode(void);
void lapic_eoi(void);

/* Returns false when the IPI was still pending after a timeout. */
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_sipi(uint32_t apic_id, uint8_t page);
void lapic_send_nmi_all_but_self(void);
void lapic_send_fixed(uint32_t apic_id, uint8_t vector);

/* The host timer: calibrated once against the TSC, then armed per CPU. */
void lapic_timer_calibrate(void);
void lapic_timer_arm(uint64_t tsc_deadline);

#endif
