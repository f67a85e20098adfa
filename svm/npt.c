/*
 * Nested page tables: the long-mode page-table format, walked by the CPU as
 * user-mode accesses, so every level needs U=1 (APM vol. 2, 15.25.5).
 * 2 MiB pages wherever guest and host addresses are both 2 MiB-aligned.
 */
#include "svm/npt.h"
#include "core/frames.h"
#include "core/x86.h"

#define NPT_P    BIT(0)
#define NPT_RW   BIT(1)
#define NPT_US   BIT(2)
#define NPT_PS   BIT(7)
#define NPT_ADDR 0x000ffffffffff000UL
#define NPT_TABLE (NPT_P | NPT_RW | NPT_US)
#define NPT_LEAF  (NPT_P | NPT_RW | NPT_US)

/* The entry at `level` (4 = PML4 ... 1 = PT) for gpa, allocating tables on the way. */
static uint64_t *npt_entry(paddr_t root, uint64_t gpa, int level)
{
	uint64_t *table = phys_to_virt(root);

	for (int l = 4; l > level; l--) {
		uint64_t *e = &table[(gpa >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & NPT_P)) {
			paddr_t t = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
			if (!t)
				return NULL;
			*e = t | NPT_TABLE;
		}
		table = phys_to_virt(*e & NPT_ADDR);
	}
	return &table[(gpa >> (12 + 9 * (level - 1))) & 511];
}

static bool npt_map(paddr_t root, uint64_t gpa, paddr_t hpa, bool large)
{
	uint64_t *e = npt_entry(root, gpa, large ? 2 : 1);

	if (!e)
		return false;
	*e = hpa | NPT_LEAF | (large ? NPT_PS : 0);
	return true;
}

bool npt_build(struct partition *p)
{
	paddr_t root = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
	uint64_t gpa = 0;

	if (!root)
		return false;
	while (gpa < p->mem_size) {
		bool large = !(gpa % (2 * MiB)) && !((p->mem_hpa + gpa) % (2 * MiB)) &&
			     p->mem_size - gpa >= 2 * MiB;
		if (!npt_map(root, gpa, p->mem_hpa + gpa, large))
			return false;
		gpa += large ? 2 * MiB : PAGE_SIZE;
	}
	p->nested_root = root;
	return true;
}
