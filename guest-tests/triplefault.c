/*
 * Triple-faults on purpose: with an empty IDT, int3 cannot be delivered (#GP),
 * nor can that #GP (#DF), nor the #DF: the CPU shuts down (Intel SDM vol. 3,
 * 7.15, interrupt 8). Under the hypervisor only this guest must end.
 */
#include "guest-tests/lib/guest.h"

void test_main(const char *cmdline)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	(void)cmdline;
	guest_printf("triple-faulting now\n");
	asm volatile("lidt %0; int3" ::"m"(empty_idt));
	guest_printf("FAIL triplefault: int3 with an empty IDT returned\n");
	guest_exit(1);
}
