/* Thin wrappers around x86 instructions and the architectural MSR numbers. */
#ifndef HV_LIB_X86_H
#define HV_LIB_X86_H

#include "lib/types.h"

enum msr {
	MSR_IA32_TSC              = 0x00000010,
	MSR_IA32_APIC_BASE        = 0x0000001b,
	MSR_IA32_FEATURE_CONTROL  = 0x0000003a,
	MSR_IA32_SPEC_CTRL        = 0x00000048,
	MSR_IA32_PAT              = 0x00000277,
	MSR_IA32_XSS              = 0x00000da0,
	MSR_IA32_VMX_BASIC        = 0x00000480,
	MSR_IA32_VMX_PINBASED     = 0x00000481,
	MSR_IA32_VMX_PROCBASED    = 0x00000482,
	MSR_IA32_VMX_PROCBASED2   = 0x0000048b,
	MSR_IA32_VMX_EPT_VPID_CAP = 0x0000048c,
	MSR_IA32_VMX_TRUE_PINBASED  = 0x0000048d,
	MSR_IA32_VMX_TRUE_PROCBASED = 0x0000048e,
	MSR_X2APIC_BASE           = 0x00000800,
	MSR_EFER                  = 0xc0000080,
	MSR_FS_BASE               = 0xc0000100,
	MSR_GS_BASE               = 0xc0000101,
	MSR_TSC_AUX               = 0xc0000103,
	MSR_AMD_VM_CR             = 0xc0010114,
};

/* IA32_PAT at power-up and reset: WB, WT, UC-, UC twice (SDM vol. 3, 12.12.4) */
#define PAT_RESET_VALUE 0x0007040600070406UL

/* EFER (SDM vol. 3, 2.2.1; APM vol. 2, 3.1.7) */
#define EFER_SCE      BIT(0)
#define EFER_LME      BIT(8)
#define EFER_LMA      BIT(10)
#define EFER_NXE      BIT(11)
#define EFER_SVME     BIT(12)
#define EFER_LMSLE    BIT(13)
#define EFER_FFXSR    BIT(14)
#define EFER_TCE      BIT(15)
#define EFER_MCOMMIT  BIT(17)
#define EFER_AUTOIBRS BIT(21)

/* CR0 (SDM vol. 3, 2.5; APM vol. 2, 3.1.1) */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)

/* CR4 (SDM vol. 3, 2.5; APM vol. 2, 3.1.3) */
#define CR4_VME        BIT(0)
#define CR4_PVI        BIT(1)
#define CR4_TSD        BIT(2)
#define CR4_DE         BIT(3)
#define CR4_PSE        BIT(4)
#define CR4_PAE        BIT(5)
#define CR4_MCE        BIT(6)
#define CR4_PGE        BIT(7)
#define CR4_PCE        BIT(8)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP       BIT(11)
#define CR4_LA57       BIT(12)
#define CR4_VMXE       BIT(13)
#define CR4_SMXE       BIT(14)
#define CR4_FSGSBASE   BIT(16)
#define CR4_PCIDE      BIT(17)
#define CR4_OSXSAVE    BIT(18)
#define CR4_KL         BIT(19)
#define CR4_SMEP       BIT(20)
#define CR4_SMAP       BIT(21)
#define CR4_PKE        BIT(22)
#define CR4_CET        BIT(23)
#define CR4_PKS        BIT(24)
#define CR4_UINTR      BIT(25)
#define CR4_LASS       BIT(27)
#define CR4_LAM_SUP    BIT(28)
#define CR4_FRED       BIT(32)

/* Exception vectors (SDM vol. 3, 6.3.1) */
enum x86_vector {
	VECTOR_DB = 1,
	VECTOR_NMI = 2,
	VECTOR_BP = 3,
	VECTOR_OF = 4,
	VECTOR_UD = 6,
	VECTOR_DF = 8,
	VECTOR_TS = 10,
	VECTOR_NP = 11,
	VECTOR_SS = 12,
	VECTOR_GP = 13,
	VECTOR_PF = 14,
	VECTOR_AC = 17,
	VECTOR_MC = 18,
};

#define RFLAGS_TF BIT(8)
#define RFLAGS_RF BIT(16)
#define DR6_BS    BIT(14) /* single step (SDM 18.2.3) */
#define DR6_B0_B3 0xfULL   /* which of DR0-DR3 matched */
#define DR6_BT    BIT(15) /* task switch to a TSS with T set */
#define DR6_BD    BIT(13) /* a MOV DR while DR7.GD was set */
#define DR7_GD    BIT(13) /* general detect: the next MOV DR raises #DB */

/*
 * Whether the exception is a fault, whose delivery pushes RFLAGS with RF set
 * (SDM vol. 3, 17.3.1.1): every exception but the traps #DB (as other
 * hypervisors class it: a data breakpoint's), #BP and #OF, and the aborts
 * #DF and #MC. An injected exception does not set RF by itself: the one who
 * injects it does.
 */
static inline bool x86_vector_is_fault(uint8_t vector)
{
	return vector < 32 && vector != VECTOR_DB && vector != VECTOR_BP && vector != VECTOR_OF &&
	       vector != VECTOR_DF && vector != VECTOR_MC && vector != VECTOR_NMI;
}

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

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
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

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR_ACCESSORS(n)                                              \
	static inline uint64_t read_cr##n(void)                             \
	{                                                                   \
		uint64_t v;                                                 \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));               \
		return v;                                                   \
	}                                                                   \
	static inline void write_cr##n(uint64_t v)                          \
	{                                                                   \
		asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory");        \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

/* DR0-DR3: a vCPU's breakpoint addresses live in its CPU's registers (nothing else uses them). */
#define DEFINE_DR_ACCESSORS(n)                                              \
	static inline uint64_t read_dr##n(void)                             \
	{                                                                   \
		uint64_t v;                                                 \
		asm volatile("mov %%db" #n ", %0" : "=r"(v));               \
		return v;                                                   \
	}                                                                   \
	static inline void write_dr##n(uint64_t v)                          \
	{                                                                   \
		asm volatile("mov %0, %%db" #n ::"r"(v));                   \
	}
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6) /* VMX: the guest's DR6 lives in the CPU too (SVM's in the VMCB) */
#undef DEFINE_DR_ACCESSORS

static inline void read_debug_addrs(uint64_t a[4])
{
	a[0] = read_dr0();
	a[1] = read_dr1();
	a[2] = read_dr2();
	a[3] = read_dr3();
}

static inline void write_debug_addrs(const uint64_t a[4])
{
	write_dr0(a[0]);
	write_dr1(a[1]);
	write_dr2(a[2]);
	write_dr3(a[3]);
}

static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
static inline void irq_disable(void) { asm volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { asm volatile("sti" ::: "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	asm volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline __noreturn void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

static inline void *phys_to_virt(paddr_t pa) { return (void *)(uintptr_t)pa; }
static inline paddr_t virt_to_phys(const void *va) { return (paddr_t)(uintptr_t)va; }

/* For fixed low addresses (the BIOS data area), which the compiler would flag. */
static inline uint16_t phys_read16(paddr_t pa)
{
	uint16_t v;

	asm volatile("movw (%1), %0" : "=r"(v) : "r"(pa) : "memory");
	return v;
}

#endif
