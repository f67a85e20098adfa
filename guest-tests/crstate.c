/*
 * CR0, CR4 and EFER writes checked as the CPU checks them (Intel SDM vol. 2,
 * MOV to/from Control Registers, LMSW, CLTS, WRMSR; vol. 3, 2.2.1 and 2.5;
 * AMD APM vol. 2, 3.1; vol. 3, MOV CRn), one check per rule:
 *
 * - each illegal write raises #GP and leaves the register as it was: a
 *   reserved bit; a bit of a feature the guest's CPUID does not offer
 *   (VMXE, SMXE, LA57, PKE, CET, PKS, ... in CR4; SVME, FFXSR, TCE, LMSLE
 *   in EFER); an illegal combination (CR0.PG without PE, NW without CD, PG
 *   cleared in 64-bit code, CR4.PAE cleared or LA57 changed in long mode,
 *   PCIDE set with CR3[11:0] not 0, EFER.LME changed with paging on);
 * - each legal write of an offered bit is taken: harmless bits flipped and
 *   restored, with MOV from several registers (REX.B), CLTS and LMSW from a
 *   register and from memory (RIP-relative, SIB), for the decoders of a
 *   backend without decode assists.
 *
 * Every check holds on a real CPU whose CPUID is the guest's. With
 * exit-counters=on on the module line the guest also says how many CR-access
 * exits the hypervisor took (SVM: each CR0/CR4 write; VMX: only those that
 * touch a bit the guest may not set, or CR0.NE).
 */
#include "lib/fmt.h"
#include "guest-tests/lib/guest.h"

#define CR0_PE BIT64(0)
#define CR0_MP BIT64(1)
#define CR0_EM BIT64(2)
#define CR0_TS BIT64(3)
#define CR0_ET BIT64(4)
#define CR0_WP BIT64(16)
#define CR0_NW BIT64(29)
#define CR0_CD BIT64(30)
#define CR0_PG BIT64(31)
#define CR4_PAE   BIT64(5)
#define CR4_PCE   BIT64(8)
#define CR4_LA57  BIT64(12)
#define CR4_PCIDE BIT64(17)
#define CR3_PWT   BIT64(3)
#define EFER_SCE   BIT64(0)
#define EFER_NXE   BIT64(11)
#define EFER_LMSLE BIT64(13)
#define EFER_FFXSR BIT64(14)
#define EFER_TCE   BIT64(15)
#define BIT64(n)   (1ULL << (n))
#define MSR_CR_ACCESS_EXITS 0x4d48000e /* exit-counters=on: EXIT_CR_ACCESS (14) of core/exit.h */

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }

/* ---- the writes, each in a guest_try() ---- */

static void do_mov_cr0(void *arg)
{
	asm volatile("mov %0, %%cr0" ::"r"(*(uint64_t *)arg) : "memory");
}

static void do_mov_cr4(void *arg)
{
	asm volatile("mov %0, %%cr4" ::"r"(*(uint64_t *)arg) : "memory");
}

/* MOV from R9 and R12: REX.B, and 12 the number whose low bits say RSP */
static void do_mov_cr0_r9(void *arg)
{
	register uint64_t r9 asm("r9") = *(uint64_t *)arg;

	asm volatile("mov %0, %%cr0" ::"r"(r9) : "memory");
}

static void do_mov_cr4_r12(void *arg)
{
	register uint64_t r12 asm("r12") = *(uint64_t *)arg;

	asm volatile("mov %0, %%cr4" ::"r"(r12) : "memory");
}

static void do_clts(void *arg)
{
	(void)arg;
	asm volatile("clts" ::: "memory");
}

static void do_lmsw_reg(void *arg)
{
	asm volatile("lmsw %w0" ::"r"((uint16_t)*(uint64_t *)arg) : "memory");
}

uint16_t lmsw_word;

static void do_lmsw_rip(void *arg)
{
	lmsw_word = (uint16_t)*(uint64_t *)arg;
	asm volatile("lmsw lmsw_word(%%rip)" ::: "memory");
}

/* lmsw 6(base, index, 2): base + 2 * 1 + 6, the words' fifth */
static void do_lmsw_sib(void *arg)
{
	volatile uint16_t words[8] = { 0 };
	uint64_t index = 1;

	words[4] = (uint16_t)*(uint64_t *)arg;
	asm volatile("lmsw 6(%0,%1,2)" ::"r"(words), "r"(index) : "memory");
}

