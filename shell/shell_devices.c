/* The debug shell's views of the virtual devices: local APIC, SynIC, I/O APIC, COM1. */
#include "shell/shell.h"
#include "shell/shell_cmds.h"
#include "devices/devices.h"
#include "devices/guest_acpi.h"
#include "synic/hv_state.h"

/* The vectors set in a 256-bit APIC array (ISR, TMR, IRR), as a list. */
static void print_vectors(const char *name, const struct vlapic *a, uint32_t base)
{
	unsigned int shown = 0;

	shell_printf("  %-4s", name);
	for (unsigned int i = 0; i < 8; i++) {
		uint32_t word = vlapic_get_reg(a, base + 0x10 * i);

		for (unsigned int b = 0; b < 32; b++)
			if (word & (1u << b) && ++shown)
				shell_printf(" 0x%02x", i * 32 + b);
	}
	shell_printf("%s\n", shown ? "" : " -");
}

void cmd_lapic(int argc, char **argv)
{
	struct vcpu *v = shell_vcpu(argv[1]);
	const struct vlapic *a;

	(void)argc;
	if (!v)
		return;
	a = &v->apic;
	shell_printf("%s:%u: APIC ID %u, base 0x%lx (%s), SVR 0x%x\n", v->partition->name,
		     v->index, a->id, vlapic_get_base(a),
		     vlapic_x2apic_enabled(a) ? "x2APIC" : vlapic_xapic_enabled(a) ? "xAPIC" : "off",
		     vlapic_get_reg(a, APIC_SVR));
	shell_printf("  TPR 0x%02x PPR 0x%02x ESR 0x%x, auto-EOI waiting: highest %d\n",
		     vlapic_get_reg(a, APIC_TPR), vlapic_get_reg(a, APIC_PPR),
		     vlapic_get_reg(a, APIC_ESR), vlapic_highest_auto_eoi(a));
	print_vectors("ISR", a, APIC_ISR);
	print_vectors("TMR", a, APIC_TMR);
	print_vectors("IRR", a, APIC_IRR);
	shell_printf("  timer LVT 0x%x, initial %u, current %u, deadline TSC %lu\n",
		     vlapic_get_reg(a, APIC_LVT_TIMER), vlapic_get_reg(a, APIC_TIMER_ICR),
		     vlapic_timer_current_count(a), vlapic_timer_deadline(a));
}

static void print_sint(const struct synic *s, unsigned int n)
{
	union hv_sint sint = s->sint[n];

	shell_printf("  sint %-2u 0x%08lx vector 0x%02x%s%s%s, %u waiting\n", n, sint.raw,
		     (unsigned int)sint.vector, sint.masked ? " masked" : "",
		     sint.auto_eoi ? " auto-eoi" : "", sint.polling ? " polling" : "",
		     s->queues[n].count);
}

static void print_stimers(const struct stimers *t)
{
	for (unsigned int i = 0; i < HV_STIMER_COUNT; i++)
		shell_printf("  stimer %u config 0x%lx count %lu, due %lu%s\n", i,
			     t->t[i].config.raw, t->t[i].count, t->t[i].expiration,
			     t->t[i].due ? " (its message waits for the slot)" : "");
}

void cmd_synic(int argc, char **argv)
{
	struct vcpu *v = shell_vcpu(argv[1]);
	const struct synic *s;

	(void)argc;
	if (!v)
		return;
	s = &v->hv->synic;
	shell_printf("%s:%u: SCONTROL 0x%lx, SIMP 0x%lx, SIEFP 0x%lx, messages posted %s\n",
		     v->partition->name, v->index, s->scontrol, s->simp.raw, s->siefp.raw,
		     s->queued ? "waiting" : "none waiting");
	for (unsigned int n = 0; n < HV_SINT_COUNT; n++)
		print_sint(s, n);
	print_stimers(&v->hv->stimers);
}

/* A pin that is unmasked or asserted: its redirection entry decoded. */
static void print_pin(const struct vioapic *io, unsigned int pin)
{
	uint64_t e = io->redir[pin];

	shell_printf("  pin %-2u 0x%016lx vector 0x%02x dest %u%s%s%s%s, line %s\n", pin, e,
		     VIOAPIC_RTE_VECTOR(e), VIOAPIC_RTE_DEST(e), e & VIOAPIC_RTE_LOGICAL ? " logical" : "",
		     e & VIOAPIC_RTE_LEVEL ? " level" : " edge", e & VIOAPIC_RTE_MASKED ? " masked" : "",
		     e & VIOAPIC_RTE_REMOTE_IRR ? " remote-irr" : "",
		     io->asserted & (1u << pin) ? "high" : "low");
}

void cmd_ioapic(int argc, char **argv)
{
	struct partition *p = shell_guest(argv[1]);
	const struct vuart *u;

	(void)argc;
	if (!p)
		return;
	shell_printf("%s: I/O APIC at 0x%lx, ID %u\n", p->name, GUEST_IOAPIC_BASE,
		     p->devices->ioapic.id);
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		if (!(p->devices->ioapic.redir[pin] & VIOAPIC_RTE_MASKED) || (p->devices->ioapic.asserted & (1u << pin)))
			print_pin(&p->devices->ioapic, pin);
	u = &p->devices->uart;
	shell_printf("  COM1 (pin 4): IER 0x%02x MCR 0x%02x, THR-empty interrupt %s, %u received "
		     "characters waiting\n", u->ier, u->mcr, u->thre_pending ? "pending" : "taken",
		     u->rx_count);
}
