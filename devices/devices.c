/* The guest's devices in the exit path, and what core asks of them. */
#include "devices/devices.h"
#include "lib/x86.h"
#include "core/backend.h"
#include "core/crash.h"
#include "core/enlightenment.h"
#include "core/guest_apic.h"
#include "devices/guest_acpi.h"
#include "devices/guest_io.h"
#include "devices/guest_ioapic.h"
#include "devices/guest_mmio.h"
#include "devices/string_io.h"
#include "console/log.h"

#define XAPIC_PAGE 0xfffUL

static struct guest_devices devices_pool[MAX_PARTITIONS];

void devices_partition_init(struct partition *p)
{
	p->devices = &devices_pool[p->id];
	*p->devices = (struct guest_devices){ 0 };
	vrtc_init(&p->devices->rtc);
	vioapic_init(&p->devices->ioapic, &p->apic_group, GUEST_IOAPIC_ID);
}

static void string_io_exit(struct vcpu *v, const struct exit_event *e)
{
	switch (string_io(v, &e->io)) {
	case STRING_IO_DONE:
		if (v->state == VCPU_RUNNING)
			backend->vcpu_skip_instruction(v, e);
		break;
	case STRING_IO_MORE:
		break;
	case STRING_IO_FAULT:
		crash_guest(v, e, "INS/OUTS with an unmapped memory operand");
		break;
	}
}

/* IN writes AL/AX, or EAX zero-extended into RAX (SDM vol. 1, 3.4.1.1). */
void devices_io_exit(struct vcpu *v, const struct exit_event *e)
{
	const struct exit_io *io = &e->io;
	uint32_t mask = 0xffffffffu >> (32 - 8 * io->size);

	if (io->string) {
		string_io_exit(v, e);
		return;
	}
	if (io->in) {
		uint32_t val = guest_io_in(v, io->port, io->size);
		v->regs.rax = io->size == 4 ? val : (v->regs.rax & ~(uint64_t)mask) | (val & mask);
	} else {
		guest_io_out(v, io->port, io->size, (uint32_t)v->regs.rax & mask);
	}
	if (v->state == VCPU_RUNNING)
		backend->vcpu_skip_instruction(v, e);
}

static uint32_t xapic_read(void *apic, uint32_t offset) { return vlapic_mmio_read(apic, offset); }
static void xapic_write(void *apic, uint32_t offset, uint32_t value) { vlapic_mmio_write(apic, offset, value); }

/* APIC registers are 32 bits wide at 16-byte strides (SDM 11.4.1). */
static void xapic_mmio(struct vcpu *v, const struct exit_event *e)
{
	const struct mmio_dword_device apic = {
		.name = "xAPIC", .dev = &v->apic, .read = xapic_read, .write = xapic_write,
	};

	guest_mmio_dword(v, e, e->npf.gpa & XAPIC_PAGE, &apic);
}

/*
 * The xAPIC page of an APIC globally disabled or in x2APIC mode: nothing
 * decodes it there (SDM vol. 3, 11.4.3 and 11.12.2), the access goes to the bus.
 */
static bool xapic_page_undecoded(const struct vcpu *v, uint64_t gpa)
{
	return (gpa & ~XAPIC_PAGE) == (vlapic_get_base(&v->apic) & ~XAPIC_PAGE);
}

/* Each page said once; past UNBACKED_LOG_MAX of them one last line, then silence. */
static void log_unbacked_once(struct vcpu *v, const struct exit_event *e)
{
	struct partition *p = v->partition;
	struct guest_devices *d = p->devices;
	uint64_t page = e->npf.gpa & ~0xfffUL, flags = spin_lock_irqsave(&p->io_lock);
	unsigned int n = d->nr_unbacked_logged;
	bool seen = n > UNBACKED_LOG_MAX;

	for (unsigned int i = 0; i < MIN(n, UNBACKED_LOG_MAX) && !seen; i++)
		seen = d->unbacked_logged[i] == page;
	if (!seen && n < UNBACKED_LOG_MAX)
		d->unbacked_logged[n] = page;
	if (!seen)
		d->nr_unbacked_logged = n + 1;
	spin_unlock_irqrestore(&p->io_lock, flags);
	if (!seen && n < UNBACKED_LOG_MAX)
		log_info("guest %s: %s of 0x%lx, neither RAM nor a device: reads all ones, writes are "
			 "lost (said once per page; unbacked=crash ends the guest instead)",
			 p->name, e->npf.write ? "write" : "read", e->npf.gpa);
	else if (!seen)
		log_info("guest %s: more unbacked pages accessed, without a word", p->name);
}

/*
 * Outside RAM and the devices: an instruction fetch ends the guest (there is
 * nothing sensible to run); a read or write is answered as hardware answers
 * it, unless the guest's configuration says unbacked=crash.
 */
static void unbacked_access(struct vcpu *v, const struct exit_event *e)
{
	if (e->npf.fetch || v->partition->config.unbacked_crash) {
		crash_guest(v, e, e->npf.fetch ? "instruction fetch outside guest memory"
				  : e->npf.write ? "write outside guest memory"
						 : "read outside guest memory");
		return;
	}
	log_unbacked_once(v, e);
	guest_mmio_open_bus(v, e, "unbacked memory");
}

/*
 * A nested page fault: a device's page, the undecoded xAPIC page, a
 * read-only overlay, or neither RAM nor a device. First, an event whose
 * delivery touches a page that is not RAM (the guest's IDT,
 * GDT or stack on a device, outside its memory or on a read-only overlay):
 * the access is the delivery's, not the instruction's at RIP, so there is
 * nothing to emulate. The guest ends with a crash report, as KVM ends such a
 * guest with an internal error ("delivery event"); going on would emulate an
 * instruction that did not make the access and deliver the event again.
 */
void devices_npf_exit(struct vcpu *v, const struct exit_event *e)
{
	if (e->in_delivery) {
		crash_guest(v, e, e->npf.write ? "an event's delivery wrote outside guest RAM"
					       : "an event's delivery read outside guest RAM");
		return;
	}
	if (guest_apic_is_mmio(v, e->npf.gpa)) {
		xapic_mmio(v, e);
		return;
	}
	if (xapic_page_undecoded(v, e->npf.gpa) && !e->npf.fetch) {
		guest_mmio_open_bus(v, e, "xAPIC page (APIC off or in x2APIC mode)");
		return;
	}
	if (guest_ioapic_is_mmio(e->npf.gpa)) {
		guest_ioapic_mmio(v, e);
		return;
	}
	if (e->npf.write && enlightenment->is_overlay(v->partition, e->npf.gpa)) {
		backend->vcpu_inject_exception(v, VECTOR_GP, true, 0); /* the hypercall page is read-only (TLFS 3.13) */
		return;
	}
	unbacked_access(v, e);
}

static void partition_ended(struct partition *p)
{
	uint64_t flags = spin_lock_irqsave(&p->io_lock);

	vuart_flush(p);
	spin_unlock_irqrestore(&p->io_lock, flags);
}

const struct device_model guest_device_model = {
	.level_eoi = guest_ioapic_eoi,
	.partition_ended = partition_ended,
};
