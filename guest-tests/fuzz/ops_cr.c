/*
 * Architectural state: MOV to CR0 and CR4, WRMSR to EFER, MOV to DR6 and DR7
 * (and DR4/DR5, their aliases) of random values, on either vCPU. Each write
 * is read back and the register restored at once; the vector it raised is
 * checked against an oracle written from the manuals (Intel SDM vol. 2B,
 * MOV to/from control and debug registers; vol. 3A, 2.5, 4.1.1, 4.10.1, 10.8.5;
 * vol. 3B, 17.2; vol. 4, table 2-2; AMD APM vol. 2, 3.1.1, 3.1.3, 3.1.7, 13.1.1
 * and 14.6) and the guest's own CPUID, not from the hypervisor's code.
 * After #GP or #UD the register is unchanged; after success it reads back
 * what was written (the bits the manuals define the reading of); after the
 * restore every register the operation touched holds what it held before.
 *
 * The guest must survive every value the oracle accepts: it runs 64-bit code
 * at CPL 0 on supervisor pages (guest-tests/lib/entry.S), compiled with
 * -mgeneral-regs-only, and nothing runs between the write and the restore
 * but the MOVs (interrupts off; an NMI handler uses no x87/SSE state). So
 * CR0.PG is never cleared, CR4.FRED and CR4.LASS are never set (accepted,
 * they would change exception delivery and forbid the guest's own low
 * addresses), CR4.PKS and CR4.CET only while IA32_PKRS and IA32_S_CET are 0,
 * DR7.GD never, and the breakpoints DR7 enables point at a buffer no code
 * touches. A value that breaks a rule the architecture gives #GP for is
 * generated on purpose: accepted, it may end the guest, which is a finding.
 * skip=RULE on the command line (RULE as in rule_names[]) keeps the values
 * breaking that rule out, to see the next rule past one that ends the guest;
 * cr-trace prints each write before it is made.
 *
 * Not covered: CR0's reserved bits 6-15, 17 and 19-28 (never set: what a 1
 * there does is not defined as #GP; QEMU keeps it, Bochs drops it), clearing
 * CR0.PG (legal only outside 64-bit code), EFER.LMA (read-only: always
 * written as it is) and the AMD EFER bits whose enumeration is not encoded
 * here (LMSLE, MCOMMIT, INTWB, UAIE, AIBRSE: kept as they are), DR6 bits 11,
 * 12 and 16 and DR7 bits 11, 12, 14 and 15 on reading, CR3 and CR8 values,
 * DR0-DR3, DR7.GD, what the bits do once set (paging, breakpoints firing).
 * A rule tied to a feature CPUID does not offer (LA57's, CET's, PCIDE's
 * where PCID is hidden) is only exercised together with cr4-absent.
 */
#include "lib/fmt.h"
#include "guest-tests/fuzz/fuzz.h"

/* CR0 (SDM vol. 3A, 2.5; APM vol. 2, 3.1.1) */
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
#define CR0_HIGH 0xffffffff00000000ULL
/* The bits generated, PG aside (kept set) */
#define CR0_FLIPPABLE (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
		       CR0_NW | CR0_CD)

/* CR4 (SDM vol. 3A, 2.5; APM vol. 2, 3.1.3) */
#define CR4_DE     BIT(3)
#define CR4_PAE    BIT(5)
#define CR4_LA57   BIT(12)
#define CR4_PCIDE  BIT(17)
#define CR4_CET    BIT(23)
#define CR4_PKS    BIT(24)
#define CR4_LASS   BIT(27)
#define CR4_FRED   BIT(32)

/* EFER (SDM vol. 4, table 2-2; APM vol. 2, 3.1.7) */
#define EFER_SCE     BIT(0)
#define EFER_NXE     BIT(11)
#define EFER_LMSLE   BIT(13)
#define EFER_FFXSR   BIT(14)
#define EFER_TCE     BIT(15)
#define EFER_INTEL   (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define EFER_AMD_UNKNOWN (EFER_LMSLE | BIT(17) | BIT(18) | BIT(20) | BIT(21))
#define EFER_AMD     (EFER_INTEL | EFER_SVME | EFER_FFXSR | EFER_TCE | EFER_AMD_UNKNOWN)

/* DR6 and DR7 (SDM vol. 3B, 17.2.3, 17.2.4; APM vol. 2, 13.1.1.5, 13.1.1.6) */
#define DR_HIGH      0xffffffff00000000ULL
#define DR7_GD       BIT(13)
#define DR7_FIXED1   BIT(10)                 /* reads as 1 */
#define DR7_CHECKED  0xffff23ffULL           /* 0-9, 13, 16-31: read as written */
#define DR6_WRITABLE 0xe00fULL               /* B0-B3, BD, BS, BT: read as written */
#define DR6_FIXED1   0xfffe07f0ULL           /* 4-10, 17-31: read as 1 */

