/* Identity page tables for the hypervisor (Intel SDM vol. 3, 4.5). */
#include "mm/paging.h"
#include "mm/frames.h"
#include "console/log.h"
#include "lib/x86.h"

#define PTE_P    BIT(0)
#define PTE_RW   BIT(1)
#define PTE_PWT  BIT(3)
#define PTE_PCD  BIT(4)
#define PTE_PS   BIT(7)
#define PTE_ADDR 0x000ffffffffff000ULL
#define ENTRIES  512

static uint64_t *pml4;
static paddr_t mapped_top;

static uint64_t *table_alloc(void)
{
	paddr_t pa = frames_alloc_zeroed(1, 1, 4 * GiB);

	return pa ? phys_to_virt(pa) : NULL;
}

static bool map_gib_with_2m_pages(uint64_t *pdpt_entry, paddr_t gib)
{
	uint64_t *pd = table_alloc();

	if (!pd)
		return false;
	for (int i = 0; i < ENTRIES; i++)
		pd[i] = (gib + i * 2 * MiB) | PTE_P | PTE_RW | PTE_PS;
	*pdpt_entry = virt_to_phys(pd) | PTE_P | PTE_RW;
	return true;
}

static bool map_gib(paddr_t gib, bool gbpages)
{
	unsigned int l4 = (gib >> 39) & 511, l3 = (gib >> 30) & 511;

	if (!pml4[l4]) {
		uint64_t *pdpt = table_alloc();
		if (!pdpt)
			return false;
		pml4[l4] = virt_to_phys(pdpt) | PTE_P | PTE_RW;
	}
	uint64_t *pdpt = phys_to_virt(pml4[l4] & PTE_ADDR);
	if (gbpages && gib >= 4 * GiB) {
		pdpt[l3] = gib | PTE_P | PTE_RW | PTE_PS;
		return true;
	}
	return map_gib_with_2m_pages(&pdpt[l3], gib);
}

bool paging_init(paddr_t top)
{
	bool gbpages = cpuid(0x80000001, 0).edx & BIT(26);
	unsigned int maxphys = cpuid(0x80000008, 0).eax & 0xff;

	top = MAX(ALIGN_UP(top, GiB), 4 * GiB);
	if (top > BIT(maxphys))
		top = BIT(maxphys);
	pml4 = table_alloc();
	if (!pml4)
		return false;
	for (paddr_t gib = 0; gib < top; gib += GiB)
		if (!map_gib(gib, gbpages))
			return false;
	write_cr3(virt_to_phys(pml4));
	mapped_top = top;
	log_debug("paging: %lu GiB identity-mapped, %s pages above 4 GiB", top / GiB,
		  gbpages ? "1 GiB" : "2 MiB");
	return true;
}

paddr_t paging_root(void) { return virt_to_phys(pml4); }

/* Before paging_init, the boot tables map the first 4 GiB. */
bool paging_is_mapped(paddr_t pa, uint64_t len)
{
	paddr_t top = mapped_top ? mapped_top : 4 * GiB;

	return pa < top && len <= top - pa;
}

/*
 * Splits the 2 MiB page holding pa into 4 KiB pages; pa's own page gets
 * PCD|PWT. Above 4 GiB (1 GiB pages) the firmware's MTRRs must do.
 */
void paging_map_uncached(paddr_t pa)
{
	if (pa >= 4 * GiB)
		return;
	uint64_t *pdpt = phys_to_virt(pml4[(pa >> 39) & 511] & PTE_ADDR);
	uint64_t *pde = (uint64_t *)phys_to_virt(pdpt[(pa >> 30) & 511] & PTE_ADDR) +
			((pa >> 21) & 511);
	uint64_t *pt;

	if (*pde & PTE_PS) {
		pt = table_alloc();
		if (!pt) {
			log_warn("paging: no memory to map 0x%lx uncached", pa);
			return;
		}
		paddr_t base = *pde & PTE_ADDR & ~(2 * MiB - 1);
		for (int i = 0; i < ENTRIES; i++)
			pt[i] = (base + i * PAGE_SIZE) | PTE_P | PTE_RW;
		*pde = virt_to_phys(pt) | PTE_P | PTE_RW;
	}
	pt = phys_to_virt(*pde & PTE_ADDR);
	pt[(pa >> 12) & 511] |= PTE_PCD | PTE_PWT;
	write_cr3(read_cr3());
}
