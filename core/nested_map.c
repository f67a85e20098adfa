/* The nested page-table walk and fill shared by svm/npt.c and vmx/ept.c. */
#include "core/nested_map.h"
#include "mm/frames.h"
#include "lib/x86.h"

#define LEVELS 4

static unsigned int index_at(uint64_t gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & 511;
}

/* The entry at `level` (4 = PML4 ... 1 = PT) for gpa, allocating tables on the way. */
static uint64_t *entry_for(paddr_t root, uint64_t gpa, int level, const struct nested_format *f)
{
	uint64_t *table = phys_to_virt(root);

	for (int l = LEVELS; l > level; l--) {
		uint64_t *e = &table[index_at(gpa, l)];
		if (!(*e & f->present)) {
			paddr_t t = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
			if (!t)
				return NULL;
			*e = f->table_entry(t);
		}
		table = phys_to_virt(*e & f->addr_mask);
	}
	return &table[index_at(gpa, level)];
}

bool nested_map_partition(struct partition *p, const struct nested_format *f)
{
	paddr_t root = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
	uint64_t gpa = 0;

	if (!root)
		return false;
	while (gpa < p->mem_size) {
		bool large = !(gpa % (2 * MiB)) && !((p->mem_hpa + gpa) % (2 * MiB)) &&
			     p->mem_size - gpa >= 2 * MiB;
		uint64_t *e = entry_for(root, gpa, large ? 2 : 1, f);
		if (!e)
			return false;
		*e = f->leaf_entry(p->mem_hpa + gpa, large);
		gpa += large ? 2 * MiB : PAGE_SIZE;
	}
	p->nested_root = root;
	return true;
}

bool nested_map_page(struct partition *p, const struct nested_format *f, uint64_t gpa,
		     paddr_t hpa)
{
	uint64_t *e = entry_for(p->nested_root, gpa, 1, f);

	if (!e)
		return false;
	*e = f->leaf_entry(hpa, false);
	return true;
}

/* The 4 KiB leaves that map the same RAM as the 2 MiB leaf large, in a new table. */
static paddr_t split_large(uint64_t large, const struct nested_format *f)
{
	paddr_t t = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
	uint64_t *table = t ? phys_to_virt(t) : NULL;
	paddr_t base = large & f->addr_mask & ~(2 * MiB - 1);

	for (unsigned int i = 0; table && i < 512; i++)
		table[i] = f->leaf_entry(base + i * PAGE_SIZE, false);
	return t;
}

bool nested_remap_page(struct partition *p, const struct nested_format *f, uint64_t gpa,
		       paddr_t hpa, bool writable)
{
	uint64_t *pde = entry_for(p->nested_root, gpa, 2, f), *e;

	if (!pde)
		return false;
	if ((*pde & f->present) && (*pde & f->large)) {
		paddr_t t = split_large(*pde, f);

		if (!t)
			return false;
		__atomic_store_n(pde, f->table_entry(t), __ATOMIC_RELEASE);
	}
	e = entry_for(p->nested_root, gpa, 1, f);
	if (!e)
		return false;
	__atomic_store_n(e, f->leaf_entry(hpa, false) & ~(writable ? 0 : f->writable),
			 __ATOMIC_RELEASE);
	return true;
}
