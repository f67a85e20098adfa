/*
 * Extended page tables: 4 levels, read/write/execute everywhere in the
 * guest's memory, write-back (SDM vol. 3, 28.3.2, tables 28-1 to 28-6).
 */
#include "vmx/ept.h"
#include "core/nested_map.h"
#include "vmx/ept_entry.h"

static const struct nested_format ept_format = {
	.table_entry = ept_table_entry,
	.leaf_entry = ept_leaf_entry,
	.present = EPT_RWX,
	.addr_mask = EPT_ADDR,
	.writable = EPT_W,
	.large = EPT_LARGE,
};

bool ept_build(struct partition *p)
{
	return nested_map_partition(p, &ept_format);
}

bool ept_map_page(struct partition *p, uint64_t gpa, paddr_t hpa)
{
	return nested_map_page(p, &ept_format, gpa, hpa);
}

bool ept_remap_page(struct partition *p, uint64_t gpa, paddr_t hpa, bool writable)
{
	return nested_remap_page(p, &ept_format, gpa, hpa, writable);
}
