/* Per-CPU areas: the BSP's is static, the APs' come from the frame allocator. */
#include "core/percpu.h"
#include "core/x86.h"

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
