/* The MSR bitmaps (SDM 24.6.9): which MSRs a guest reads and writes without an exit. */
#include "core/backend.h"
#include "mm/frames.h"
#include "lib/string.h"
#include "lib/x86.h"
#include "vmx/vmx.h"

static paddr_t msr_bitmap_pa;
static paddr_t msr_bitmap_x2apic_pa;

/* SDM 24.6.9: read-low, read-high, write-low, write-high bitmaps of 1 KiB each. */
static void msr_bitmap_allow(uint8_t *map, uint32_t msr, bool read, bool write)
{
	uint32_t base = msr >= 0xc0000000 ? 0x400 : 0;
	uint32_t bit = msr & 0x1fff;

	if (msr > 0x1fff && (msr < 0xc0000000 || msr > 0xc0001fff))
		return;
	if (read)
		map[base + bit / 8] &= ~(1u << (bit % 8));
	if (write)
		map[0x800 + base + bit / 8] &= ~(1u << (bit % 8));
}

/*
 * With x2APIC virtualization and APIC-register virtualization, RDMSR of
 * these x2APIC registers reads the virtual-APIC page, and WRMSR of TPR, EOI
 * and SELF_IPI is virtualized (SDM 29.5). Every other x2APIC MSR must exit:
 * without an exit the CPU would reach its own, physical, x2APIC. The
 * current count (0x839) is computed by the model, so it exits too.
 */
static void msr_bitmap_allow_x2apic(uint8_t *map)
{
	static const uint16_t readable[][2] = {
		{ 0x802, 0x803 }, { 0x808, 0x808 }, { 0x80a, 0x80a }, { 0x80d, 0x80d },
		{ 0x80f, 0x828 }, { 0x82f, 0x830 }, { 0x832, 0x838 }, { 0x83e, 0x83e },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(readable); i++)
		for (uint32_t msr = readable[i][0]; msr <= readable[i][1]; msr++)
			msr_bitmap_allow(map, msr, true, false);
	msr_bitmap_allow(map, 0x808, false, true); /* TPR */
	msr_bitmap_allow(map, 0x80b, false, true); /* EOI */
	msr_bitmap_allow(map, 0x83f, false, true); /* SELF_IPI */
}

/* One bitmap for every APIC mode but x2APIC under APICv, one for that. */
static paddr_t msr_bitmap_new(bool x2apic_virtualized)
{
	paddr_t pa = frames_alloc(1, 1, FRAMES_NO_LIMIT);

	if (!pa)
		return 0;
	memset(phys_to_virt(pa), 0xff, PAGE_SIZE);
	for (unsigned int i = 0; i < nr_msr_guest_owned; i++)
		msr_bitmap_allow(phys_to_virt(pa), msr_guest_owned[i], true, true);
	if (x2apic_virtualized)
		msr_bitmap_allow_x2apic(phys_to_virt(pa));
	return pa;
}

bool vmx_msr_bitmap_init(void)
{
	if (msr_bitmap_pa)
		return true;
	msr_bitmap_pa = msr_bitmap_new(false);
	msr_bitmap_x2apic_pa = msr_bitmap_new(true);
	return msr_bitmap_pa && msr_bitmap_x2apic_pa;
}

paddr_t vmx_msr_bitmap(bool x2apic_virtualized)
{
	return x2apic_virtualized ? msr_bitmap_x2apic_pa : msr_bitmap_pa;
}
