/* EPT encodings: pure, so the host unit tests check them bit by bit. */
#include "vmx/ept_entry.h"

#define EPT_MT_SHIFT   3          /* leaf memory type, bits 5:3 */
#define EPT_MT_WB      6UL
#define EPTP_WALK_4    (3UL << 3) /* page-walk length minus one, bits 5:3 */

uint64_t ept_table_entry(paddr_t table)
{
	return (table & EPT_ADDR) | EPT_RWX;
}

/* "Ignore PAT" (bit 6) stays clear: the guest's PAT combines with WB. */
uint64_t ept_leaf_entry(paddr_t hpa, bool large)
{
	return (hpa & EPT_ADDR) | EPT_RWX | (EPT_MT_WB << EPT_MT_SHIFT) | (large ? EPT_LARGE : 0);
}

uint64_t ept_pointer(paddr_t root)
{
	return (root & EPT_ADDR) | EPTP_WALK_4 | EPT_MT_WB;
}
