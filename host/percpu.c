/* Per-CPU areas: the BSP's is static, the APs' come from the frame allocator. */
#include "host/percpu.h"
#include "host/integrity.h"
#include "lib/x86.h"

extern char boot_stack_bottom[], boot_stack_top[];

struct percpu *cpus[MAX_CPUS];
unsigned int nr_cpus_online;

static struct percpu bsp_area;

struct percpu *percpu_bsp(void)
{
	bsp_area.stack_bottom = (uintptr_t)boot_stack_bottom;
	bsp_area.stack_top = (uintptr_t)boot_stack_top;
	return &bsp_area;
}

void percpu_activate(struct percpu *p)
{
	p->self = p;
	wrmsr(MSR_GS_BASE, (uintptr_t)p);
	cpu_tables_load(&p->tables);
	cpus[p->index] = p;
}

/* Watches the interrupt stacks (#DF, NMI, #MC) of a CPU not taking those yet and,
 * with with_stack, its main stack too (an AP's, before the AP starts). */
void percpu_watch_stacks(struct percpu *p, bool with_stack)
{
	if (with_stack)
		integrity_add_stack(p->stack_bottom, p->stack_top);
	for (unsigned int i = 0; i < IST_COUNT; i++)
		integrity_add_stack((uintptr_t)p->tables.ist_stacks[i],
				    (uintptr_t)p->tables.ist_stacks[i] + IST_STACK_SIZE);
}
