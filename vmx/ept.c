/*
 * Extended page tables: 4 levels, read/write/execute everywhere in the
 * guest's memory, write-back, 2 MiB pages wherever guest and host addresses
 * are both 2 MiB-aligned (SDM vol. 3, 28.3.2, tables 28-1 to 28-6).
 */
#include "vmx/ept.h"
#include "vmx/ept_entry.h"
#include "core/frames.h"
#include "core/x86.h"

/* The entry at `level` (4 = PML4 ... 1 = PT) for gpa, allocating tables on the way. */
static uint64_t *ept_entry(paddr_t root, uint64_t gpa, int level)
{
	uint64_t *table = phys_to_virt(root);

	for (int l = 4; l > level; l--) {
		uint64_t *e = &table[(gpa >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & EPT_RWX)) {
			paddr_t t = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
			if (!t)
				return NULL;
			*e = ept_table_entry(t);
		}
		table = phys_to_virt(*e & EPT_ADDR);
	}
	return &table[(gpa >> (12 + 9 * (level - 1))) & 511];
}

static bool ept_map(paddr_t root, uint64_t gpa, paddr_t hpa, bool large)
{
	uint64_t *e = ept_entry(root, gpa, large ? 2 : 1);

	if (!e)
		return false;
	*e = ept_leaf_entry(hpa, large);
	return true;
}

bool ept_build(struct partition *p)
{
	paddr_t root = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
	uint64_t gpa = 0;

	if (!root)
		return false;
	while (gpa < p->mem_size) {
		bool large = !(gpa % (2 * MiB)) && !((p->mem_hpa + gpa) % (2 * MiB)) &&
			     p->mem_size - gpa >= 2 * MiB;
		if (!ept_map(root, gpa, p->mem_hpa + gpa, large))
			return false;
		gpa += large ? 2 * MiB : PAGE_SIZE;
	}
	p->nested_root = root;
	return true;
}