#define MSR_IA32_S_CET 0x6a2
#define MSR_IA32_PKRS  0x6e1

enum rule {
	R_CR4_RESERVED = 1 << 0,  /* a bit neither manual defines */
	R_CR4_ABSENT = 1 << 1,    /* a defined bit whose feature CPUID does not offer */
	R_CR4_ABSENT_1EDX = 1 << 2, /* the same for VME, PVI, TSD, DE, PSE, PAE, MCE, PGE */
	R_CR4_PAE = 1 << 3,       /* PAE cleared in IA-32e mode */
	R_CR4_LA57 = 1 << 4,      /* LA57 changed in IA-32e mode */
	R_CR4_PCIDE = 1 << 5,     /* PCIDE 0 -> 1 with CR3[11:0] != 0 */
	R_CR4_CET_WP = 1 << 6,    /* CET set with CR0.WP clear */
	R_CR0_HIGH = 1 << 7,      /* a bit of 63:32 */
	R_CR0_PG_PE = 1 << 8,     /* PG without PE */
	R_CR0_NW_CD = 1 << 9,     /* NW without CD */
	R_CR0_WP_CET = 1 << 10,   /* WP cleared with CR4.CET set */
	R_EFER_RESERVED = 1 << 11,
	R_EFER_ABSENT = 1 << 12,
	R_EFER_LME = 1 << 13,     /* LME changed with CR0.PG set */
	R_DR_HIGH = 1 << 14,      /* DR6/DR7 bits 63:32 */
	R_DR_DE = 1 << 15,        /* DR4/DR5 with CR4.DE set: #UD */
	NR_RULES = 16,
};

/* For skip=, the reports and the mismatch lines, in the order of the bits above */
static const char *const rule_names[NR_RULES] = {
	"cr4-reserved", "cr4-absent", "cr4-absent-1edx", "cr4-pae", "cr4-la57", "cr4-pcide",
	"cr4-cet-wp", "cr0-high", "cr0-pg-pe", "cr0-nw-cd", "cr0-wp-cet",
	"efer-reserved", "efer-absent", "efer-lme", "dr-high", "dr-de",
};

enum target { T_CR0, T_CR4, T_EFER, T_DR };

/* What CPUID offers, read once (both vCPUs see the same) */
static struct {
	bool done;
	uint64_t cr4_defined, cr4_offered, cr4_unsafe;
	uint64_t efer_defined, efer_offered, efer_unknown;
	bool cet; /* CR4.CET offered and safe to set (IA32_S_CET 0) */
} f;

static uint32_t skipped;                /* rules whose values are not generated */
static bool trace_writes;               /* cr-trace: a line before each write */
static unsigned long broken[NR_RULES];  /* writes that broke each rule */
static unsigned long wrong[NR_RULES + 1]; /* of those, the mismatched; [NR_RULES]: no rule */
static unsigned long accepted[4], refused[4];

/* One operation, shared with the vCPU that runs it */
static struct {
	enum target t;
	unsigned int vp;
	/* the vCPU's state before */
	uint64_t cr0, cr3, cr4, efer, dr6, dr7;
	/* the choice */
	uint64_t value;
	unsigned int dr;    /* 4-7 */
	uint64_t cr3_low;   /* ORed into CR3 before a CR4 write (0: none) */
	bool wp_off;        /* CR0.WP cleared before a CR4 write */
	bool cet_on;        /* CR4.CET set before a CR0 write */
	bool de;            /* CR4.DE during a DR write */
	uint32_t rules;
	/* what happened */
	int setup_vector, vector, restore_vector;
	uint64_t mid;       /* the register right after the write */
	uint64_t end_cr0, end_cr3, end_cr4, end_efer, end_dr6, end_dr7;
} s;

static char dr_target[64] __attribute__((aligned(64))); /* what DR0-DR3 point at: untouched */

/* ---- the instructions ---- */

#define REG_CR(n) (n)
#define REG_DR(n) (16 + (n))

struct mov {
	unsigned int reg;
	uint64_t val;
};

static void do_mov(void *arg)
{
	const struct mov *m = arg;

	switch (m->reg) {
	case REG_CR(0): asm volatile("mov %0, %%cr0" ::"r"(m->val) : "memory"); break;
	case REG_CR(3): asm volatile("mov %0, %%cr3" ::"r"(m->val) : "memory"); break;
	case REG_CR(4): asm volatile("mov %0, %%cr4" ::"r"(m->val) : "memory"); break;
	case REG_DR(0): asm volatile("mov %0, %%db0" ::"r"(m->val) : "memory"); break;
	case REG_DR(1): asm volatile("mov %0, %%db1" ::"r"(m->val) : "memory"); break;
	case REG_DR(2): asm volatile("mov %0, %%db2" ::"r"(m->val) : "memory"); break;
	case REG_DR(3): asm volatile("mov %0, %%db3" ::"r"(m->val) : "memory"); break;
	case REG_DR(4): asm volatile("mov %0, %%db4" ::"r"(m->val) : "memory"); break;
	case REG_DR(5): asm volatile("mov %0, %%db5" ::"r"(m->val) : "memory"); break;
	case REG_DR(6): asm volatile("mov %0, %%db6" ::"r"(m->val) : "memory"); break;
	case REG_DR(7): asm volatile("mov %0, %%db7" ::"r"(m->val) : "memory"); break;
	}
}

