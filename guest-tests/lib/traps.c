/*
 * The IDT: the 32 exception vectors, with guest_try() to catch one and a
 * report for any other, and the interrupt vectors 32-255, handed to irq.c.
 *
 * Catching is a saved-context resume: guest_try() arms a catch and calls the
 * function through try_call() (trap_entry.S), which saves the callee-saved
 * registers and the stack pointer. When an exception arrives while a catch is
 * armed, the handler records the vector, error code and RIP, and rewrites the
 * interrupt frame so that iretq lands on try_resume with the saved stack
 * pointer: try_call() returns as if the function had, skipping its rest.
 */
#include "guest-tests/lib/internal.h"

#define SEL_CODE64   0x08
#define GATE_INTR64  0x8e /* present, DPL 0, 64-bit interrupt gate */
#define NR_EXCEPTIONS 32
#define NR_VECTORS    256

/* The stack built by trap_entry.S: our pushes, then the CPU's (Intel SDM vol. 3, 7.14.1) */
struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct catch {
	uint64_t saved_rsp;
	struct exception exception;
	struct catch *outer;
};

extern const uint64_t trap_stubs[NR_VECTORS];
extern const char try_resume[];
void try_call(uint64_t *saved_rsp, void (*fn)(void *), void *arg);
void trap_handler(struct trap_frame *f);

static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));
static struct catch *armed[GUEST_MAX_CPUS]; /* per CPU: each catches its own */
static void (*nmi_handler)(void);

static const char *const exception_names[NR_EXCEPTIONS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *exception_name(int vector)
{
	if (vector < 0 || vector >= NR_EXCEPTIONS)
		return "no exception";
	return exception_names[vector];
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	for (int v = 0; v < NR_VECTORS; v++) {
		uint64_t addr = trap_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_low = addr & 0xffff,
			.selector = SEL_CODE64,
			.type = GATE_INTR64,
			.offset_mid = (addr >> 16) & 0xffff,
			.offset_high = addr >> 32,
		};
	}
	asm volatile("lidt %0" ::"m"(idtr));
}

static uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static __attribute__((noreturn)) void report_unexpected(const struct trap_frame *f)
{
	guest_printf("FAIL unexpected exception %s (vector %lu) at rip 0x%lx error code 0x%lx\n",
		     exception_name(f->vector), f->vector, f->rip, f->error_code);
	guest_printf("  rsp %016lx  rflags %016lx  cr2 %016lx\n", f->rsp, f->rflags, read_cr2());
	guest_printf("  rax %016lx  rbx %016lx  rcx %016lx\n", f->rax, f->rbx, f->rcx);
	guest_printf("  rdx %016lx  rsi %016lx  rdi %016lx\n", f->rdx, f->rsi, f->rdi);
	guest_printf("  rbp %016lx  r8  %016lx  r9  %016lx\n", f->rbp, f->r8, f->r9);
	guest_printf("  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r10, f->r11, f->r12);
	guest_printf("  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14, f->r15);
	guest_exit(3);
}

static bool take_nmi(void)
{
	void (*fn)(void) = __atomic_load_n(&nmi_handler, __ATOMIC_ACQUIRE);

	if (fn)
		fn();
	return fn;
}

void trap_handler(struct trap_frame *f)
{
	unsigned int cpu = this_cpu_index();
	struct catch *c = armed[cpu];

	if (f->vector >= NR_EXCEPTIONS) {
		irq_dispatch((uint8_t)f->vector);
		return;
	}
	if (f->vector == X86_NMI && take_nmi())
		return;
	if (!c)
		report_unexpected(f);
	c->exception = (struct exception){
		.vector = (int)f->vector,
		.error_code = f->error_code,
		.rip = f->rip,
		.rflags = f->rflags,
	};
	armed[cpu] = c->outer;
	f->rip = (uint64_t)try_resume;
	f->rsp = c->saved_rsp;
}

void traps_cpu_reset(unsigned int cpu)
{
	armed[cpu] = NULL;
}

/* An NMI is an interrupt, not a fault: the handler returns to where it came. */
void nmi_set_handler(void (*fn)(void))
{
	__atomic_store_n(&nmi_handler, fn, __ATOMIC_RELEASE);
}

struct exception guest_try(void (*fn)(void *), void *arg)
{
	unsigned int cpu = this_cpu_index();
	struct catch c = { .exception.vector = NO_EXCEPTION, .outer = armed[cpu] };

	armed[cpu] = &c;
	try_call(&c.saved_rsp, fn, arg);
	armed[cpu] = c.outer;
	return c.exception;
}

struct msr_access {
	uint32_t msr;
	uint64_t val;
};

static void do_rdmsr(void *arg)
{
	struct msr_access *a = arg;

	a->val = rdmsr(a->msr);
}

static void do_wrmsr(void *arg)
{
	const struct msr_access *a = arg;

	wrmsr_raw(a->msr, a->val);
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	struct msr_access a = { .msr = msr };
	struct exception e = guest_try(do_rdmsr, &a);

	if (e.vector == NO_EXCEPTION)
		*val = a.val;
	return e.vector;
}

/* IA32_APIC_BASE: the kept value forgotten, interrupts off until then (see apic_base_write()) */
int wrmsr_safe(uint32_t msr, uint64_t val)
{
	struct msr_access a = { .msr = msr, .val = val };
	uint64_t rflags;
	int vector;

	if (msr != MSR_IA32_APIC_BASE)
		return guest_try(do_wrmsr, &a).vector;
	rflags = irq_save();
	vector = guest_try(do_wrmsr, &a).vector;
	apic_base_forget();
	irq_restore(rflags);
	return vector;
}

struct xcr_access {
	uint64_t rcx;
	uint64_t val;
};

static void do_xsetbv(void *arg)
{
	const struct xcr_access *a = arg;

	asm volatile("xsetbv" ::"c"(a->rcx), "a"((uint32_t)a->val), "d"((uint32_t)(a->val >> 32))
		     : "memory");
}

int xsetbv_safe(uint64_t rcx, uint64_t val)
{
	struct xcr_access a = { .rcx = rcx, .val = val };

	return guest_try(do_xsetbv, &a).vector;
}