static int try_write(void (*fn)(void *), uint64_t val)
{
	return guest_try(fn, &val).vector;
}

static void check_refused(const char *name, void (*fn)(void *), uint64_t (*read)(void),
			  uint64_t val, const char *rule)
{
	uint64_t before = read();
	int v = try_write(fn, val);
	uint64_t after = read();

	check(name, v == X86_GP && after == before,
	      "writing 0x%lx (%s) raised %s; 0x%lx before, 0x%lx after", val, rule,
	      exception_name(v), before, after);
}

/* val is taken (reads back as want), then restore writes the register back as it was */
static void check_taken(const char *name, void (*fn)(void *), void (*restore)(void *),
			uint64_t (*read)(void), uint64_t val, uint64_t want)
{
	uint64_t before = read();
	int v = try_write(fn, val);
	uint64_t got = read();
	int back = try_write(restore, before);

	check(name, v == NO_EXCEPTION && got == want && back == NO_EXCEPTION && read() == before,
	      "writing 0x%lx raised %s and read 0x%lx (want 0x%lx); restoring 0x%lx raised %s",
	      val, exception_name(v), got, want, before, exception_name(back));
}

/* ---- CR4 ---- */

enum cpuid_reg { EAX, EBX, ECX, EDX };

/* How a CR4 bit is checked when the guest is offered its feature */
enum when_offered {
	FLIP,       /* harmless: set or cleared, then restored */
	DONT_FLIP,  /* it would take the guest's code or events away (LASS, FRED, CET) */
	ALWAYS_GP,  /* LA57 cannot change in long mode, offered or not */
};

struct cr4_feature {
	const char *name;
	unsigned int bit;
	uint32_t leaf, subleaf;
	enum cpuid_reg reg;
	unsigned int cpuid_bit;
	enum when_offered offered;
};

static const struct cr4_feature cr4_features[] = {
	{ "vme", 0, 1, 0, EDX, 1, FLIP },
	{ "pvi", 1, 1, 0, EDX, 1, FLIP },
	{ "tsd", 2, 1, 0, EDX, 4, FLIP },
	{ "de", 3, 1, 0, EDX, 2, FLIP },
	{ "mce", 6, 1, 0, EDX, 7, FLIP },
	{ "pge", 7, 1, 0, EDX, 13, FLIP },
	{ "osxmmexcpt", 10, 1, 0, EDX, 25, FLIP },
	{ "umip", 11, 7, 0, ECX, 2, FLIP },
	{ "la57", 12, 7, 0, ECX, 16, ALWAYS_GP },
	{ "vmxe", 13, 1, 0, ECX, 5, FLIP },
	{ "smxe", 14, 1, 0, ECX, 6, FLIP },
	{ "fsgsbase", 16, 7, 0, EBX, 0, FLIP },
	{ "pcide", 17, 1, 0, ECX, 17, FLIP },
	{ "kl", 19, 7, 0, ECX, 23, FLIP },
	{ "smep", 20, 7, 0, EBX, 7, FLIP },
	{ "smap", 21, 7, 0, EBX, 20, FLIP },
	{ "pke", 22, 7, 0, ECX, 3, FLIP },
	{ "cet", 23, 7, 0, ECX, 7, DONT_FLIP },
	{ "pks", 24, 7, 0, ECX, 31, FLIP },
	{ "uintr", 25, 7, 0, EDX, 5, FLIP },
	{ "lass", 27, 7, 1, EAX, 6, DONT_FLIP },
	{ "lam-sup", 28, 7, 1, EAX, 26, FLIP },
	{ "fred", 32, 7, 1, EAX, 17, DONT_FLIP },
};

static uint32_t cpuid_reg(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg)
{
	struct cpuid_regs r;

	if (leaf < 0x80000000 ? cpuid(0, 0).eax < leaf : cpuid(0x80000000, 0).eax < leaf)
		return 0;
	if (leaf == 7 && subleaf > cpuid(7, 0).eax)
		return 0;
	r = cpuid(leaf, subleaf);
	return reg == EAX ? r.eax : reg == EBX ? r.ebx : reg == ECX ? r.ecx : r.edx;
}

static bool cpuid_has(uint32_t leaf, uint32_t subleaf, enum cpuid_reg reg, unsigned int bit)
{
	return cpuid_reg(leaf, subleaf, reg) & (1U << bit);
}