/* MOV to the register: the vector raised, or NO_EXCEPTION */
static int mov_safe(unsigned int reg, uint64_t val)
{
	struct mov m = { .reg = reg, .val = val };

	return guest_try(do_mov, &m).vector;
}

static uint64_t get_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t get_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint64_t get_dr(unsigned int n)
{
	uint64_t v = 0;

	if (n == 0) asm volatile("mov %%db0, %0" : "=r"(v));
	else if (n == 1) asm volatile("mov %%db1, %0" : "=r"(v));
	else if (n == 2) asm volatile("mov %%db2, %0" : "=r"(v));
	else if (n == 3) asm volatile("mov %%db3, %0" : "=r"(v));
	else if (n == 6) asm volatile("mov %%db6, %0" : "=r"(v));
	else if (n == 7) asm volatile("mov %%db7, %0" : "=r"(v));
	return v;
}

/* ---- what CPUID offers ---- */

enum src { ALWAYS, L1_ECX, L1_EDX, L7_EBX, L7_ECX, L7_EDX, L71_EAX };

/*
 * The CR4 bits the SDM (vol. 3A, 2.5) and the APM (vol. 2, 3.1.3) define and
 * the CPUID flag of each: a defined bit is reserved, #GP on MOV to CR4
 * (SDM vol. 2B, MOV CR: "any reserved bit in CR4"), where the processor
 * does not support its feature. PCE, OSFXSR and OSXMMEXCPT have no flag of
 * their own here (always taken as offered); PVI goes with VME.
 */
static const struct {
	uint8_t bit, src, flag;
} cr4_bits[] = {
	{ 0, L1_EDX, 1 },     /* VME */
	{ 1, L1_EDX, 1 },     /* PVI */
	{ 2, L1_EDX, 4 },     /* TSD (TSC) */
	{ 3, L1_EDX, 2 },     /* DE */
	{ 4, L1_EDX, 3 },     /* PSE */
	{ 5, L1_EDX, 6 },     /* PAE */
	{ 6, L1_EDX, 7 },     /* MCE */
	{ 7, L1_EDX, 13 },    /* PGE */
	{ 8, ALWAYS, 0 },     /* PCE */
	{ 9, ALWAYS, 0 },     /* OSFXSR */
	{ 10, ALWAYS, 0 },    /* OSXMMEXCPT */
	{ 11, L7_ECX, 2 },    /* UMIP */
	{ 12, L7_ECX, 16 },   /* LA57 */
	{ 13, L1_ECX, 5 },    /* VMXE */
	{ 14, L1_ECX, 6 },    /* SMXE */
	{ 16, L7_EBX, 0 },    /* FSGSBASE */
	{ 17, L1_ECX, 17 },   /* PCIDE */
	{ 18, L1_ECX, 26 },   /* OSXSAVE */
	{ 19, L7_ECX, 23 },   /* KL */
	{ 20, L7_EBX, 7 },    /* SMEP */
	{ 21, L7_EBX, 20 },   /* SMAP */
	{ 22, L7_ECX, 3 },    /* PKE */
	{ 23, L7_ECX, 7 },    /* CET: CET_SS, or CET_IBT (7.0:EDX[20]) below */
	{ 24, L7_ECX, 31 },   /* PKS */
	{ 25, L7_EDX, 5 },    /* UINTR */
	{ 27, L71_EAX, 6 },   /* LASS */
	{ 28, L71_EAX, 26 },  /* LAM_SUP */
	{ 32, L71_EAX, 17 },  /* FRED */
};

static bool msr_zero(uint32_t msr)
{
	uint64_t v = 0;

	return rdmsr_safe(msr, &v) != NO_EXCEPTION || v == 0;
}

