/*
 * Ends on purpose, in one of two ways the hypervisor must contain:
 * - by default it triple-faults: with an empty IDT, int3 cannot be delivered
 *   (#GP), nor can that #GP (#DF), nor the #DF: the CPU shuts down (Intel SDM
 *   vol. 3, 7.15, interrupt 8);
 * - with "delivery-outside-ram", int3's delivery pushes its frame on a stack
 *   outside the guest's RAM: the exit comes during the event's delivery, and
 *   the hypervisor ends the guest (devices/devices.c) instead of emulating the
 *   instruction at RIP, which made no such access.
 * Under the hypervisor only this guest must end.
 */
#include "guest-tests/lib/guest.h"

/* Far above the guest's RAM and below the I/O APIC: no device decodes it. */
#define OUTSIDE_RAM 0xd0000000UL

static void triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	guest_printf("triple-faulting now\n");
	asm volatile("lidt %0; int3" ::"m"(empty_idt));
}

static void deliver_outside_ram(void)
{
	guest_printf("delivering int3 on a stack outside RAM now\n");
	asm volatile("mov %0, %%rsp; int3" ::"r"(OUTSIDE_RAM) : "memory");
}

void test_main(const char *cmdline)
{
	if (cmdline_has(cmdline, "delivery-outside-ram"))
		deliver_outside_ram();
	else
		triple_fault();
	guest_printf("FAIL triplefault: int3 returned\n");
	guest_exit(1);
}
