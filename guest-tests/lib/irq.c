/* Interrupt vectors 32-255: a handler per vector, shared by all CPUs. */
#include "guest-tests/lib/internal.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

static void (*irq_handlers[256])(uint8_t vector);

void irq_set_handler(uint8_t vector, void (*fn)(uint8_t vector))
{
	__atomic_store_n(&irq_handlers[vector], fn, __ATOMIC_RELEASE);
}

/*
 * A PC BIOS leaves the 8259 PICs delivering IRQ 0-7 at vectors 8-15 through
 * LINT0 (virtual wire mode): its timer would look like a #DF as soon as a test
 * enables interrupts. Mask every IRQ line; the LAPIC is left as it is.
 */
void irq_init(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

/* Called by trap_handler() with interrupts off; the handler sends its own EOI. */
void irq_dispatch(uint8_t vector)
{
	void (*fn)(uint8_t) = __atomic_load_n(&irq_handlers[vector], __ATOMIC_ACQUIRE);

	if (fn) {
		fn(vector);
		return;
	}
	/*
	 * Intel SDM vol. 3, 11.9: a spurious interrupt does not set the ISR, so
	 * it takes no EOI; it may come whenever the TPR is raised. Ignore it.
	 */
	if (vector == APIC_SPURIOUS_VECTOR)
		return;
	guest_printf("FAIL unexpected interrupt vector %u\n", vector);
	guest_exit(3);
}
