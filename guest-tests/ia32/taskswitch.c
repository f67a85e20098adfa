/*
 * Hardware task switches in 32-bit protected mode (Intel SDM vol. 3, chapter
 * 8 "Task Management"), which VMX makes exit and the hypervisor carries out
 * (vmx/task_switch.c), and SVM leaves to the CPU. One check per rule:
 *
 * - JMP to a TSS: the new task's registers, LDT and segments loaded, EFLAGS.NT
 *   clear, CR0.TS set, TR its selector; the old task's state saved in its TSS
 *   (EIP after the JMP), the old task freed, the new one busy; JMP back.
 * - CALL to a TSS: NT set and the link naming the caller; IRET returns to it
 *   and frees the called task.
 * - INT n through a task gate; an exception through a task gate, its error code
 *   on the new task's stack and the old task's EIP on the faulting instruction.
 * - The faults of table 8-1: CALL to a busy TSS is #GP, IRET to an available
 *   one is #TS, each with the TSS selector as error code; a new task's bad DS
 *   is #TS with that selector, raised in the new task (a bad CS or SS is not
 *   checked: how the CPU then delivers the fault on the new task's stack is
 *   the implementation's, and QEMU's differs from the hypervisor's).
 * - A 16-bit TSS: its registers loaded, the state saved back into it.
 * - Under PAE paging, a new task's CR3 brings its own page-directory pointers, as
 *   does a MOV to CR0 that turns paging on and exits (it sets CD).
 *
 * A freestanding 32-bit program with its own console: the 64-bit guest
 * library does not reach protected mode.
 */
#include <stdbool.h>
#include <stdint.h>

#define COM1          0x3f8
#define UART_LSR      5
#define LSR_THRE      0x20
#define EXIT_PORT     0xf4

#define SEL_CODE      0x08
#define SEL_DATA      0x10
#define SEL_TSS_MAIN  0x18
#define SEL_TSS_A     0x20
#define SEL_TSS_B     0x28
#define SEL_TSS_C     0x30
#define SEL_TSS_D     0x38
#define SEL_LDT_A     0x40
#define SEL_LDT_DATA  0x0c /* index 1 of task A's LDT (TI set) */
#define SEL_TSS_E     0x48 /* a task with a bad DS */
#define SEL_TSS16     0x50 /* a 16-bit TSS */
#define SEL_CODE16TSS 0x58 /* its code: based so that its entry fits in IP */
#define SEL_BAD       0x0ff8 /* past the GDT's limit */
#define GDT_ENTRIES   12
#define TSS16_AX      0x1616

#define VECTOR_TS     10
#define VECTOR_GP     13
#define VECTOR_TASK   0x40 /* INT 0x40 through a task gate */

#define EFLAGS_NT     (1u << 14)
#define CR0_TS        (1u << 3)
#define CR0_PG        (1u << 31)
#define CR0_CD        (1u << 30)
#define CR4_PAE       (1u << 5)
#define DESC_BUSY     (1ull << 41)
#define MAGIC_EAX     0x7a5c0001u
#define MAGIC_LDT     0x7a5c1d70u
#define ALIAS_BASE    0x40000000u /* task B's page tables map 1 GiB here onto 0 */

struct tss16 {
	uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2, ip, flags;
	uint16_t ax, cx, dx, bx, sp, bp, si, di;
	uint16_t es, cs, ss, ds, ldt;
} __attribute__((packed));

struct tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
} __attribute__((packed));

/* What the trap stubs of entry.S push: the registers (PUSHA), the vector, the CPU's frame */
struct ia32_frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vector, error_code, eip, cs, eflags;
};

