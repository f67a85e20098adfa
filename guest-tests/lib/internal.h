/* What the library's files share, and programs do not see. */
#ifndef GUEST_TESTS_LIB_INTERNAL_H
#define GUEST_TESTS_LIB_INTERNAL_H

#include "guest-tests/lib/guest.h"

void idt_init(void);
void boot_info_parse(uint32_t magic, uint32_t info);
void irq_init(void);
void irq_dispatch(uint8_t vector);
/* Forgets the guest_try() catches CPU cpu had armed (it starts afresh). */
void traps_cpu_reset(unsigned int cpu);

#endif
