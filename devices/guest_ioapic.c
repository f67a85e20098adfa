/* The partition's I/O APIC in the exit path. */
#include "devices/guest_ioapic.h"
#include "devices/devices.h"
#include "devices/guest_acpi.h"
#include "devices/guest_mmio.h"

#define IOAPIC_PAGE 0xfffUL

bool guest_ioapic_is_mmio(uint64_t gpa)
{
	return (gpa & ~IOAPIC_PAGE) == GUEST_IOAPIC_BASE;
}

static uint32_t locked_read(void *dev, uint32_t offset)
{
	struct partition *p = dev;
	uint64_t flags = spin_lock_irqsave(&p->io_lock);
	uint32_t value = vioapic_mmio_read(&p->devices->ioapic, offset);

	spin_unlock_irqrestore(&p->io_lock, flags);
	return value;
}

static void locked_write(void *dev, uint32_t offset, uint32_t value)
{
	struct partition *p = dev;
	uint64_t flags = spin_lock_irqsave(&p->io_lock);

	vioapic_mmio_write(&p->devices->ioapic, offset, value);
	spin_unlock_irqrestore(&p->io_lock, flags);
}

void guest_ioapic_mmio(struct vcpu *v, const struct exit_event *e)
{
	const struct mmio_dword_device ioapic = {
		.name = "I/O APIC", .dev = v->partition, .read = locked_read, .write = locked_write,
	};

	guest_mmio_dword(v, e, e->npf.gpa & IOAPIC_PAGE, &ioapic);
}

void guest_ioapic_eoi(struct partition *p, uint8_t vector)
{
	uint64_t flags = spin_lock_irqsave(&p->io_lock);

	vioapic_eoi(&p->devices->ioapic, vector);
	spin_unlock_irqrestore(&p->io_lock, flags);
}
