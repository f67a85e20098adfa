/* The partition's I/O APIC in the exit path. */
#include "core/guest_ioapic.h"
#include "core/guest_acpi.h"
#include "core/guest_mmio.h"

#define IOAPIC_PAGE 0xfffUL

void guest_ioapic_init(struct partition *p)
{
	vioapic_init(&p->ioapic, &p->apic_group, GUEST_IOAPIC_ID);
}

bool guest_ioapic_is_mmio(uint64_t gpa)
{
	return (gpa & ~IOAPIC_PAGE) == GUEST_IOAPIC_BASE;
}

static uint32_t locked_read(void *dev, uint32_t offset)
{
	struct partition *p = dev;
	uint64_t flags = spin_lock_irqsave(&p->io_lock);
	uint32_t value = vioapic_mmio_read(&p->ioapic, offset);

	spin_unlock_irqrestore(&p->io_lock, flags);
	return value;
}

static void locked_write(void *dev, uint32_t offset, uint32_t value)
{
	struct partition *p = dev;
	uint64_t flags = spin_lock_irqsave(&p->io_lock);

	vioapic_mmio_write(&p->ioapic, offset, value);
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

	vioapic_eoi(&p->ioapic, vector);
	spin_unlock_irqrestore(&p->io_lock, flags);
}
