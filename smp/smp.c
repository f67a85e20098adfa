/*
 * AP start-up, Intel SDM vol. 3, 9.4.4.1 (the universal start-up algorithm):
 * INIT, 10 ms, SIPI, 200 us, a second SIPI only if the AP has not answered.
 */
#include "smp/smp.h"
#include "smp/trampoline.h"
#include "mm/frames.h"
#include "host/lapic.h"
#include "console/log.h"
#include "mm/paging.h"
#include "host/percpu.h"
#include "host/cpu_features.h"
#include "lib/string.h"
#include "host/tsc.h"
#include "lib/x86.h"

#define AP_ANSWER_TIMEOUT_US 500000
#define AP_ONLINE_TIMEOUT_US 2000000

__noreturn void ap_main(struct percpu *p);

static smp_ap_continue_t ap_continue;

static struct trampoline_params *trampoline_install(paddr_t page)
{
	char *base = phys_to_virt(page);
	struct trampoline_params *tp;

	memcpy(base, trampoline_start, trampoline_end - trampoline_start);
	tp = (void *)(base + (trampoline_params - trampoline_start));
	*tp = (struct trampoline_params){
		.gdt_limit = TRAMPOLINE_GDT_SIZE - 1,
		.gdt_base = (uint32_t)(page + (trampoline_gdt - trampoline_start)),
		.pm32_entry = (uint32_t)(page + (trampoline_pm32 - trampoline_start)),
		.pm32_sel = TRAMPOLINE_SEL_CODE32,
		.lm_entry = (uint32_t)(uintptr_t)ap_entry64,
		.lm_sel = TRAMPOLINE_SEL_CODE64,
		.cr3 = (uint32_t)paging_root(),
		.efer = (uint32_t)(EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE)),
	};
	return tp;
}

static struct percpu *percpu_alloc(unsigned int index, uint32_t apic_id)
{
	size_t area = ALIGN_UP(sizeof(struct percpu), PAGE_SIZE);
	size_t pages = (area + CPU_STACK_SIZE) / PAGE_SIZE;
	paddr_t pa = frames_alloc_zeroed(pages, 1, 4 * GiB);
	struct percpu *p = phys_to_virt(pa);

	if (!pa)
		return NULL;
	p->index = index;
	p->apic_id = apic_id;
	p->stack_bottom = (uintptr_t)p + area;
	p->stack_top = p->stack_bottom + CPU_STACK_SIZE;
	percpu_watch_stacks(p, true);
	return p;
}

static bool wait_for(volatile bool *flag, uint64_t us)
{
	uint64_t deadline = tsc_deadline_us(us);

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		if (tsc_expired(deadline))
			return false;
	return true;
}

static bool start_ap(struct percpu *p, paddr_t page)
{
	uint8_t vector = (uint8_t)(page >> PAGE_SHIFT);

	if (!lapic_send_init(p->apic_id))
		return false;
	udelay(10000);
	for (int sipi = 0; sipi < 2; sipi++) {
		if (!lapic_send_sipi(p->apic_id, vector))
			return false;
		udelay(200);
		if (p->started)
			return true;
	}
	return wait_for(&p->started, AP_ANSWER_TIMEOUT_US);
}

static bool start_one(const struct acpi_cpu *c, unsigned int index,
		      struct trampoline_params *tp, paddr_t page)
{
	struct percpu *p = percpu_alloc(index, c->apic_id);

	if (!p) {
		log_err("smp: no memory for cpu %u (apic id %u)", index, c->apic_id);
		return false;
	}
	tp->stack = (uint32_t)p->stack_top;
	tp->arg = (uint32_t)(uintptr_t)p;
	if (start_ap(p, page))
		return true;
	log_err("smp: cpu %u (apic id %u) did not answer INIT-SIPI-SIPI, left offline",
		index, c->apic_id);
	/* Park it, so that a late start cannot run on the next AP's parameters;
	 * its memory stays allocated in case it already wrote to its stack. */
	lapic_send_init(c->apic_id);
	return false;
}

static void wait_online(unsigned int nr_started)
{
	for (unsigned int i = 1; i <= nr_started; i++)
		if (cpus[i] && !wait_for(&cpus[i]->online, AP_ONLINE_TIMEOUT_US))
			log_err("smp: cpu %u started but did not finish its set-up", i);
}

unsigned int smp_start_aps(const struct acpi_info *acpi, smp_ap_continue_t cont)
{
	uint32_t bsp_id = this_cpu()->apic_id;
	paddr_t page = frames_alloc(1, 1, 1 * MiB);
	unsigned int index = 1;

	ap_continue = cont;
	if (!page) {
		log_err("smp: no free page below 1 MiB for the AP trampoline; running on one cpu");
		return 1;
	}
	struct trampoline_params *tp = trampoline_install(page);
	for (unsigned int i = 0; i < acpi->nr_cpus; i++) {
		if (acpi->cpus[i].apic_id == bsp_id)
			continue;
		if (index == MAX_CPUS) {
			log_warn("smp: only %u cpus are supported, apic id %u and later stay off",
				 MAX_CPUS, acpi->cpus[i].apic_id);
			break;
		}
		if (start_one(&acpi->cpus[i], index, tp, page))
			index++;
	}
	wait_online(index - 1);
	return __atomic_load_n(&nr_cpus_online, __ATOMIC_ACQUIRE);
}

void smp_check_features(void)
{
	struct cpu_features *bsp = &this_cpu()->features;
	char names[200];

	for (unsigned int i = 1; i < MAX_CPUS; i++) {
		if (!cpus[i] || !cpus[i]->online)
			continue;
		if (cpus[i]->features.vendor != bsp->vendor)
			log_warn("smp: cpu %u has another vendor than cpu 0", i);
		if (!cpu_features_diff(bsp, &cpus[i]->features, names, sizeof(names)))
			continue;
		log_warn("smp: cpu %u differs from cpu 0 in: %s; using what both have", i, names);
		bsp->present &= cpus[i]->features.present;
	}
}

__noreturn void ap_main(struct percpu *p)
{
	percpu_activate(p);
	__atomic_store_n(&p->started, true, __ATOMIC_RELEASE);
	cpu_features_detect(&p->features);
	cpu_enable_xsave();
	lapic_init();
	if (lapic_id() != p->apic_id)
		log_warn("smp: cpu %u has apic id %u, the MADT said %u", p->index, lapic_id(),
			 p->apic_id);
	__atomic_fetch_add(&nr_cpus_online, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
	ap_continue();
}
