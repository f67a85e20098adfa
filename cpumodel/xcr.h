/*
 * XCR0, the extended-state feature mask: a guest's XSETBV, which exits on both backends, is checked against the
 * architecture and the guest's CPU model, then carried out. The hypervisor
 * itself uses no extended state, so the guest's XCR0 simply stays loaded on
 * the CPU its vCPU owns.
 */
#ifndef HV_CPUMODEL_XCR_H
#define HV_CPUMODEL_XCR_H

#include "core/vcpu.h"

/* The guest's XSETBV (EXIT_XSETBV). */
void xcr_guest_xsetbv(struct vcpu *v, const struct exit_event *e);

/*
 * For the tests (test-fixup=on): the guest's operands go to the CPU
 * unchecked, so that an invalid one faults in the hypervisor and the
 * exception fix-up (host/extable.h) must turn it into the guest's fault.
 */
void xcr_skip_checks(bool on);

#endif
