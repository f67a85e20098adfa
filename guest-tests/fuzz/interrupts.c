/*
 * Every interrupt vector has a handler that counts what arrives, per CPU,
 * and sends the EOI only when the vector is in service (SynIC auto-EOI
 * vectors and the spurious vector are not, SDM 11.9). NMIs are counted too.
 * A CPU that takes more than STORM_IRQS in STORM_US, or more than its run
 * limit since it last made progress (the BSP: since its main code opened
 * interrupts; the AP: since it served an SMP call), quenches its timers and
 * the I/O APIC's pins: an interrupt that comes back as soon as its handler
 * returns, or one above the SMP call's, starves that code, and a storm the
 * fuzzer armed must not stop it.
 */
#include "guest-tests/fuzz/fuzz.h"

#define STORM_IRQS     32
#define STORM_US       2000
#define STORM_RUN_BSP  256
#define STORM_RUN_AP   64
#define IOAPIC_BASE    0xfec00000UL
#define IOAPIC_PINS    24
#define RTE_MASKED     (1U << 16)

static volatile uint32_t seen[NR_VPS][256];
static volatile uint32_t nmis[NR_VPS];
static uint64_t total;
static struct {
	uint64_t start;
	unsigned int count, run;
} storm[NR_VPS];
static volatile unsigned long quenched;

static void ioapic_mask_all(void)
{
	volatile uint32_t *sel = (volatile uint32_t *)IOAPIC_BASE;
	volatile uint32_t *win = (volatile uint32_t *)(IOAPIC_BASE + 0x10);

	for (unsigned int pin = 0; pin < IOAPIC_PINS; pin++) {
		*sel = 0x10 + 2 * pin;
		*win = RTE_MASKED;
	}
}

/*
 * On this CPU: the APIC timer, the TSC deadline and the four synthetic
 * timers off; on the BSP the I/O APIC's pins masked too (the BSP's handlers
 * run only while its main code, the one user of IOREGSEL, waits).
 */
void quench(void)
{
	uint32_t lvt = apic_read(APIC_LVT_TIMER);

	apic_write(APIC_LVT_TIMER, (lvt & ~APIC_LVT_TIMER_DEADLINE) | APIC_LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0);
	for (unsigned int n = 0; n < 4; n++)
		wrmsr_safe(HV_MSR_STIMER_CONFIG(n), 0);
	if (this_cpu_index() == 0)
		ioapic_mask_all();
	__atomic_fetch_add(&quenched, 1, __ATOMIC_RELAXED);
}

static void storm_guard(unsigned int cpu)
{
	uint64_t now = rdtsc();

	if (now - storm[cpu].start > (uint64_t)tsc_khz() * STORM_US / 1000) {
		storm[cpu].start = now;
		storm[cpu].count = 0;
	}
	if (++storm[cpu].count > STORM_IRQS ||
	    ++storm[cpu].run > (cpu == BSP ? STORM_RUN_BSP : STORM_RUN_AP)) {
		storm[cpu].count = storm[cpu].run = 0;
		quench();
	}
}

static void count_irq(uint8_t vector)
{
	unsigned int cpu = this_cpu_index() ? AP : BSP;

	seen[cpu][vector]++;
	__atomic_fetch_add(&total, 1, __ATOMIC_RELAXED);
	if (apic_isr_in_service(vector))
		apic_eoi();
	storm_guard(cpu);
}

static void count_nmi(void)
{
	nmis[this_cpu_index() ? AP : BSP]++;
}

void irq_setup(void)
{
	for (unsigned int v = 32; v < 256; v++)
		if (!deny_ipi_vector((uint8_t)v))
			irq_set_handler((uint8_t)v, count_irq);
	nmi_set_handler(count_nmi);
}

/* The BSP's main code opens interrupts: a new run of them begins. */
static void new_run(void)
{
	storm[BSP].run = 0;
}

void irq_ap_progress(void)
{
	storm[AP].run = 0;
}

void irq_window(void)
{
	new_run();
	asm volatile("sti; nop; cli" ::: "memory");
}

uint32_t irq_seen(unsigned int cpu, uint8_t vector) { return seen[cpu][vector]; }
uint32_t nmi_seen(unsigned int cpu) { return nmis[cpu]; }
uint64_t irq_total(void) { return __atomic_load_n(&total, __ATOMIC_RELAXED); }
unsigned long quench_count(void) { return quenched; }

static bool wait_for(volatile uint32_t *counter, uint32_t before, uint64_t us)
{
	uint64_t end = tsc_after_us(us);

	new_run();
	sti();
	while (*counter == before && rdtsc() < end)
		asm volatile("pause");
	cli();
	return *counter != before;
}

void irq_pause(uint64_t us)
{
	new_run();
	sti();
	udelay(us);
	cli();
}

bool irq_wait(unsigned int cpu, uint8_t vector, uint32_t before, uint64_t us)
{
	return wait_for(&seen[cpu][vector], before, us);
}

bool nmi_wait(unsigned int cpu, uint32_t before, uint64_t us)
{
	return wait_for(&nmis[cpu], before, us);
}
