/*
 * Faults while an event is delivered (SDM vol. 3, 6.12.1, 6.13): the IDT gate
 * of EVENT_VECTOR is made not present, then that vector is raised by a
 * self-IPI (an external interrupt of the virtual APIC, injected by the
 * hypervisor or delivered by APICv) or by INT n. The delivery raises #NP
 * whose error code names an IDT entry (its IDT bit set; EXT clear for INT n).
 * An external interrupt was acknowledged before its delivery failed, so its
 * vector is in service until the guest's EOI. With the gate present again the
 * vector is delivered as usual: nothing of the failed delivery stays behind
 * in the virtual APIC or in the hypervisor's injection state.
 *
 * Not judged: the external interrupt's EXT bit and the error code's index,
 * which QEMU 7.2's TCG computes wrongly for a 64-bit IDT (vector * 16, no
 * EXT); and an external interrupt that does not arrive within the window
 * (another operation's TPR or in-service vector may hold it back).
 */
#include "guest-tests/fuzz/fuzz.h"

#define VECTOR_NP     11
#define ERROR_EXT     1u
#define ERROR_IDT     2u
#define GATE_PRESENT  0x80u
#define WINDOW_PAUSES 2000
#define DELIVERY_US   500000

/* The attribute byte of EVENT_VECTOR's 16-byte IDT gate (SDM vol. 3, figure 6-8) */
static volatile uint8_t *gate_attributes(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;

	asm volatile("sidt %0" : "=m"(idtr));
	return (volatile uint8_t *)(idtr.base + EVENT_VECTOR * 16 + 5);
}

/* Interrupts on for a few thousand PAUSEs, off again. */
static void raise_external(void *arg)
{
	(void)arg;
	lapic_self_ipi(EVENT_VECTOR);
	asm volatile("sti" ::: "memory");
	for (int i = 0; i < WINDOW_PAUSES; i++)
		asm volatile("pause" ::: "memory");
	asm volatile("cli" ::: "memory");
}

static void raise_software(void *arg)
{
	(void)arg;
	asm volatile("int %0" ::"i"(EVENT_VECTOR) : "memory");
}

static unsigned long faulted[2], late; /* #NP seen: [0] INT n, [1] self-IPI; self-IPIs late */

static void judge_fault(const struct exception *x, bool external)
{
	if (x->vector == NO_EXCEPTION && external) {
		late++; /* not delivered in the window: not judged */
		return;
	}
	faulted[external] += x->vector == VECTOR_NP;
	if (x->vector != VECTOR_NP || !(x->error_code & ERROR_IDT))
		mismatch("%s on a not-present gate raised %s, error code 0x%lx; expected #NP naming "
			 "an IDT entry", external ? "a self-IPI" : "INT n", exception_name(x->vector),
			 x->error_code);
	else if (!external && (x->error_code & ERROR_EXT))
		mismatch("INT n on a not-present gate: #NP error code 0x%lx has EXT set",
			 x->error_code);
}

/* The acknowledged vector is in service; the guest's EOI retires it (SDM vol. 3, 11.8.4). */
static void retire_in_service(const struct exception *x)
{
	if (x->vector != VECTOR_NP)
		return;
	if (!apic_isr_in_service(EVENT_VECTOR))
		mismatch("a self-IPI whose delivery faulted is not in service");
	else
		apic_eoi();
}

void op_event(void)
{
	volatile uint8_t *attributes = gate_attributes();
	uint8_t gate = *attributes;
	bool external = rng_percent(50);
	uint32_t tpr = apic_read(APIC_TPR), before;
	struct exception x;

	apic_write(APIC_TPR, 0);
	*attributes = gate & ~GATE_PRESENT;
	x = guest_try(external ? raise_external : raise_software, NULL);
	*attributes = gate;
	judge_fault(&x, external);
	if (external)
		retire_in_service(&x);
	before = irq_seen(BSP, EVENT_VECTOR);
	lapic_self_ipi(EVENT_VECTOR);
	if (!irq_wait(BSP, EVENT_VECTOR, before, DELIVERY_US))
		mismatch("vector 0x%x not delivered after its gate came back", EVENT_VECTOR);
	apic_write(APIC_TPR, tpr);
}

void event_report(void)
{
	guest_printf("fuzz: event: #NP in the delivery of %lu self-IPIs and %lu INT n, %lu self-IPIs "
		     "late\n", faulted[1], faulted[0], late);
}
