/*
 * The guest library: what a test program running as a guest may use.
 *
 * A program defines test_main(); the library's entry takes the CPU from the
 * multiboot loader's 32-bit state into long mode (the first 4 GiB identity-mapped),
 * installs exception handlers, reads the boot information and calls
 * test_main(cmdline), then tests_done(). It knows nothing of the hypervisor's
 * internals: only the guest environment of DESIGN.md.
 */
#ifndef GUEST_TESTS_LIB_GUEST_H
#define GUEST_TESTS_LIB_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Provided by each test program. */
void test_main(const char *cmdline);

/* Console (COM1) and exit (port 0xf4, as QEMU's isa-debug-exit) */
void guest_printf(const char *fmt, ...) GUEST_PRINTF(1, 2);
void guest_vprintf(const char *fmt, va_list ap);
__attribute__((noreturn)) void guest_exit(uint32_t code);

/* The test runner: one line per check, then "SUMMARY: N passed, M failed". */
void check(const char *name, bool ok, const char *why_fmt, ...) GUEST_PRINTF(3, 4);
void skip(const char *name, const char *why);
__attribute__((noreturn)) void tests_done(void);

/* The boot information, whichever multiboot version the loader spoke. */
#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define BOOT_MAX_RANGES      32

struct mem_range {
	uint64_t start;
	uint64_t end; /* exclusive */
};

struct boot_info {
	const char *cmdline;                     /* "" when the loader gave none */
	struct mem_range ram[BOOT_MAX_RANGES];   /* available RAM, from the memory map */
	unsigned int nr_ram;
	uint64_t ram_end;                        /* the end of the highest RAM range */
	struct mem_range reserved[BOOT_MAX_RANGES]; /* the rest of the memory map */
	unsigned int nr_reserved;
	struct mem_range loader_data[BOOT_MAX_RANGES]; /* info, strings, memory map, modules */
	unsigned int nr_loader_data;
};

extern struct boot_info boot;
extern char guest_image_start[], guest_image_end[]; /* from guest.ld; the stack is inside */

/* The end of the memory from 1 MiB on, with any firmware-reserved top of RAM */
uint64_t boot_memory_size(void);

/* The command line: words separated by blanks, "key=value" settings. */
bool cmdline_has(const char *cmdline, const char *word);
bool cmdline_uint(const char *cmdline, const char *key, uint64_t *val);

/*
 * Exceptions. guest_try() runs fn(arg); if it raises an exception, the handler
 * records it and resumes at the end of guest_try(), as a longjmp would (the
 * rest of fn is skipped). Otherwise the vector is NO_EXCEPTION.
 * An exception outside guest_try() is reported and ends the guest with code 3.
 */
#define NO_EXCEPTION (-1)

enum x86_vector {
	X86_NMI = 2,
	X86_UD = 6,
	X86_DF = 8,
	X86_GP = 13,
	X86_PF = 14,
};

struct exception {
	int vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t rflags; /* as the exception pushed it */
};

struct exception guest_try(void (*fn)(void *), void *arg);
/*
 * NMIs (vector 2) go to fn, on any CPU, which returns to the interrupted
 * code; without one an NMI is an unexpected exception like the others.
 */
void nmi_set_handler(void (*fn)(void));
int rdmsr_safe(uint32_t msr, uint64_t *val); /* the vector raised, or NO_EXCEPTION */
int wrmsr_safe(uint32_t msr, uint64_t val);
const char *exception_name(int vector);

/* QEMU's fw_cfg (ports 0x510/0x511), the subset the guest environment offers. */
bool fw_cfg_present(void);
uint16_t fw_cfg_cpu_count(void);
uint64_t fw_cfg_ram_size(void);

/* Instructions */
struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

#define MSR_IA32_TSC        0x00000010
#define MSR_IA32_APIC_BASE  0x0000001b
#define MSR_X2APIC_BASE     0x00000800
#define MSR_EFER            0xc0000080

#define APIC_BASE_BSP       (1UL << 8)
#define APIC_BASE_X2APIC    (1UL << 10)
#define APIC_BASE_ENABLE    (1UL << 11)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000UL