static void features(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), l7 = { 0 }, l71 = { 0 }, e1 = { 0 };
	uint32_t word[7];

	if (cpuid(0, 0).eax >= 7) {
		l7 = cpuid(7, 0);
		if (l7.eax >= 1)
			l71 = cpuid(7, 1);
	}
	word[ALWAYS] = ~0U;
	word[L1_ECX] = l1.ecx;
	word[L1_EDX] = l1.edx;
	word[L7_EBX] = l7.ebx;
	word[L7_ECX] = l7.ecx;
	word[L7_EDX] = l7.edx;
	word[L71_EAX] = l71.eax;
	for (unsigned int i = 0; i < sizeof(cr4_bits) / sizeof(cr4_bits[0]); i++) {
		f.cr4_defined |= BIT(cr4_bits[i].bit);
		if (word[cr4_bits[i].src] & (1U << cr4_bits[i].flag))
			f.cr4_offered |= BIT(cr4_bits[i].bit);
	}
	if (l7.edx & BIT(20)) /* CET_IBT */
		f.cr4_offered |= CR4_CET;
	/* Offered but fatal to this guest once set, or fatal while their MSR is not 0 */
	f.cr4_unsafe = f.cr4_offered & (CR4_FRED | CR4_LASS);
	if (!msr_zero(MSR_IA32_PKRS))
		f.cr4_unsafe |= f.cr4_offered & CR4_PKS;
	if (!msr_zero(MSR_IA32_S_CET))
		f.cr4_unsafe |= f.cr4_offered & CR4_CET;
	f.cet = (f.cr4_offered & ~f.cr4_unsafe & CR4_CET) != 0;

	/* EFER: SDM vol. 4, table 2-2 (Intel); APM vol. 2, 3.1.7 (AMD) */
	if (cpuid(0x80000000, 0).eax >= 0x80000001)
		e1 = cpuid(0x80000001, 0);
	f.efer_defined = fz.intel ? EFER_INTEL : EFER_AMD;
	f.efer_unknown = fz.intel ? 0 : EFER_AMD_UNKNOWN;
	f.efer_offered = EFER_LMA | f.efer_unknown;
	if (e1.edx & BIT(11)) f.efer_offered |= EFER_SCE;   /* SYSCALL */
	if (e1.edx & BIT(29)) f.efer_offered |= EFER_LME;   /* LM */
	if (e1.edx & BIT(20)) f.efer_offered |= EFER_NXE;   /* NX */
	if (e1.ecx & BIT(2))  f.efer_offered |= EFER_SVME;  /* SVM */
	if (e1.edx & BIT(25)) f.efer_offered |= EFER_FFXSR; /* FFXSR */
	if (e1.ecx & BIT(17)) f.efer_offered |= EFER_TCE;   /* TCE */
	f.efer_offered &= f.efer_defined;
	f.done = true;
	guest_printf("fuzz: cr: CR4 defined 0x%lx offered 0x%lx unsafe 0x%lx, EFER defined 0x%lx "
		     "offered 0x%lx, skipped 0x%x\n", f.cr4_defined, f.cr4_offered, f.cr4_unsafe,
		     f.efer_defined, f.efer_offered, skipped);
}

void cr_options(const char *cmdline)
{
	char word[32];

	for (unsigned int i = 0; i < NR_RULES; i++) {
		fmt_snprintf(word, sizeof(word), "skip=%s", rule_names[i]);
		if (cmdline_has(cmdline, word))
			skipped |= 1U << i;
	}
	trace_writes = cmdline_has(cmdline, "cr-trace");
}

/* ---- the oracle ---- */

static uint32_t cr4_rules(uint64_t v)
{
	uint64_t cr0 = s.wp_off ? s.cr0 & ~CR0_WP : s.cr0;
	uint64_t cr3 = s.cr3 | s.cr3_low;
	bool lma = s.efer & EFER_LMA;
	uint32_t r = 0;

	/* SDM vol. 3A, 2.5 and vol. 2B, MOV CR: a reserved bit of CR4 (63:33, 31:29, 26, 15;
	 * APM vol. 2, 3.1.3: reserved bits MBZ) */
	if (v & ~f.cr4_defined)
		r |= R_CR4_RESERVED;
	/* The same: a feature's bit is reserved where CPUID does not offer the feature; the
	 * features of CPUID.1:EDX (bits 0-7), which every 64-bit processor has, apart */
	if (v & f.cr4_defined & ~f.cr4_offered & ~0xffULL)
		r |= R_CR4_ABSENT;
	if (v & f.cr4_defined & ~f.cr4_offered & 0xffULL)
		r |= R_CR4_ABSENT_1EDX;
	/* SDM vol. 2B, MOV CR (64-bit mode: leaving IA-32e mode by clearing CR4.PAE);
	 * vol. 3A, 10.8.5; APM vol. 2, 14.6 */
	if (lma && !(v & CR4_PAE))
		r |= R_CR4_PAE;
	/* SDM vol. 3A, 4.1.1: CR4.LA57 cannot be changed in IA-32e mode */
	if (lma && ((v ^ s.cr4) & CR4_LA57))
		r |= R_CR4_LA57;
	/* SDM vol. 2B, MOV CR; vol. 3A, 4.10.1: PCIDE 0 -> 1 needs CR3[11:0] = 0 */
	if (!(s.cr4 & CR4_PCIDE) && (v & CR4_PCIDE) && (cr3 & 0xfff))
		r |= R_CR4_PCIDE;
	/* SDM vol. 3A, 2.5 (CR4.CET: "cannot be set unless CR0.WP is set"); vol. 2B, MOV CR */
	if ((v & CR4_CET) && !(cr0 & CR0_WP))
		r |= R_CR4_CET_WP;
	return r;
}

