/* AVIC table encodings (AMD APM vol. 2, 15.29). */
#include "svm/avic_table.h"

uint64_t avic_physical_entry(paddr_t backing, uint8_t host_apic_id, bool running)
{
	return (backing & AVIC_PHYS_BACKING_MASK) | host_apic_id | AVIC_PHYS_VALID |
	       (running ? AVIC_PHYS_IS_RUNNING : 0);
}

static int single_bit(uint32_t bits)
{
	return bits && !(bits & (bits - 1)) ? __builtin_ctz(bits) : -1;
}

int avic_logical_index(uint32_t ldr, bool flat)
{
	uint32_t id = ldr >> 24;
	int bit;

	if (flat)
		return single_bit(id);
	bit = single_bit(id & 0xf);
	if (bit < 0 || (id >> 4) == 0xf) /* cluster 15 is the broadcast cluster */
		return -1;
	return (int)((id >> 4) << 2) + bit;
}

uint32_t avic_logical_entry(uint8_t guest_apic_id)
{
	return guest_apic_id | AVIC_LOG_VALID;
}

/* APM vol. 2, 15.29: the registers whose writes AVIC traps for the hypervisor to finish. */
bool avic_noaccel_is_trap(uint32_t offset)
{
	switch (offset) {
	case 0x020: case 0x0b0: case 0x0c0: case 0x0d0: case 0x0e0: case 0x0f0:
	case 0x280: case 0x300: case 0x320: case 0x330: case 0x340: case 0x350:
	case 0x360: case 0x370: case 0x380: case 0x3e0:
		return true;
	default:
		return false;
	}
}