/* CET is announced by either of its halves: shadow stacks or indirect-branch tracking */
static bool feature_offered(const struct cr4_feature *f)
{
	if (f->bit == 23 && cpuid_has(7, 0, EDX, 20))
		return true;
	return cpuid_has(f->leaf, f->subleaf, f->reg, f->cpuid_bit);
}

static void check_cr4_feature(const struct cr4_feature *f)
{
	uint64_t cr4 = read_cr4(), bit = BIT64(f->bit);
	bool offered = feature_offered(f);
	char name[48], why[64];

	fmt_snprintf(name, sizeof(name), "cr4-%s-%s", f->name, offered ? "offered" : "not-offered");
	if (!offered || f->offered == ALWAYS_GP) {
		fmt_snprintf(why, sizeof(why), "CR4 bit %u, %s", f->bit,
			 offered ? "changed in long mode" : "its feature not offered");
		check_refused(name, do_mov_cr4, read_cr4, cr4 ^ bit, why);
	} else if (f->offered == DONT_FLIP) {
		skip(name, "offered, and setting it would take this guest's code or events away");
	} else {
		check_taken(name, do_mov_cr4, do_mov_cr4, read_cr4, cr4 ^ bit, cr4 ^ bit);
	}
}

/* PCIDE from 0 to 1 needs CR3[11:0] = 0 (PWT here); without PCID the bit is refused anyway. */
static void check_pcide_with_pcid_bits(void)
{
	uint64_t cr3 = read_cr3(), cr4 = read_cr4();

	if (!cpuid_has(1, 0, ECX, 17) || (cr4 & CR4_PCIDE)) {
		skip("cr4-pcide-with-cr3-low-bits", "PCID not offered (cr4-pcide-not-offered) or on");
		return;
	}
	write_cr3(cr3 | CR3_PWT);
	check_refused("cr4-pcide-with-cr3-low-bits", do_mov_cr4, read_cr4, cr4 | CR4_PCIDE,
		      "PCIDE set with CR3[11:0] = 0x8");
	write_cr3(cr3);
}

static void check_cr4(void)
{
	uint64_t cr4 = read_cr4();

	check_refused("cr4-all-ones", do_mov_cr4, read_cr4, 0xffffffffULL, "bits 31:0 all set");
	check_refused("cr4-reserved-bit-15", do_mov_cr4, read_cr4, cr4 | BIT64(15), "reserved");
	check_refused("cr4-reserved-bit-63", do_mov_cr4, read_cr4, cr4 | BIT64(63), "reserved");
	for (unsigned int i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++)
		check_cr4_feature(&cr4_features[i]);
	check_refused("cr4-pae-clear-in-long-mode", do_mov_cr4, read_cr4, cr4 & ~CR4_PAE,
		      "PAE cleared with EFER.LMA set");
	check_pcide_with_pcid_bits();
	check_taken("cr4-pce-taken", do_mov_cr4, do_mov_cr4, read_cr4, cr4 ^ CR4_PCE, cr4 ^ CR4_PCE);
	check_taken("cr4-pce-from-r12-taken", do_mov_cr4_r12, do_mov_cr4, read_cr4,
		    cr4 ^ CR4_PCE, cr4 ^ CR4_PCE);
}

/* ---- CR0 ---- */

static void check_cr0_refused(void)
{
	uint64_t cr0 = read_cr0();

	check_refused("cr0-bit-32", do_mov_cr0, read_cr0, cr0 | BIT64(32), "bits 63:32 reserved");
	check_refused("cr0-bit-63", do_mov_cr0, read_cr0, cr0 | BIT64(63), "bits 63:32 reserved");
	check_refused("cr0-pg-without-pe", do_mov_cr0, read_cr0, cr0 & ~CR0_PE, "PG set, PE clear");
	check_refused("cr0-nw-without-cd", do_mov_cr0, read_cr0, (cr0 | CR0_NW) & ~CR0_CD,
		      "NW set, CD clear");
	check_refused("cr0-pg-clear-in-64-bit-code", do_mov_cr0, read_cr0, cr0 & ~CR0_PG,
		      "PG cleared in 64-bit mode");
}

