/* The guests GRUB's modules describe. */
#ifndef HV_BOOT_GUESTS_H
#define HV_BOOT_GUESTS_H

#include "core/partition.h"
#include "loader/mb2.h"

/* Creates a partition per guest module; refused ones are reported and skipped. */
void guests_create(const struct boot_info *bi);

#endif