static uint32_t cr0_rules(uint64_t v)
{
	uint64_t cr4 = s.cet_on ? s.cr4 | CR4_CET : s.cr4;
	uint32_t r = 0;

	/* SDM vol. 3A, 2.5: writing a 1 to CR0[63:32] is #GP(0); APM vol. 2, 3.1.1 (MBZ) */
	if (v & CR0_HIGH)
		r |= R_CR0_HIGH;
	/* SDM vol. 2B, MOV CR (PG set with PE clear); APM vol. 2, 3.1.1 (PG) */
	if ((v & CR0_PG) && !(v & CR0_PE))
		r |= R_CR0_PG_PE;
	/* SDM vol. 2B, MOV CR (NW set with CD clear); APM vol. 2, 3.1.1 (NW) */
	if ((v & CR0_NW) && !(v & CR0_CD))
		r |= R_CR0_NW_CD;
	/* SDM vol. 3A, 2.5 (CR0.WP cannot be cleared while CR4.CET is set); vol. 2B, MOV CR */
	if (!(v & CR0_WP) && (cr4 & CR4_CET))
		r |= R_CR0_WP_CET;
	return r;
}

static uint32_t efer_rules(uint64_t v)
{
	uint32_t r = 0;

	/* SDM vol. 4, table 2-2 and vol. 2B, WRMSR (reserved bits #GP); APM vol. 2, 3.1.7 (MBZ) */
	if (v & ~f.efer_defined)
		r |= R_EFER_RESERVED;
	/* The same for a defined bit whose CPUID flag is clear (NXE: 80000001H:EDX[20],
	 * SVME: 80000001H:ECX[2], FFXSR: EDX[25], TCE: ECX[17], SCE: EDX[11]) */
	if (v & f.efer_defined & ~f.efer_offered)
		r |= R_EFER_ABSENT;
	/* SDM vol. 3A, 10.8.5 (LME cannot change while paging is on); APM vol. 2, 14.6 */
	if (((v ^ s.efer) & EFER_LME) && (s.cr0 & CR0_PG))
		r |= R_EFER_LME;
	return r;
}

static uint32_t dr_rules(uint64_t v)
{
	/* SDM vol. 3B, 17.2.2; vol. 2B, MOV DR: DR4/DR5 with CR4.DE set #UD
	 * (APM vol. 2, 13.1.1.3) */
	if ((s.dr == 4 || s.dr == 5) && s.de)
		return R_DR_DE;
	/* SDM vol. 3B, 17.2.4 and 17.2.6; vol. 2B, MOV DR: a 1 in bits 63:32 of DR6 or DR7
	 * (or DR4/DR5, their aliases with CR4.DE clear) #GPs; APM vol. 2, 13.1.1.5/6 (MBZ) */
	return v & DR_HIGH ? R_DR_HIGH : 0;
}

static uint32_t rules_of(uint64_t v)
{
	switch (s.t) {
	case T_CR0: return cr0_rules(v);
	case T_CR4: return cr4_rules(v);
	case T_EFER: return efer_rules(v);
	default: return dr_rules(v);
	}
}

static int expected_vector(void)
{
	if (s.rules & R_DR_DE)
		return X86_UD;
	return s.rules ? X86_GP : NO_EXCEPTION;
}

/* ---- on the vCPU ---- */

static void snapshot(void)
{
	s.cr0 = get_cr0();
	s.cr3 = get_cr3();
	s.cr4 = read_cr4();
	s.efer = rdmsr(MSR_EFER);
	s.dr6 = get_dr(6);
	s.dr7 = get_dr(7);
}

static void ends(void)
{
	s.end_cr0 = get_cr0();
	s.end_cr3 = get_cr3();
	s.end_cr4 = read_cr4();
	s.end_efer = rdmsr(MSR_EFER);
	s.end_dr6 = get_dr(6);
	s.end_dr7 = get_dr(7);
}

static void note_setup(int vector)
{
	if (vector != NO_EXCEPTION && s.setup_vector == NO_EXCEPTION)
		s.setup_vector = vector;
}

static void cr4_here(void)
{
	if (s.cr3_low)
		note_setup(mov_safe(REG_CR(3), s.cr3 | s.cr3_low)); /* PCIDE 0: 11:0 ignored */
	if (s.wp_off)
		note_setup(mov_safe(REG_CR(0), s.cr0 & ~CR0_WP));   /* CR4.CET is clear */
	s.vector = mov_safe(REG_CR(4), s.value);
	s.mid = read_cr4();
	s.restore_vector = mov_safe(REG_CR(4), s.cr4);
	if (s.wp_off)
		note_setup(mov_safe(REG_CR(0), s.cr0));
	if (s.cr3_low)
		note_setup(mov_safe(REG_CR(3), s.cr3));
}

