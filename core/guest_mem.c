/* Guest memory access and the guest page-table walk (Intel SDM vol. 3, 4.3-4.5). */
#include "core/guest_mem.h"
#include "lib/string.h"
#include "lib/x86.h"

#define PTE_P     BIT(0)
#define PTE_PS    BIT(7)
#define CR0_PG_BIT BIT(31)
#define CR4_PSE_BIT BIT(4)
#define CR4_PAE_BIT BIT(5)
#define EFER_LMA_BIT BIT(10)
#define ADDR_MASK_64 0x000ffffffffff000UL

static bool gpa_range_ok(const struct partition *p, uint64_t gpa, size_t len)
{
	return gpa < p->mem_size && len <= p->mem_size - gpa;
}

bool gpa_read(const struct partition *p, uint64_t gpa, void *buf, size_t len)
{
	if (!gpa_range_ok(p, gpa, len))
		return false;
	memcpy(buf, (const uint8_t *)p->mem + gpa, len);
	return true;
}

bool gpa_write(struct partition *p, uint64_t gpa, const void *buf, size_t len)
{
	if (!gpa_range_ok(p, gpa, len))
		return false;
	memcpy((uint8_t *)p->mem + gpa, buf, len);
	return true;
}

/* One level: reads the entry (4 or 8 bytes) at table + index. */
static bool read_entry(const struct partition *p, uint64_t table, unsigned int index,
		       unsigned int size, uint64_t *entry)
{
	*entry = 0;
	return gpa_read(p, table + (uint64_t)index * size, entry, size) && (*entry & PTE_P);
}

static bool walk_32bit(const struct partition *p, uint64_t cr3, uint64_t cr4, uint32_t va,
		       uint64_t *gpa)
{
	uint64_t pde, pte;

	if (!read_entry(p, cr3 & 0xfffff000, va >> 22, 4, &pde))
		return false;
	if ((pde & PTE_PS) && (cr4 & CR4_PSE_BIT)) {
		*gpa = (pde & 0xffc00000) | ((pde & 0x1fe000) << 19) | (va & 0x3fffff);
		return true;
	}
	if (!read_entry(p, pde & 0xfffff000, (va >> 12) & 1023, 4, &pte))
		return false;
	*gpa = (pte & 0xfffff000) | (va & 0xfff);
	return true;
}

/* PAE and 4-level paging share the 8-byte entry format: levels from `top` down. */
static bool walk_64bit(const struct partition *p, uint64_t table, int top, uint64_t va,
		       uint64_t *gpa)
{
	uint64_t e;

	for (int level = top; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		unsigned int index = (va >> shift) & (level == 3 && top == 3 ? 3 : 511);
		if (!read_entry(p, table, index, 8, &e))
			return false;
		if (level == 1 || ((e & PTE_PS) && (level == 2 || (level == 3 && top == 4)))) {
			uint64_t page_mask = BIT(shift) - 1;
			*gpa = (e & ADDR_MASK_64 & ~page_mask) | (va & page_mask);
			return true;
		}
		table = e & ADDR_MASK_64;
	}
	return false;
}

bool gva_to_gpa(const struct vcpu *v, const struct vcpu_control_regs *c, uint64_t gva,
		uint64_t *gpa)
{
	const struct partition *p = v->partition;

	if (!(c->cr0 & CR0_PG_BIT)) {
		*gpa = (c->efer & EFER_LMA_BIT) ? gva : (uint32_t)gva;
		return true;
	}
	if (c->efer & EFER_LMA_BIT) /* a non-canonical address is no address (#GP on the CPU) */
		return (uint64_t)((int64_t)(gva << 16) >> 16) == gva &&
		       walk_64bit(p, c->cr3 & ADDR_MASK_64, 4, gva, gpa);
	if (c->cr4 & CR4_PAE_BIT)
		return walk_64bit(p, c->cr3 & 0xffffffe0, 3, (uint32_t)gva, gpa);
	return walk_32bit(p, c->cr3, c->cr4, (uint32_t)gva, gpa);
}

/* Copies between guest-virtual memory and buf, one guest page at a time. */
static bool gva_copy(const struct vcpu *v, const struct vcpu_control_regs *c, uint64_t gva,
		     uint8_t *buf, size_t len, bool write)
{
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		uint64_t gpa;
		if (!gva_to_gpa(v, c, gva, &gpa))
			return false;
		if (write ? !gpa_write(v->partition, gpa, buf, chunk)
			  : !gpa_read(v->partition, gpa, buf, chunk))
			return false;
		gva += chunk;
		buf += chunk;
		len -= chunk;
	}
	return true;
}

bool gva_read(const struct vcpu *v, const struct vcpu_control_regs *c, uint64_t gva,
	      void *buf, size_t len)
{
	return gva_copy(v, c, gva, buf, len, false);
}

bool gva_write(const struct vcpu *v, const struct vcpu_control_regs *c, uint64_t gva,
	       const void *buf, size_t len)
{
	return gva_copy(v, c, gva, (uint8_t *)buf, len, true);
}