#define EFER_LME  (1UL << 8)
#define EFER_LMA  (1UL << 10)
#define EFER_SVME (1UL << 12)

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void apic_base_write(uint64_t val);

static inline void wrmsr_raw(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
}

/* IA32_APIC_BASE goes through apic_base_write(), which keeps apic_base() true */
static inline void wrmsr(uint32_t msr, uint64_t val)
{
	if (msr == MSR_IA32_APIC_BASE)
		apic_base_write(val);
	else
		wrmsr_raw(msr, val);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define CR4_OSXSAVE (1UL << 18)

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

/* XCR0 and its kin (XGETBV needs CR4.OSXSAVE, else #UD) */
static inline uint64_t xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return ((uint64_t)hi << 32) | lo;
}

/* XSETBV with RCX = rcx (only ECX counts): the vector raised, or NO_EXCEPTION */
int xsetbv_safe(uint64_t rcx, uint64_t val);

static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }

#define RFLAGS_IF (1UL << 9)

/* Interrupts off; irq_restore() turns them on again if they were on */
static inline uint64_t irq_save(void)
{
	uint64_t rflags;

	asm volatile("pushfq; pop %0; cli" : "=r"(rflags) :: "memory");
	return rflags;
}

static inline void irq_restore(uint64_t rflags)
{
	if (rflags & RFLAGS_IF)
		sti();
}
static inline void hlt(void) { asm volatile("hlt" ::: "memory"); }

/* The local APIC: xAPIC registers in MMIO at IA32_APIC_BASE, x2APIC ones as MSRs. */
#define APIC_ID           0x020
#define APIC_VERSION      0x030
#define APIC_TPR          0x080
#define APIC_PPR          0x0a0
#define APIC_EOI          0x0b0
#define APIC_LDR          0x0d0
#define APIC_DFR          0x0e0 /* xAPIC only */
#define APIC_SVR          0x0f0
#define APIC_ISR          0x100 /* eight registers, 0x10 apart, 32 vectors each */
#define APIC_IRR          0x200
#define APIC_ESR          0x280
#define APIC_ICR          0x300
#define APIC_ICR_HIGH     0x310 /* xAPIC only: x2APIC has one 64-bit ICR */
#define APIC_LVT_TIMER    0x320
#define APIC_LVT_THERMAL  0x330
#define APIC_LVT_PERF     0x340
#define APIC_LVT_LINT0    0x350
#define APIC_LVT_LINT1    0x360
#define APIC_LVT_ERROR    0x370
#define APIC_TIMER_INIT   0x380
#define APIC_TIMER_COUNT  0x390
#define APIC_TIMER_DIVIDE 0x3e0
#define APIC_SELF_IPI     0x3f0 /* x2APIC only */

#define APIC_SVR_ENABLE      (1U << 8)
#define APIC_SPURIOUS_VECTOR 0xff /* the vector apic_enable() puts in the SVR */

#define APIC_LVT_MASKED          (1U << 16)
#define APIC_LVT_TIMER_PERIODIC  (1U << 17)
#define APIC_LVT_TIMER_DEADLINE  (2U << 17)

/* ICR low: delivery mode, destination mode, status, level, shorthand */
#define APIC_DM_FIXED         (0U << 8)
#define APIC_DM_NMI           (4U << 8)
#define APIC_DM_INIT          (5U << 8)
#define APIC_DM_STARTUP       (6U << 8)
#define APIC_DEST_LOGICAL     (1U << 11)
#define APIC_ICR_BUSY         (1U << 12)
#define APIC_LEVEL_ASSERT     (1U << 14)
#define APIC_DEST_SELF        (1U << 18)
#define APIC_DEST_ALL         (2U << 18)
#define APIC_DEST_ALL_BUT_SELF (3U << 18)

#define CPUID_1_ECX_X2APIC       (1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)
#define MSR_IA32_TSC_DEADLINE    0x000006e0

/*
 * The calling CPU's IA32_APIC_BASE, read once and kept: only its writes
 * through wrmsr()/wrmsr_safe() and an INIT (ap_main()) change it, and each
 * of those forgets the kept value. The APIC's mode and address then cost
 * no RDMSR exit per register access.
 */