static void cr0_here(void)
{
	if (s.cet_on)
		note_setup(mov_safe(REG_CR(4), s.cr4 | CR4_CET)); /* CR0.WP is set */
	s.vector = mov_safe(REG_CR(0), s.value);
	s.mid = get_cr0();
	s.restore_vector = mov_safe(REG_CR(0), s.cr0);
	if (s.cet_on)
		note_setup(mov_safe(REG_CR(4), s.cr4));
}

static void efer_here(void)
{
	s.vector = wrmsr_safe(MSR_EFER, s.value);
	s.mid = rdmsr(MSR_EFER);
	s.restore_vector = wrmsr_safe(MSR_EFER, s.efer);
}

static void dr_here(void)
{
	unsigned int alias = s.dr == 4 ? 6 : s.dr == 5 ? 7 : s.dr;
	uint64_t bp[4];

	if (s.de != !!(s.cr4 & CR4_DE))
		note_setup(mov_safe(REG_CR(4), s.cr4 ^ CR4_DE));
	for (unsigned int i = 0; i < 4 && alias == 7; i++) {
		bp[i] = get_dr(i);
		note_setup(mov_safe(REG_DR(i), (uint64_t)&dr_target[i * 8]));
	}
	s.vector = mov_safe(REG_DR(s.dr), s.value);
	s.mid = get_dr(alias);
	s.restore_vector = mov_safe(REG_DR(alias), alias == 6 ? s.dr6 : s.dr7);
	for (unsigned int i = 0; i < 4 && alias == 7; i++)
		note_setup(mov_safe(REG_DR(i), bp[i]));
	if (s.de != !!(s.cr4 & CR4_DE))
		note_setup(mov_safe(REG_CR(4), s.cr4));
}

static void run_here(void)
{
	uint64_t flags = irq_save();

	s.setup_vector = NO_EXCEPTION;
	switch (s.t) {
	case T_CR0: cr0_here(); break;
	case T_CR4: cr4_here(); break;
	case T_EFER: efer_here(); break;
	default: dr_here();
	}
	ends();
	irq_restore(flags);
}

/* ---- the values ---- */

static unsigned int random_bit_in(uint64_t mask)
{
	unsigned int n = 0, k;

	for (uint64_t m = mask; m; m &= m - 1)
		n++;
	if (!n)
		return (unsigned int)rng_below(64);
	k = (unsigned int)rng_below(n);
	for (unsigned int b = 0;; b++)
		if ((mask & BIT(b)) && !k--)
			return b;
}

static uint64_t cr4_value(void)
{
	uint64_t cur = s.cr4, v;

	switch (rng_below(6)) {
	case 0: /* one bit flipped, mostly a defined one */
		v = cur ^ BIT(rng_percent(80) ? random_bit_in(f.cr4_defined) : rng_below(64));
		break;
	case 1:
		v = rng_value();
		break;
	case 2: /* a subset of what CPUID offers: mostly accepted */
		v = (rng_u64() & f.cr4_offered & ~CR4_LA57) | (cur & CR4_LA57) |
		    (rng_percent(95) ? CR4_PAE : 0);
		break;
	case 3: /* a subset of the defined bits */
		v = (rng_u64() & f.cr4_defined & ~CR4_LA57) | (cur & CR4_LA57) | CR4_PAE;
		break;
	case 4:
		v = ~0ULL;
		break;
	default: /* the current value with one reserved (or absent) bit */
		v = cur | BIT(random_bit_in(~f.cr4_offered));
	}
	return (v & ~f.cr4_unsafe) | (cur & f.cr4_unsafe);
}

static uint64_t cr0_value(void)
{
	static const uint8_t flips[] = { 0, 1, 2, 3, 4, 5, 16, 18, 29, 30 };
	uint64_t cur = s.cr0;

	switch (rng_below(6)) {
	case 0:
	case 1:
		return cur ^ BIT(RNG_PICK(flips));
	case 2: /* a bit of 63:32 */
		return cur | BIT(rng_range(32, 63));
	case 3: /* the defined bits at random, PE mostly set, PG set */
		return (rng_u64() & CR0_FLIPPABLE & ~CR0_PE) | (rng_percent(85) ? CR0_PE : 0) |
		       CR0_PG;
	case 4: /* a random value, with PG and without the low reserved bits */
		return (rng_value() & (CR0_HIGH | CR0_FLIPPABLE)) | CR0_PG;
	default: /* all ones: #GP for 63:32 whatever the low reserved bits do */
		return ~0ULL;
	}
}

static uint64_t efer_value(void)
{
	uint64_t cur = s.efer, keep = EFER_LMA | f.efer_unknown, v;

	switch (rng_below(5)) {
	case 0:
		v = cur ^ BIT(rng_percent(70) ? random_bit_in(f.efer_defined & ~keep) :
						rng_below(64));
		break;
	case 1:
		v = rng_value();
		break;
	case 2: /* a subset of what is offered, LME kept */
		v = (rng_u64() & f.efer_offered & ~EFER_LME) | (cur & EFER_LME);
		break;
	case 3:
		v = ~0ULL;
		break;
	default:
		v = cur | BIT(random_bit_in(~f.efer_offered));
	}
	return (v & ~keep) | (cur & keep); /* LMA is read-only: the value it has */
}

