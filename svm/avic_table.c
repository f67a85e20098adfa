/*
 * AVIC's tables and the rules around them (AMD APM vol. 2, 15.29): pure,
 * linked into the host's AVIC model test (tests/avic/), since no machine or
 * emulator here has AVIC.
 */
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

void avic_logical_table_fill(uint32_t table[AVIC_LOGICAL_ENTRIES], unsigned int nr,
			     const uint32_t *ldr, const uint32_t *dfr)
{
	for (unsigned int i = 0; i < AVIC_LOGICAL_ENTRIES; i++)
		__atomic_store_n(&table[i], 0, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < nr; i++) {
		int index = avic_logical_index(ldr[i], dfr[i] == 0xffffffff);

		if (index >= 0)
			__atomic_store_n(&table[index], avic_logical_entry((uint8_t)i),
					 __ATOMIC_RELEASE);
	}
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

void avic_entry_set_running(uint64_t *entry, bool running)
{
	if (running)
		__atomic_fetch_or(entry, AVIC_PHYS_IS_RUNNING, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(entry, ~AVIC_PHYS_IS_RUNNING, __ATOMIC_SEQ_CST);
}

int avic_doorbell_target(const uint64_t *entry)
{
	uint64_t e = __atomic_load_n(entry, __ATOMIC_SEQ_CST);

	return (e & AVIC_PHYS_IS_RUNNING) ? (int)(e & AVIC_PHYS_HOST_ID_MASK) : -1;
}

struct avic_incomplete_ipi avic_decode_incomplete_ipi(uint64_t info1, uint64_t info2)
{
	return (struct avic_incomplete_ipi){
		.icr_lo = (uint32_t)info1, .icr_hi = (uint32_t)(info1 >> 32),
		.cause = (uint32_t)(info2 >> 32), .index = (uint8_t)info2,
	};
}

bool avic_ipi_irr_done(const struct avic_incomplete_ipi *ipi)
{
	return ipi->cause == AVIC_IPI_TARGET_NOT_RUNNING;
}

/* The display family: the base family, plus the extended family when the base is 0xf. */
static uint32_t cpu_family(uint32_t eax)
{
	uint32_t base = (eax >> 8) & 0xf;

	return base == 0xf ? base + ((eax >> 20) & 0xff) : base;
}

static bool same_vendor(const char a[12], const char *b)
{
	for (unsigned int i = 0; i < 12; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

bool avic_erratum_1235(const char vendor[12], uint32_t cpuid1_eax)
{
	uint32_t family = cpu_family(cpuid1_eax);

	return (same_vendor(vendor, "AuthenticAMD") && family == 0x17) ||
	       (same_vendor(vendor, "HygonGenuine") && family == 0x18);
}
