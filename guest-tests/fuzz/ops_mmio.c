/*
 * MMIO: the xAPIC page (in xAPIC mode only: elsewhere 0xfee00000 is no
 * device, see below) and the I/O APIC's index and window registers, with
 * every MOV form devices/mmio_decode.c decodes (sizes 1-8, MOVZX/MOVSX, REX
 * registers, AH, SIB, segment prefixes, immediates, moffs).
 *
 * Unmapped guest-physical space is not touched during the run: given
 * unbacked=crash, the hypervisor ends the guest that reads or writes there
 * (devices/devices.c: "read outside guest memory"), so with "unmapped" on
 * the command line one such read comes last, after the report.
 */
#include "guest-tests/fuzz/fuzz.h"

#define XAPIC_BASE   0xfee00000UL
#define IOAPIC_BASE  0xfec00000UL
#define IOAPIC_VER   0x00170011u /* 82093AA 3.2.2: 24 entries, version 0x11 */
#define RTE_RO_BITS  ((1U << 12) | (1U << 14)) /* delivery status, remote IRR (3.2.4) */
#define RTE_LOW_W    0x1afffu    /* vector, mode, dest. mode, polarity, trigger, mask */
#define RTE_HIGH_W   0xff000000u /* destination */
#define RTE_MASKED   (1U << 16)
#define ESR_ILLEGAL_REGISTER (1U << 7)

enum { READ_FORMS = 12, WRITE_FORMS = 12 };

static const uint8_t read_sizes[READ_FORMS] = { 4, 1, 2, 8, 1, 2, 1, 2, 4, 1, 4, 4 };
static const uint8_t write_sizes[WRITE_FORMS] = { 4, 1, 2, 8, 4, 1, 2, 8, 4, 4, 4, 4 };

static uint64_t mmio_read(uintptr_t addr, unsigned int form)
{
	register uintptr_t r9 asm("r9") = addr;
	volatile void *p = (volatile void *)addr;
	uint64_t v = 0;

	switch (form) {
	case 0: asm volatile("movl (%1), %k0" : "=r"(v) : "r"(p) : "memory"); break;
	case 1: asm volatile("movb (%1), %b0" : "+q"(v) : "r"(p) : "memory"); break;
	case 2: asm volatile("movw (%1), %w0" : "+r"(v) : "r"(p) : "memory"); break;
	case 3: asm volatile("movq (%1), %0" : "=r"(v) : "r"(p) : "memory"); break;
	case 4: asm volatile("movzbl (%1), %k0" : "=r"(v) : "r"(p) : "memory"); break;
	case 5: asm volatile("movzwl (%1), %k0" : "=r"(v) : "r"(p) : "memory"); break;
	case 6: asm volatile("movsbq (%1), %0" : "=r"(v) : "r"(p) : "memory"); break;
	case 7: asm volatile("movswl (%1), %k0" : "=r"(v) : "r"(p) : "memory"); break;
	case 8: asm volatile("movl (%%r9), %%r10d; mov %%r10, %0" : "=r"(v) : "r"(r9) : "r10", "memory"); break;
	case 9: asm volatile("movb (%1), %%ah; shr $8, %%eax" : "+a"(v) : "r"(p) : "memory"); break;
	case 10: asm volatile("movl 8(%1,%2,2), %k0" : "=r"(v) : "r"(addr - 16), "r"(4UL) : "memory"); break;
	default: asm volatile("movl %%ds:(%1), %k0" : "=r"(v) : "r"(p) : "memory"); break;
	}
	return v;
}

static void mmio_write(uintptr_t addr, unsigned int form, uint64_t v)
{
	register uintptr_t r9 asm("r9") = addr;
	register uint64_t r10 asm("r10") = v;
	volatile void *p = (volatile void *)addr;

	switch (form) {
	case 0: asm volatile("movl %k1, (%0)" :: "r"(p), "r"(v) : "memory"); break;
	case 1: asm volatile("movb %b1, (%0)" :: "r"(p), "q"(v) : "memory"); break;
	case 2: asm volatile("movw %w1, (%0)" :: "r"(p), "r"(v) : "memory"); break;
	case 3: asm volatile("movq %1, (%0)" :: "r"(p), "r"(v) : "memory"); break;
	case 4: asm volatile("movl $0xffffffff, (%0)" :: "r"(p) : "memory"); break;
	case 5: asm volatile("movb $0x5a, (%0)" :: "r"(p) : "memory"); break;
	case 6: asm volatile("movw $0x1234, (%0)" :: "r"(p) : "memory"); break;
	case 7: asm volatile("movq $-2, (%0)" :: "r"(p) : "memory"); break;
	case 8: asm volatile("movl %%r10d, (%%r9)" :: "r"(r9), "r"(r10) : "memory"); break;
	case 9: asm volatile("movl $0, (%0)" :: "r"(p) : "memory"); break;
	case 10: asm volatile("movl %k2, 8(%0,%1,2)" :: "r"(addr - 16), "r"(4UL), "r"(v) : "memory"); break;
	default: asm volatile("movl %k1, %%ds:(%0)" :: "r"(p), "r"(v) : "memory"); break;
	}
}

/* ---- the xAPIC page (SDM table 11-1) ---- */

static const uint16_t xapic_regs[] = {
	0x020, 0x030, 0x080, 0x090, 0x0a0, 0x0b0, 0x0d0, 0x0e0, 0x0f0, 0x280, 0x2f0, 0x300,
	0x310, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370, 0x380, 0x390, 0x3e0,
};