static void check_cr0_taken(void)
{
	uint64_t cr0 = read_cr0() & ~(CR0_TS | CR0_MP);
	int v;

	check_taken("cr0-ts-taken", do_mov_cr0, do_mov_cr0, read_cr0, cr0 | CR0_TS, cr0 | CR0_TS);
	check_taken("cr0-mp-from-r9-taken", do_mov_cr0_r9, do_mov_cr0, read_cr0, cr0 | CR0_MP,
		    cr0 | CR0_MP);
	check_taken("cr0-wp-flip-taken", do_mov_cr0, do_mov_cr0, read_cr0, cr0 ^ CR0_WP, cr0 ^ CR0_WP);
	check_taken("cr0-cd-nw-taken", do_mov_cr0, do_mov_cr0, read_cr0, cr0 | CR0_CD | CR0_NW,
		    cr0 | CR0_CD | CR0_NW);
	check_taken("cr0-et-reads-one", do_mov_cr0, do_mov_cr0, read_cr0, cr0 & ~CR0_ET, cr0 | CR0_ET);
	try_write(do_mov_cr0, cr0 | CR0_TS);
	v = try_write(do_clts, 0);
	check("clts-taken", v == NO_EXCEPTION && !(read_cr0() & CR0_TS),
	      "CLTS raised %s; CR0 0x%lx", exception_name(v), read_cr0());
}

/* LMSW loads PE, MP, EM and TS, and cannot clear PE (SDM vol. 2, LMSW). */
static void check_lmsw(void)
{
	uint64_t cr0 = read_cr0() & ~(CR0_TS | CR0_MP);

	try_write(do_mov_cr0, cr0);
	check_taken("lmsw-register-sets-ts", do_lmsw_reg, do_mov_cr0, read_cr0, CR0_PE | CR0_TS,
		    cr0 | CR0_TS);
	check_taken("lmsw-keeps-pe", do_lmsw_reg, do_mov_cr0, read_cr0, CR0_MP, cr0 | CR0_MP);
	check_taken("lmsw-rip-relative-sets-ts", do_lmsw_rip, do_mov_cr0, read_cr0, CR0_PE | CR0_TS,
		    cr0 | CR0_TS);
	check_taken("lmsw-sib-sets-mp", do_lmsw_sib, do_mov_cr0, read_cr0, CR0_PE | CR0_MP, cr0 | CR0_MP);
}

/* ---- EFER ---- */

static uint64_t read_efer(void) { return rdmsr(MSR_EFER); }

static void do_wrmsr_efer(void *arg) { wrmsr(MSR_EFER, *(uint64_t *)arg); }

static void check_efer_bit(const char *name, uint64_t bit, bool offered, const char *feature)
{
	uint64_t efer = read_efer();
	char why[64];

	if (offered) {
		check_taken(name, do_wrmsr_efer, do_wrmsr_efer, read_efer, efer ^ bit, efer ^ bit);
		return;
	}
	fmt_snprintf(why, sizeof(why), "%s not offered", feature);
	check_refused(name, do_wrmsr_efer, read_efer, efer | bit, why);
}

static void check_efer(void)
{
	uint64_t efer = read_efer();

	check_refused("efer-reserved-bit-1", do_wrmsr_efer, read_efer, efer | BIT64(1), "reserved");
	check_refused("efer-reserved-bit-63", do_wrmsr_efer, read_efer, efer | BIT64(63),
		      "reserved");
	check_refused("efer-lme-clear-with-paging", do_wrmsr_efer, read_efer, efer & ~EFER_LME,
		      "LME changed with CR0.PG set");
	check_refused("efer-lmsle", do_wrmsr_efer, read_efer, efer | EFER_LMSLE,
		      "long-mode segment limits: never offered");
	check_efer_bit("efer-svme", EFER_SVME, cpuid_has(0x80000001, 0, ECX, 2), "SVM");
	check_efer_bit("efer-ffxsr", EFER_FFXSR, cpuid_has(0x80000001, 0, EDX, 25), "FFXSR");
	check_efer_bit("efer-tce", EFER_TCE, cpuid_has(0x80000001, 0, ECX, 17), "TCE");
	check_efer_bit("efer-nxe", EFER_NXE, cpuid_has(0x80000001, 0, EDX, 20), "NX");
	check_efer_bit("efer-sce", EFER_SCE, true, "SYSCALL");
}

void test_main(const char *cmdline)
{
	uint64_t exits;

	(void)cmdline;
	check_cr4();
	check_cr0_refused();
	check_cr0_taken();
	check_lmsw();
	check_efer();
	if (rdmsr_safe(MSR_CR_ACCESS_EXITS, &exits) == NO_EXCEPTION)
		guest_printf("INFO cr-access exits: %lu\n", exits);
}