uint64_t apic_base(void);
void apic_base_forget(void);

static inline volatile uint32_t *xapic_reg(uint32_t reg)
{
	return (volatile uint32_t *)((apic_base() & APIC_BASE_ADDR_MASK) + reg);
}

static inline uint32_t xapic_read(uint32_t reg) { return *xapic_reg(reg); }
static inline void xapic_write(uint32_t reg, uint32_t v) { *xapic_reg(reg) = v; }

/* Intel SDM vol. 3, 11.12.1.2: x2APIC MSR = 0x800 + (xAPIC offset >> 4) */
static inline uint32_t x2apic_msr(uint32_t reg) { return MSR_X2APIC_BASE + (reg >> 4); }
static inline uint64_t x2apic_read(uint32_t reg) { return rdmsr(x2apic_msr(reg)); }
static inline void x2apic_write(uint32_t reg, uint64_t v) { wrmsr(x2apic_msr(reg), v); }

/*
 * The local APIC of the calling CPU in whichever mode it is in (the mode is per
 * CPU). apic_send_ipi() returns -1 if an xAPIC ICR stayed busy, else 0.
 */
bool apic_is_x2apic(void);
void apic_mode_xapic(void);
void apic_mode_x2apic(void);
uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t val);
void apic_enable(void);         /* software enable, spurious vector APIC_SPURIOUS_VECTOR */
uint32_t apic_id(void);
void apic_eoi(void);
int apic_send_ipi(uint32_t dest, uint32_t icr_low);
void apic_self_ipi(uint8_t vector);
bool apic_irr_pending(uint8_t vector);
bool apic_isr_in_service(uint8_t vector);

/*
 * Interrupts (vectors 32-255). fn runs with interrupts off on the CPU that took
 * the interrupt, and sends the EOI itself (apic_eoi()). An interrupt with no
 * handler ends the guest with code 3, except the spurious vector, which is
 * ignored (it takes no EOI, Intel SDM vol. 3, 11.9).
 */
void irq_set_handler(uint8_t vector, void (*fn)(uint8_t vector));

/* Time: the TSC's rate (CPUID 0x15/0x16, the hypervisor leaf 0x40000010, or the PIT). */
uint32_t tsc_khz(void);
/* The TSC value us microseconds from now (64-bit arithmetic: no overflow). */
uint64_t tsc_after_us(uint64_t us);
void udelay(uint64_t us);
/* Waits up to us microseconds for *flag (set by another CPU); its value then. */
bool wait_for_flag(const volatile bool *flag, uint64_t us);

/*
 * Application processors. smp_start_ap() wakes the CPU with APIC ID apic_id
 * with INIT/SIPI; it runs fn(cpu) in long mode on its own stack with the BSP's
 * page tables, GDT and IDT, then idles with interrupts on. 0 when it reported
 * in, -1 if it did not within 100 ms. It reports in before fn runs: a caller
 * that needs what fn sets up (its APIC enabled, its ID) waits for a flag fn
 * sets last (wait_for_flag()). CPU indices: 0 is the BSP, APs count up.
 */
#define GUEST_MAX_CPUS 8
#define SMP_READY_US   1000000 /* how long a start function may take to set its flag */

int smp_start_ap(uint32_t apic_id, void (*fn)(unsigned int cpu));
/*
 * Starts the AP of CPU index cpu (started before, since reset by an INIT or
 * stopped) again with INIT/SIPI on the same index and stack, to run fn.
 */
int smp_restart_ap(unsigned int cpu, uint32_t apic_id, void (*fn)(unsigned int cpu));
unsigned int this_cpu_index(void);

/*
 * Makes the started CPU with APIC ID apic_id run fn in its handler of
 * SMP_CALL_VECTOR (after the EOI, so fn may open interrupts) and waits, taking
 * interrupts meanwhile; false if fn did not return within timeout_us.
 */
#define SMP_CALL_VECTOR 0xf0
bool smp_call(uint32_t apic_id, void (*fn)(void), uint64_t timeout_us);

#endif
