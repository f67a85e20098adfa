/* The guests' XSETBV (Intel SDM vol. 2, XSETBV; vol. 1, 13.3). */
#include "cpumodel/xcr.h"
#include "host/extable.h"
#include "core/backend.h"
#include "cpumodel/cpuid_policy.h"
#include "cpumodel/host_fault.h"
#include "lib/x86.h"
#include "cpumodel/xcr0.h"

static bool skip_checks;

void xcr_skip_checks(bool on)
{
	skip_checks = on;
}

/* XSETBV with an operand a guest chose: false if it faulted (extable_last_fault()). */
static bool xsetbv_safe(uint32_t xcr, uint64_t value)
{
	bool ok = false;

	asm volatile("1: xsetbv\n\t"
		     "mov $1, %0\n"
		     "2:\n\t"
		     EXTABLE_ENTRY(1b, 2b)
		     : "+r"(ok)
		     : "c"(xcr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
		     : "memory");
	return ok;
}

/* The components the guest's CPU model offers: CPUID.(EAX=0DH,ECX=0):EDX:EAX. */
static uint64_t xcr0_offered(struct vcpu *v)
{
	struct cpuid_regs r = cpuid_guest(v, 0xd, 0);

	return (uint64_t)r.edx << 32 | r.eax;
}

static bool xsetbv_allowed(struct vcpu *v, uint32_t xcr, uint64_t value)
{
	return skip_checks || (xcr == 0 && xcr0_valid(value, xcr0_offered(v)));
}

/*
 * #UD without CR4.OSXSAVE, #GP at CPL > 0, for an XCR other than 0 (ECX:
 * RCX's upper half is ignored) and for an XCR0 the rules or the guest's CPU
 * model forbid. The CPU raises the first two before it exits (SDM vol. 3,
 * 26.1.1; APM vol. 2, 15.9); they are checked again, as cheap as trusting it.
 */
void xcr_guest_xsetbv(struct vcpu *v, const struct exit_event *e)
{
	uint64_t value = v->regs.rdx << 32 | (uint32_t)v->regs.rax;
	uint32_t xcr = (uint32_t)v->regs.rcx;
	struct vcpu_control_regs c;

	backend->vcpu_read_control(v, &c);
	if (!(c.cr4 & CR4_OSXSAVE))
		backend->vcpu_inject_exception(v, VECTOR_UD, false, 0);
	else if (c.cpl || !xsetbv_allowed(v, xcr, value))
		backend->vcpu_inject_exception(v, VECTOR_GP, true, 0);
	else if (!xsetbv_safe(xcr, value))
		host_fault_reflect(v, "xsetbv", value);
	else
		backend->vcpu_skip_instruction(v, e);
}
