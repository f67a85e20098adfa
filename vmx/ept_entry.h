/* EPT entry and EPT-pointer encodings (Intel SDM vol. 3, 28.3.2 and 24.6.11). */
#ifndef HV_VMX_EPT_ENTRY_H
#define HV_VMX_EPT_ENTRY_H

#include "lib/types.h"

#define EPT_R      BIT(0)
#define EPT_W      BIT(1)
#define EPT_X      BIT(2)
#define EPT_RWX    (EPT_R | EPT_W | EPT_X)
#define EPT_ADDR   0x000ffffffffff000UL
#define EPT_LARGE  BIT(7)     /* a 2 MiB (PDE) or 1 GiB (PDPTE) leaf */

/* A non-leaf entry: the next table, all accesses allowed (the leaf decides). */
uint64_t ept_table_entry(paddr_t table);

/* A leaf mapping RAM: read/write/execute, write-back, the guest's PAT honoured. */
uint64_t ept_leaf_entry(paddr_t hpa, bool large);

/* The EPT pointer for a root table: write-back paging structures, 4-level walk. */
uint64_t ept_pointer(paddr_t root);

#endif
