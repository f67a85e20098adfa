/*
 * Application processors: INIT/SIPI start-up through the trampoline of
 * ap_boot.S, per-CPU stacks, the CPU index derived from the stack, and calls
 * that make another CPU run a function.
 */
#include "guest-tests/lib/ap_boot.h"
#include "guest-tests/lib/internal.h"

#define AP_STACK_SIZE     16384
#define INIT_DELAY_US     10000
#define SIPI_DELAY_US     200
#define REPORT_TIMEOUT_US 100000

/* What ap_boot.S reads at AP_PARAMS */
struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct ap_boot_params {
	uint64_t cr3;
	uint64_t stack;
	uint32_t cpu;
	uint32_t pad;
	struct descriptor_ptr gdtr;
	uint8_t pad2[6];
	struct descriptor_ptr idtr;
};

_Static_assert(__builtin_offsetof(struct ap_boot_params, cr3) == AP_PARAM_CR3, "cr3");
_Static_assert(__builtin_offsetof(struct ap_boot_params, stack) == AP_PARAM_STACK, "stack");
_Static_assert(__builtin_offsetof(struct ap_boot_params, cpu) == AP_PARAM_CPU, "cpu");
_Static_assert(__builtin_offsetof(struct ap_boot_params, gdtr) == AP_PARAM_GDTR, "gdtr");
_Static_assert(__builtin_offsetof(struct ap_boot_params, idtr) == AP_PARAM_IDTR, "idtr");

extern const char ap_trampoline[], ap_trampoline_end[];
__attribute__((noreturn)) void ap_main(unsigned int cpu);

static uint8_t ap_stacks[GUEST_MAX_CPUS - 1][AP_STACK_SIZE] __attribute__((aligned(16)));
static void (*ap_fn[GUEST_MAX_CPUS])(unsigned int cpu);
static bool ap_reported[GUEST_MAX_CPUS];
static unsigned int nr_cpus = 1;

/* The BSP runs on entry.S's stack, AP n on ap_stacks[n - 1]. */
unsigned int this_cpu_index(void)
{
	uintptr_t sp, base = (uintptr_t)ap_stacks;

	asm volatile("mov %%rsp, %0" : "=r"(sp));
	if (sp < base || sp >= base + sizeof(ap_stacks))
		return 0;
	return 1 + (sp - base) / AP_STACK_SIZE;
}

/* Called by ap_boot.S in long mode, on the AP's stack */
void ap_main(unsigned int cpu)
{
	traps_cpu_reset(cpu); /* a restarted AP left its old catches behind */
	apic_base_forget();   /* and the APIC mode the INIT reset (SDM 11.4.7.3) */
	__atomic_store_n(&ap_reported[cpu], true, __ATOMIC_RELEASE);
	ap_fn[cpu](cpu);
	for (;;) {
		sti();
		hlt();
	}
}

static bool ap_has_reported(unsigned int cpu)
{
	return __atomic_load_n(&ap_reported[cpu], __ATOMIC_ACQUIRE);
}

static void copy_trampoline(void)
{
	volatile char *dst = (volatile char *)AP_TRAMPOLINE;

	for (const char *src = ap_trampoline; src < ap_trampoline_end; src++)
		*dst++ = *src;
}

static void ap_boot_prepare(unsigned int cpu, void (*fn)(unsigned int cpu))
{
	struct ap_boot_params *p = (struct ap_boot_params *)AP_PARAMS;
	uint64_t cr3;

	copy_trampoline();
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	asm volatile("sgdt %0" : "=m"(p->gdtr));
	asm volatile("sidt %0" : "=m"(p->idtr));
	p->cr3 = cr3;
	p->stack = (uint64_t)ap_stacks[cpu - 1] + AP_STACK_SIZE;
	p->cpu = cpu;
	ap_fn[cpu] = fn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static bool ap_wait_report(unsigned int cpu, uint64_t us)
{
	uint64_t end = tsc_after_us(us);

	while (!ap_has_reported(cpu)) {
		if (rdtsc() >= end)
			return false;
		asm volatile("pause");
	}
	return true;
}

/*
 * Intel SDM vol. 3, 9.4.4.1: INIT, 10 ms, SIPI, 200 us, and a second SIPI
 * for a processor that missed the first (one that has started ignores it).
 * The first SIPI always goes: a report before it came from what ran on the
 * CPU before the INIT (a restarted AP's old code).
 */
static int start_ap(unsigned int cpu, uint32_t apic_id, void (*fn)(unsigned int cpu))
{
	uint32_t sipi = APIC_DM_STARTUP | (AP_TRAMPOLINE >> 12);

	ap_boot_prepare(cpu, fn);
	if (apic_send_ipi(apic_id, APIC_DM_INIT | APIC_LEVEL_ASSERT))
		return -1;
	udelay(INIT_DELAY_US);
	__atomic_store_n(&ap_reported[cpu], false, __ATOMIC_RELEASE);
	for (int i = 0; i < 2 && (i == 0 || !ap_has_reported(cpu)); i++) {
		if (apic_send_ipi(apic_id, sipi))
			return -1;
		udelay(SIPI_DELAY_US);
	}
	return ap_wait_report(cpu, REPORT_TIMEOUT_US) ? 0 : -1;
}

int smp_start_ap(uint32_t apic_id, void (*fn)(unsigned int cpu))
{
	unsigned int cpu = nr_cpus;

	if (cpu >= GUEST_MAX_CPUS || start_ap(cpu, apic_id, fn))
		return -1;
	nr_cpus++;
	return 0;
}

/* The same CPU index and stack as before: whatever the AP ran there is abandoned. */
int smp_restart_ap(unsigned int cpu, uint32_t apic_id, void (*fn)(unsigned int cpu))
{
	if (cpu == 0 || cpu >= nr_cpus)
		return -1;
	return start_ap(cpu, apic_id, fn);
}

static void (*volatile call_fn)(void);
static volatile bool call_done;

/* On the called CPU: the EOI first, in the APIC mode the call came in (fn may switch it). */
static void smp_call_handler(uint8_t vector)
{
	(void)vector;
	apic_eoi();
	call_fn();
	call_done = true;
}

bool smp_call(uint32_t apic_id, void (*fn)(void), uint64_t timeout_us)
{
	uint64_t end = tsc_after_us(timeout_us);

	irq_set_handler(SMP_CALL_VECTOR, smp_call_handler);
	call_fn = fn;
	call_done = false;
	if (apic_send_ipi(apic_id, APIC_DM_FIXED | SMP_CALL_VECTOR))
		return false;
	sti();
	while (!call_done && rdtsc() < end)
		asm volatile("pause");
	cli();
	return call_done;
}