static uint64_t dr_value(unsigned int alias)
{
	uint64_t cur = alias == 6 ? s.dr6 : s.dr7, v;

	switch (rng_below(5)) {
	case 0:
		v = cur ^ BIT(rng_below(64));
		break;
	case 1:
		v = rng_value();
		break;
	case 2: /* the low half at random */
		v = (uint32_t)rng_u64();
		break;
	case 3:
		v = ~0ULL;
		break;
	default:
		v = cur | BIT(rng_range(32, 63));
	}
	if (alias != 7)
		return v;
	v &= ~DR7_GD; /* the next MOV DR would #DB */
	/* R/W = 10b is undefined without CR4.DE (SDM vol. 3B, 17.2.4): made 00b */
	for (unsigned int i = 0; i < 4 && !s.de; i++)
		if (((v >> (16 + 4 * i)) & 3) == 2)
			v &= ~(3ULL << (16 + 4 * i));
	return v;
}

static uint64_t pick_value(void)
{
	switch (s.t) {
	case T_CR0: return cr0_value();
	case T_CR4: return cr4_value();
	case T_EFER: return efer_value();
	default: return dr_value(s.dr == 4 ? 6 : s.dr == 5 ? 7 : s.dr);
	}
}

/* The register before the write: what a fault leaves, and a write that breaks no rule */
static uint64_t old_value(void)
{
	switch (s.t) {
	case T_CR0: return s.cr0;
	case T_CR4: return s.cr4;
	case T_EFER: return s.efer;
	default: return (s.dr == 4 || s.dr == 6) ? s.dr6 : s.dr7;
	}
}

static void pick_setup(void)
{
	s.cr3_low = 0;
	s.wp_off = s.cet_on = false;
	s.de = s.cr4 & CR4_DE;
	if (s.t == T_CR4 && rng_percent(15))
		s.cr3_low = rng_range(1, 0xfff);
	if (s.t == T_CR4 && rng_percent(10) && !(s.cr4 & CR4_CET))
		s.wp_off = true;
	if (s.t == T_CR0 && f.cet && rng_percent(15))
		s.cet_on = true;
	if (s.t == T_DR) {
		unsigned int r = (unsigned int)rng_below(20);

		s.dr = r < 10 ? 7 : r < 16 ? 6 : r < 18 ? 4 : 5;
		if (f.cr4_offered & CR4_DE)
			s.de = rng_percent(30);
	}
}

/* Values from the generators, those breaking a skipped rule left out (then the register's own) */
static void pick(void)
{
	pick_setup();
	for (unsigned int i = 0; i < 16; i++) {
		s.value = pick_value();
		s.rules = rules_of(s.value);
		if (!(s.rules & skipped))
			return;
	}
	s.value = old_value();
	s.rules = rules_of(s.value);
}

/* ---- the checks ---- */

static const char *const target_names[] = { "CR0", "CR4", "EFER", "DR" };

/* fmt_snprintf at buf + n, n kept within the buffer */
static size_t add(char *buf, size_t size, size_t n, const char *fmt, ...) GUEST_PRINTF(4, 5);
static size_t add(char *buf, size_t size, size_t n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = fmt_vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	return k < 0 ? n : n + (size_t)k >= size ? size - 1 : n + (size_t)k;
}

static void describe(char *buf, size_t size)
{
	const char *sep = "";
	size_t n = 0;

	if (s.t == T_DR)
		n = add(buf, size, n, "DR%u", s.dr);
	else
		n = add(buf, size, n, "%s", target_names[s.t]);
	n = add(buf, size, n, " 0x%lx on vp %u", s.value, s.vp);
	if (s.cr3_low)
		n = add(buf, size, n, " CR3|0x%lx", s.cr3_low);
	if (s.wp_off)
		n = add(buf, size, n, " WP=0");
	if (s.cet_on)
		n = add(buf, size, n, " CET=1");
	if (s.t == T_DR)
		n = add(buf, size, n, " DE=%u", s.de);
	n = add(buf, size, n, " [");
	for (unsigned int i = 0; i < NR_RULES; i++)
		if (s.rules & (1U << i)) {
			n = add(buf, size, n, "%s%s", sep, rule_names[i]);
			sep = " ";
		}
	add(buf, size, n, "]");
}