static bool xapic_register(uint32_t offset)
{
	if (offset >= 0x100 && offset < 0x280)
		return true; /* ISR, TMR, IRR */
	for (unsigned int i = 0; i < sizeof(xapic_regs) / sizeof(xapic_regs[0]); i++)
		if (xapic_regs[i] == offset)
			return true;
	return false;
}

static uint32_t xapic_offset(unsigned int size)
{
	switch (rng_below(10)) {
	case 0:
		return (uint32_t)rng_below(PAGE / size) * size;
	case 1:
	case 2:
	case 3:
		return (uint32_t)rng_below(PAGE / 16) * 16;
	default:
		return RNG_PICK(xapic_regs);
	}
}

/* 11.5.3: a read of no register sets "illegal register address"; the ID reads back. */
static void check_xapic_read(uint32_t offset, unsigned int form, uint64_t v)
{
	static uint64_t version;
	uint32_t esr;

	if (read_sizes[form] != 4 || (offset & 0xf))
		return;
	esr = lapic_esr();
	if (!xapic_register(offset) && !(esr & ESR_ILLEGAL_REGISTER))
		mismatch("xAPIC read of 0x%x (no register): ESR 0x%x", offset, esr);
	if (offset == 0x20 && v != (uint64_t)apic_id() << 24)
		mismatch("xAPIC ID reads 0x%lx", v);
	if (offset == 0x30 && version && v != version)
		mismatch("xAPIC version changed from 0x%lx to 0x%lx", version, v);
	if (offset == 0x30)
		version = v;
}

static void xapic_op(void)
{
	bool write = rng_percent(40);
	unsigned int form = (unsigned int)rng_below(write ? WRITE_FORMS : READ_FORMS);
	uint32_t offset = xapic_offset(write ? write_sizes[form] : read_sizes[form]);
	uint64_t v = rng_value();

	if (apic_is_x2apic())
		apic_mode_xapic();
	lapic_sane();
	lapic_esr();
	if (write && deny_xapic_write(offset))
		write = false;
	if (write)
		mmio_write(XAPIC_BASE + offset, form, (v & ~0xffULL) | deny_fix_vector((uint8_t)v));
	else
		check_xapic_read(offset, form, mmio_read(XAPIC_BASE + offset, form));
	lapic_sane();
}

/* ---- the I/O APIC (82093AA datasheet, 3) ---- */

static volatile uint32_t *ioapic_reg(uint32_t offset)
{
	return (volatile uint32_t *)(IOAPIC_BASE + offset);
}

static uint32_t ioapic_read(uint32_t index)
{
	*ioapic_reg(0) = index;
	return *ioapic_reg(0x10);
}

static void ioapic_write(uint32_t index, uint32_t v)
{
	*ioapic_reg(0) = index;
	*ioapic_reg(0x10) = v;
}

/* 3.2.4: the writable bits of a redirection entry read back; the pin is masked again. */
static void rte_op(void)
{
	unsigned int pin = (unsigned int)rng_below(24), high = rng_percent(50);
	uint32_t index = 0x10 + 2 * pin + high, w = high ? RTE_HIGH_W : RTE_LOW_W;
	uint32_t old = ioapic_read(index), v = (uint32_t)rng_value() | RTE_MASKED * rng_percent(70);
	uint32_t want, back;

	v = (v & ~0xffu) | deny_fix_vector((uint8_t)v);
	ioapic_write(index, v);
	back = ioapic_read(index);
	want = (old & ~w) | (v & w);
	if (!high)
		want &= ~RTE_RO_BITS, back &= ~RTE_RO_BITS;
	if (back != want)
		mismatch("I/O APIC entry %u %s half: wrote 0x%x over 0x%x, reads 0x%x", pin,
			 high ? "high" : "low", v, old, back);
	ioapic_write(0x10 + 2 * pin, RTE_MASKED);
}

static void ioapic_op(void)
{
	uint32_t sel = (uint32_t)rng_u64();

	switch (rng_below(6)) {
	case 0:
		if (ioapic_read(1) != IOAPIC_VER)
			mismatch("I/O APIC version register reads 0x%x", ioapic_read(1));
		break;
	case 1:
		*ioapic_reg(0) = sel;
		if (*ioapic_reg(0) != (sel & 0xff))
			mismatch("IOREGSEL reads 0x%x after 0x%x", *ioapic_reg(0), sel);
		break;
	case 2:
	case 3:
		rte_op();
		break;
	default: {
		unsigned int form = (unsigned int)rng_below(READ_FORMS);

		*ioapic_reg(0) = (uint32_t)rng_below(0x40);
		mmio_read(IOAPIC_BASE + 8 * rng_below(PAGE / 8), form);
	}
	}
}

void op_mmio(void)
{
	if (rng_percent(60))
		xapic_op();
	else
		ioapic_op();
}

/* After the report: the hypervisor ends a guest that reads memory it does not have. */
void mmio_unmapped_last(void)
{
	uint64_t gpa = ((fz.mem_size + PAGE - 1) & ~(PAGE - 1)) + PAGE * rng_below(256);

	guest_printf("fuzz: reading unmapped 0x%lx: the hypervisor ends the guest here\n", gpa);
	mmio_read(gpa, 0);
	mismatch("the read of unmapped guest-physical 0x%lx returned", gpa);
	guest_exit(1);
}
