/*
 * Nested page tables: the long-mode page-table format, walked by the CPU as
 * user-mode accesses, so every level needs U=1 (APM vol. 2, 15.25.5).
 */
#include "svm/npt.h"
#include "core/nested_map.h"

#define NPT_P    BIT(0)
#define NPT_RW   BIT(1)
#define NPT_US   BIT(2)
#define NPT_PS   BIT(7)
#define NPT_ADDR 0x000ffffffffff000UL

static uint64_t npt_table_entry(paddr_t table)
{
	return (table & NPT_ADDR) | NPT_P | NPT_RW | NPT_US;
}

static uint64_t npt_leaf_entry(paddr_t hpa, bool large)
{
	return (hpa & NPT_ADDR) | NPT_P | NPT_RW | NPT_US | (large ? NPT_PS : 0);
}

static const struct nested_format npt_format = {
	.table_entry = npt_table_entry,
	.leaf_entry = npt_leaf_entry,
	.present = NPT_P,
	.addr_mask = NPT_ADDR,
	.writable = NPT_RW,
	.large = NPT_PS,
};

bool npt_build(struct partition *p)
{
	return nested_map_partition(p, &npt_format);
}

bool npt_map_page(struct partition *p, uint64_t gpa, paddr_t hpa)
{
	return nested_map_page(p, &npt_format, gpa, hpa);
}

bool npt_remap_page(struct partition *p, uint64_t gpa, paddr_t hpa, bool writable)
{
	return nested_remap_page(p, &npt_format, gpa, hpa, writable);
}