/* After success: does the register read what was written (where the manuals say)? */
static bool reads_as_written(void)
{
	switch (s.t) {
	case T_CR0: /* ET is hardwired to 1 (SDM vol. 3A, 2.5; APM vol. 2, 3.1.1) */
		return s.mid == (s.value | CR0_ET);
	case T_CR4:
		return s.mid == s.value;
	case T_EFER: /* LMA is read-only (the value keeps it) */
		return s.mid == s.value;
	default:
		if (s.dr == 4 || s.dr == 6) /* SDM vol. 3B, 17.2.3; APM vol. 2, 13.1.1.5 */
			return (s.mid & DR6_WRITABLE) == (s.value & DR6_WRITABLE) &&
			       (s.mid & DR6_FIXED1) == DR6_FIXED1;
		/* SDM vol. 3B, 17.2.4; APM vol. 2, 13.1.1.6: bit 10 reads 1; 11, 12, 14, 15
		 * unchecked */
		return (s.mid & (DR7_CHECKED | DR7_FIXED1)) ==
		       ((s.value & DR7_CHECKED) | DR7_FIXED1);
	}
}

static void check_result(void)
{
	int want = expected_vector();
	unsigned long before_count = fz.mismatches;
	char what[160];

	for (unsigned int i = 0; i < NR_RULES; i++)
		broken[i] += !!(s.rules & (1U << i));
	s.vector == NO_EXCEPTION ? accepted[s.t]++ : refused[s.t]++;
	describe(what, sizeof(what));
	if (s.setup_vector != NO_EXCEPTION)
		mismatch("%s: a write around it raised %s", what, exception_name(s.setup_vector));
	if (s.vector != want)
		mismatch("%s raised %s, expected %s (before 0x%lx, reads 0x%lx)", what,
			 exception_name(s.vector), exception_name(want), old_value(), s.mid);
	else if (want == NO_EXCEPTION && !reads_as_written())
		mismatch("%s: reads 0x%lx", what, s.mid);
	else if (want != NO_EXCEPTION && s.mid != old_value())
		mismatch("%s raised %s but went from 0x%lx to 0x%lx", what,
			 exception_name(s.vector), old_value(), s.mid);
	if (s.restore_vector != NO_EXCEPTION)
		mismatch("%s: restoring 0x%lx raised %s", what, old_value(),
			 exception_name(s.restore_vector));
	if (s.end_cr0 != s.cr0 || s.end_cr3 != s.cr3 || s.end_cr4 != s.cr4 ||
	    s.end_efer != s.efer || s.end_dr6 != s.dr6 || s.end_dr7 != s.dr7)
		mismatch("%s: not restored: CR0 0x%lx CR3 0x%lx CR4 0x%lx EFER 0x%lx DR6 0x%lx "
			 "DR7 0x%lx", what, s.end_cr0, s.end_cr3, s.end_cr4, s.end_efer, s.end_dr6,
			 s.end_dr7);
	if (fz.mismatches == before_count)
		return;
	wrong[NR_RULES] += !s.rules;
	for (unsigned int i = 0; i < NR_RULES; i++)
		wrong[i] += !!(s.rules & (1U << i));
}

static void op(enum target t)
{
	unsigned int vp = fz.cpus > 1 && rng_percent(40) ? AP : BSP;

	if (!f.done)
		features();
	s.t = t;
	s.vp = vp;
	if (vp == BSP)
		snapshot();
	else if (!fz.ap_alive || !ap_call(snapshot))
		return;
	pick();
	if (trace_writes) {
		char what[160];

		describe(what, sizeof(what));
		guest_printf("fuzz: op %lu: %s\n", fz.op, what);
	}
	if (vp == BSP)
		run_here();
	else if (!ap_call(run_here))
		return;
	check_result();
}

void op_cr0(void) { op(T_CR0); }
void op_cr4(void) { op(T_CR4); }
void op_efer(void) { op(T_EFER); }
void op_dr(void) { op(T_DR); }

static void report_counts(const char *title, const unsigned long *count)
{
	char line[200];
	size_t n = add(line, sizeof(line), 0, "fuzz: cr: %s", title);

	for (unsigned int i = 0; i < NR_RULES; i++) {
		if (n > sizeof(line) - 40) {
			guest_printf("%s\n", line);
			n = add(line, sizeof(line), 0, "fuzz: cr: %s", title);
		}
		n = add(line, sizeof(line), n, " %s=%lu%s", rule_names[i], count[i],
			skipped & (1U << i) ? "(skipped)" : "");
	}
	guest_printf("%s\n", line);
}

void cr_report(void)
{
	char line[200];
	size_t n = add(line, sizeof(line), 0, "fuzz: cr: accepted/refused");

	if (!f.done)
		return; /* none ran */

	for (unsigned int t = 0; t < 4; t++)
		n = add(line, sizeof(line), n, " %s=%lu/%lu", target_names[t], accepted[t],
			refused[t]);
	add(line, sizeof(line), n, "; mismatched with no rule broken %lu", wrong[NR_RULES]);
	guest_printf("%s\n", line);
	report_counts("rules broken", broken);
	report_counts("mismatched", wrong);
}