void ia32_main(void);
void ia32_trap(struct ia32_frame *f);
void task16_entry(void), task16_back(void); /* the 16-bit TSS's task, below */
extern const char ia32_trap_10[], ia32_trap_11[], ia32_trap_12[], ia32_trap_13[],
	ia32_trap_14[];

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));
static uint64_t ldt_a[2] __attribute__((aligned(8)));
static uint64_t idt[256] __attribute__((aligned(8)));
static struct tss32 tss_main, tss_a, tss_b, tss_c, tss_d, tss_e;
static struct tss16 tss16;
static uint8_t stacks[5][4096] __attribute__((aligned(16)));
static uint64_t pdpt_main[4] __attribute__((aligned(32)));
static uint64_t pdpt_alias[4] __attribute__((aligned(32)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_alias[512] __attribute__((aligned(4096)));
static volatile uint32_t ldt_word = MAGIC_LDT;
static unsigned int passed, failed;

/* What the tasks saw, for the main task to check */
static volatile struct {
	uint32_t a_runs, a_eax, a_tr, a_cr0, a_eflags, a_ldt_word, a_ds;
	uint32_t b_runs, b_eflags, b_link, b_alias_word;
	uint32_t c_runs, c_eflags;
	uint32_t d_runs, d_error_code, d_old_eip;
} seen;

/* The last fault the trap handler took, and where it resumes */
static volatile uint32_t fault_vector, fault_code, resume_eip;

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void put_hex(uint32_t v)
{
	puts("0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

static void put_dec(uint32_t v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc(digits[--n]);
}

/* One PASS or FAIL line; a failure shows the value that broke the rule. */
static void check(const char *name, bool ok, const char *what, uint32_t value)
{
	puts(ok ? "PASS " : "FAIL ");
	puts(name);
	if (!ok) {
		puts(": ");
		puts(what);
		puts(" ");
		put_hex(value);
	}
	putc('\n');
	ok ? passed++ : failed++;
}

static uint32_t read_cr0(void)
{
	uint32_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint32_t read_eflags(void)
{
	uint32_t v;

	asm volatile("pushf; pop %0" : "=r"(v));
	return v;
}

static uint16_t read_tr(void)
{
	uint16_t v;

	asm volatile("str %0" : "=r"(v));
	return v;
}

static void clts(void) { asm volatile("clts"); }

/* ---- descriptors ---- */

static uint64_t segment_desc(uint32_t base, uint32_t limit, uint32_t type_byte, uint32_t flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)type_byte << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

static uint64_t tss_desc(struct tss32 *t)
{
	return segment_desc((uint32_t)t, sizeof(*t) - 1, 0x89, 0); /* present, 32-bit TSS */
}

static uint64_t gate(uint32_t selector, uint32_t offset, uint32_t type_byte)
{
	return (offset & 0xffff) | (uint64_t)selector << 16 | (uint64_t)type_byte << 40 |
	       (uint64_t)(offset >> 16) << 48;
}

static void load_tables(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdtr, idtr;

	gdt[1] = segment_desc(0, 0xfffff, 0x9b, 0xc);   /* code, 4 GiB, 32-bit */
	gdt[2] = segment_desc(0, 0xfffff, 0x93, 0xc);   /* data */
	gdt[3] = tss_desc(&tss_main);
	gdt[4] = tss_desc(&tss_a);
	gdt[5] = tss_desc(&tss_b);
	gdt[6] = tss_desc(&tss_c);
	gdt[7] = tss_desc(&tss_d);
	gdt[8] = segment_desc((uint32_t)ldt_a, sizeof(ldt_a) - 1, 0x82, 0); /* LDT */
	gdt[9] = tss_desc(&tss_e);
	gdt[10] = segment_desc((uint32_t)&tss16, sizeof(tss16) - 1, 0x81, 0); /* 16-bit TSS */
	gdt[11] = segment_desc((uint32_t)task16_entry & ~0xffffu, 0xfffff, 0x9b, 0xc);
	ldt_a[1] = segment_desc(0, 0xfffff, 0x93, 0xc);
	idt[10] = gate(SEL_CODE, (uint32_t)ia32_trap_10, 0x8e);
	idt[11] = gate(SEL_CODE, (uint32_t)ia32_trap_11, 0x8e);
	idt[12] = gate(SEL_CODE, (uint32_t)ia32_trap_12, 0x8e);
	idt[13] = gate(SEL_CODE, (uint32_t)ia32_trap_13, 0x8e);
	idt[14] = gate(SEL_CODE, (uint32_t)ia32_trap_14, 0x8e);
	idt[VECTOR_TASK] = gate(SEL_TSS_C, 0, 0x85);      /* task gate */
	gdtr = (typeof(gdtr)){ sizeof(gdt) - 1, (uint32_t)gdt };
	idtr = (typeof(idtr)){ sizeof(idt) - 1, (uint32_t)idt };
	asm volatile("lgdt %0; lidt %1; ljmp %2, $1f; 1:" ::"m"(gdtr), "m"(idtr), "i"(SEL_CODE));
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss; mov %0, %%fs; mov %0, %%gs"
		     ::"r"(SEL_DATA));
	asm volatile("ltr %w0" ::"r"(SEL_TSS_MAIN));
}

/*
 * PAE paging: the first GiB identity-mapped in 2 MiB pages. Task B's own
 * tables map it a second time at ALIAS_BASE, which the main task's do not:
 * task B sees that alias only if its CR3 brought its own PDPTEs. Paging goes
 * on in the same MOV to CR0 that sets CD, and CD goes off in another: VMX
 * makes both exit (CD is the hypervisor's), and the CPU loads the PDPTEs at
 * each (SDM vol. 3, 4.4.1), which the hypervisor must then do for it.
 */
static void enable_pae_paging(void)
{
	for (uint32_t i = 0; i < 512; i++)
		pd_low[i] = (uint64_t)i << 21 | 0x83; /* present, writable, 2 MiB */
	pd_alias[0] = 0x83;
	pdpt_main[0] = (uint32_t)pd_low | 1;
	pdpt_alias[0] = (uint32_t)pd_low | 1;
	pdpt_alias[1] = (uint32_t)pd_alias | 1;
	asm volatile("mov %%cr4, %%eax; or %0, %%eax; mov %%eax, %%cr4" ::"i"(CR4_PAE) : "eax");
	asm volatile("mov %0, %%cr3" ::"r"(pdpt_main));
	asm volatile("mov %%cr0, %%eax; or %0, %%eax; mov %%eax, %%cr0" ::"i"(CR0_PG | CR0_CD) : "eax");
	asm volatile("mov %%cr0, %%eax; and %0, %%eax; mov %%eax, %%cr0" ::"i"(~CR0_CD) : "eax");
	check("pae-paging-through-emulated-cr0", read_cr0() & CR0_PG, "CR0", read_cr0());
}

/* ---- the tasks ---- */

/*
 * The tasks start in these stubs, which take what the switch left in a
 * register or on the stack before any compiled code runs: task A's EAX,
 * task D's error code.
 */
void task_a_entry(void), task_d_entry(void);
__attribute__((noreturn)) void task_a(void);
__attribute__((noreturn)) void task_d(void);
__attribute__((used)) static volatile uint32_t task_a_eax, task_d_error_code;
asm(".text\n"
    "task_a_entry: movl %eax, task_a_eax\n\tjmp task_a\n"
    "task_d_entry: popl task_d_error_code\n\tjmp task_d\n");

/*
 * The task of the 16-bit TSS: its code segment is based so that its entry
 * fits in IP; it notes EAX (AX from its TSS) through DS, which is flat, and
 * jumps back. No stack: its SP is 16 bits.
 */
__attribute__((used)) static volatile uint32_t task16_ran, task16_eax;
asm(".text\n"
    "task16_entry: movl $1, task16_ran\n\tmovl %eax, task16_eax\n"
    "\tljmp $0x18, $0\n"
    "task16_back: jmp task16_entry\n");

/* Task A, reached by JMP: it notes what it was given and jumps back. */
__attribute__((noreturn, used)) void task_a(void)
{
	for (;;) {
		uint32_t ds;

		asm volatile("mov %%ds, %0" : "=r"(ds));
		seen.a_eax = task_a_eax;
		seen.a_ds = ds;
		seen.a_tr = read_tr();
		seen.a_cr0 = read_cr0();
		seen.a_eflags = read_eflags();
		seen.a_ldt_word = ldt_word; /* through DS, task A's LDT segment */
		seen.a_runs++;
		asm volatile("ljmp %0, $0" ::"i"(SEL_TSS_MAIN));
	}
}

/* Task B, reached by CALL: NT and the link, then the alias only its own CR3 maps; IRET back. */
static __attribute__((noreturn, used)) void task_b(void)
{
	for (;;) {
		seen.b_eflags = read_eflags();
		seen.b_link = tss_b.link;
		seen.b_alias_word = *(volatile uint32_t *)(ALIAS_BASE + (uint32_t)&ldt_word);
		seen.b_runs++;
		asm volatile("iret");
	}
}

/* Task C, the task gate of INT 0x40. */
static __attribute__((noreturn, used)) void task_c(void)
{
	for (;;) {
		seen.c_eflags = read_eflags();
		seen.c_runs++;
		asm volatile("iret");
	}
}

/*
 * Task D, the task gate of #GP while it is one: the error code is on its
 * stack; the main task faulted loading a selector from EAX, which D makes a
 * good one so that the instruction, run again, goes through.
 */
__attribute__((noreturn, used)) void task_d(void)
{
	for (;;) {
		seen.d_error_code = task_d_error_code;
		seen.d_old_eip = tss_main.eip;
		tss_main.eax = SEL_DATA;
		seen.d_runs++;
		asm volatile("iret");
	}
}

static void init_task(struct tss32 *t, void (*entry)(void), uint8_t *stack, uint32_t cr3)
{
	*t = (struct tss32){
		.eip = (uint32_t)entry, .esp = (uint32_t)(stack + 4096), .eflags = 0x2,
		.cs = SEL_CODE, .ss = SEL_DATA, .ds = SEL_DATA, .es = SEL_DATA, .fs = SEL_DATA,
		.gs = SEL_DATA, .cr3 = cr3, .iomap = sizeof(struct tss32),
	};
}

static void init_tasks(void)
{
	uint32_t cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	tss_main.cr3 = cr3; /* a switch does not save CR3: a task's is what its TSS says */
	tss_main.iomap = sizeof(struct tss32);
	init_task(&tss_a, task_a_entry, stacks[0], cr3);
	init_task(&tss_b, task_b, stacks[1], (uint32_t)pdpt_alias);
	init_task(&tss_c, task_c, stacks[2], cr3);
	init_task(&tss_d, task_d_entry, stacks[3], cr3);
	init_task(&tss_e, task_a_entry, stacks[4], cr3);
	tss16 = (struct tss16){ .ip = (uint32_t)task16_entry & 0xffff, .flags = 0x2, .ax = TSS16_AX,
				.cs = SEL_CODE16TSS, .ss = SEL_DATA, .ds = SEL_DATA, .es = SEL_DATA };
	tss_e.ds = SEL_BAD;
	tss_a.eax = MAGIC_EAX;
	tss_a.ldt = SEL_LDT_A;
	tss_a.ds = SEL_LDT_DATA;
}

/* ---- the trap handler ---- */

void ia32_trap(struct ia32_frame *f)
{
	fault_vector = f->vector;
	fault_code = f->error_code;
	if (!resume_eip) {
		check("unexpected-exception", false, "vector/eip", f->vector << 24 | (f->eip & 0xffffff));
		outl(EXIT_PORT, 3);
	}
	f->eip = resume_eip;
	resume_eip = 0;
}

/* ---- the checks ---- */

static bool busy(uint16_t sel) { return gdt[sel >> 3] & DESC_BUSY; }

static void check_jmp(void)
{
	uint32_t after;

	asm volatile("ljmp %1, $0\n\t"
		     "1: movl $1b, %0" : "=r"(after) : "i"(SEL_TSS_A) : "memory");
	check("jmp-new-task-ran", seen.a_runs == 1, "runs", seen.a_runs);
	check("jmp-registers-loaded", seen.a_eax == MAGIC_EAX, "EAX", seen.a_eax);
	check("jmp-tr-loaded", seen.a_tr == SEL_TSS_A, "TR", seen.a_tr);
	check("jmp-cr0-ts-set", seen.a_cr0 & CR0_TS, "CR0", seen.a_cr0);
	check("jmp-nt-clear", !(seen.a_eflags & EFLAGS_NT), "EFLAGS", seen.a_eflags);
	check("jmp-ldt-and-segments-loaded", seen.a_ds == SEL_LDT_DATA && seen.a_ldt_word == MAGIC_LDT,
	      "DS", seen.a_ds);
	check("jmp-old-eip-saved", tss_main.eip == after, "saved EIP", tss_main.eip);
	check("jmp-back-frees-new-task", !busy(SEL_TSS_A) && busy(SEL_TSS_MAIN), "GDT[A] high",
	      (uint32_t)(gdt[SEL_TSS_A >> 3] >> 32));
	check("jmp-back-tr", read_tr() == SEL_TSS_MAIN, "TR", read_tr());
	clts();
}

static void check_call_and_iret(void)
{
	asm volatile("lcall %0, $0" ::"i"(SEL_TSS_B) : "memory");
	check("call-new-task-ran", seen.b_runs == 1, "runs", seen.b_runs);
	check("call-nt-set", seen.b_eflags & EFLAGS_NT, "EFLAGS", seen.b_eflags);
	check("call-link-to-caller", seen.b_link == SEL_TSS_MAIN, "link", seen.b_link);
	check("call-new-cr3-pdptes", seen.b_alias_word == MAGIC_LDT, "alias word", seen.b_alias_word);
	check("iret-back-frees-called-task", !busy(SEL_TSS_B) && busy(SEL_TSS_MAIN), "GDT[B] high",
	      (uint32_t)(gdt[SEL_TSS_B >> 3] >> 32));
	check("iret-back-nt-clear", !(read_eflags() & EFLAGS_NT), "EFLAGS", read_eflags());
	clts();
}

static void check_task_gates(void)
{
	uint32_t at, sel = 0x1234;

	asm volatile("int %0" ::"i"(VECTOR_TASK) : "memory");
	check("int-task-gate", seen.c_runs == 1 && (seen.c_eflags & EFLAGS_NT), "EFLAGS",
	      seen.c_eflags);
	idt[VECTOR_GP] = gate(SEL_TSS_D, 0, 0x85);

	asm volatile("movl $1f, %0\n\t"
		     "1: mov %%ax, %%ds" : "=&m"(at), "+a"(sel) : : "memory");
	idt[VECTOR_GP] = gate(SEL_CODE, (uint32_t)ia32_trap_13, 0x8e);
	asm volatile("mov %0, %%ds" ::"r"(SEL_DATA));
	check("exception-task-gate-error-code", seen.d_runs == 1 && seen.d_error_code == 0x1234,
	      "error code", seen.d_error_code);
	check("exception-task-gate-old-eip", seen.d_old_eip == at, "saved EIP", seen.d_old_eip);
	clts();
}

/* Table 8-1: CALL to a busy TSS is #GP(selector); IRET to an available one #TS(selector). */
static void check_faults(void)
{
	fault_vector = 0;
	asm volatile("movl $1f, %0\n\t"
		     "lcall %1, $0\n"
		     "1:" : "=m"(resume_eip) : "i"(SEL_TSS_MAIN) : "memory");
	check("call-busy-tss-gp", fault_vector == VECTOR_GP && fault_code == SEL_TSS_MAIN,
	      "vector << 16 | error code", fault_vector << 16 | fault_code);
	fault_vector = 0;
	tss_main.link = SEL_TSS_A;
	asm volatile("movl $1f, %0\n\t"
		     "pushf; orl %1, (%%esp); popf\n\t"
		     "iret\n"
		     "1: pushf; andl %2, (%%esp); popf"
		     : "=m"(resume_eip) : "i"(EFLAGS_NT), "i"(~EFLAGS_NT) : "memory");
	check("iret-available-tss-ts", fault_vector == VECTOR_TS && fault_code == SEL_TSS_A,
	      "vector << 16 | error code", fault_vector << 16 | fault_code);
}

/* A 16-bit TSS: its registers' low halves, and the old task's state saved in it on the way back. */
static void check_tss16(void)
{
	asm volatile("ljmp %0, $0" ::"i"(SEL_TSS16) : "memory");
	/* Only the low halves come from a 16-bit TSS: Bochs keeps the upper ones, the hypervisor zeroes them */
	check("tss16-jmp-registers-loaded", task16_ran == 1 && (task16_eax & 0xffff) == TSS16_AX,
	      "EAX", task16_eax);
	check("tss16-state-saved", tss16.ip == ((uint32_t)task16_back & 0xffff) && tss16.ax == TSS16_AX,
	      "saved IP", tss16.ip);
	check("tss16-freed", !busy(SEL_TSS16) && busy(SEL_TSS_MAIN), "GDT[16-bit TSS] high",
	      (uint32_t)(gdt[SEL_TSS16 >> 3] >> 32));
	clts();
}

/*
 * Table 8-1, after the commit point: a new task's bad segment faults in the
 * new task, with the segment's selector as error code. The handler leaves
 * the task for the main one (the fault came at the task's first instruction).
 */
__attribute__((noreturn, used)) void leave_to_main(void);
__attribute__((noreturn, used)) void leave_to_main(void)
{
	for (;;)
		asm volatile("ljmp %0, $0" ::"i"(SEL_TSS_MAIN));
}

static void check_new_task_fault(const char *name, uint16_t tss, uint32_t vector, uint16_t sel)
{
	struct __attribute__((packed)) { uint32_t offset; uint16_t selector; } far = { 0, tss };

	fault_vector = 0;
	resume_eip = (uint32_t)leave_to_main;
	asm volatile("ljmp *%0" ::"m"(far) : "memory");
	check(name, fault_vector == vector && fault_code == sel, "vector << 16 | error code",
	      fault_vector << 16 | fault_code);
	clts();
}

void ia32_main(void)
{
	load_tables();
	enable_pae_paging();
	init_tasks();
	check_jmp();
	check_call_and_iret();
	check_task_gates();
	check_faults();
	check_new_task_fault("new-task-bad-ds-ts", SEL_TSS_E, VECTOR_TS, SEL_BAD);
	check_tss16();
	puts("SUMMARY: ");
	put_dec(passed);
	puts(" passed, ");
	put_dec(failed);
	puts(" failed\n");
	outl(EXIT_PORT, failed || !passed);
}
