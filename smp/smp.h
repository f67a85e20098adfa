/* Starting the application processors (INIT-SIPI-SIPI through a trampoline). */
#ifndef HV_SMP_SMP_H
#define HV_SMP_SMP_H

#include "host/acpi.h"

/* Where an application processor goes once it is up (the scheduler's idle loop). */
typedef __noreturn void (*smp_ap_continue_t)(void);

/* Starts every CPU of the MADT but this one; returns how many are online. */
unsigned int smp_start_aps(const struct acpi_info *acpi, smp_ap_continue_t cont);

/*
 * Compares every online CPU's features with the boot CPU's; differences are
 * reported and the boot CPU's set becomes what all of them have.
 */
void smp_check_features(void);

#endif
