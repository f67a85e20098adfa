/* Starting the application processors (INIT-SIPI-SIPI through a trampoline). */
#ifndef HV_CORE_SMP_H
#define HV_CORE_SMP_H

#include "core/acpi.h"

/* Starts every CPU of the MADT but this one; returns how many are online. */
unsigned int smp_start_aps(const struct acpi_info *acpi);

/*
 * Compares every online CPU's features with the boot CPU's; differences are
 * reported and the boot CPU's set becomes what all of them have.
 */
void smp_check_features(void);

#endif
