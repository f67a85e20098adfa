/* Per-CPU data, reached through GS (GS base = the CPU's struct percpu). */
#ifndef HV_HOST_PERCPU_H
#define HV_HOST_PERCPU_H

#include "host/cpu_tables.h"
#include "host/extable.h"
#include "host/cpu_features.h"

struct vcpu;

#define MAX_CPUS 64
#define CPU_STACK_SIZE (32 * KiB)

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	unsigned int index;
	uint32_t apic_id;
	volatile bool started; /* the AP reached C code */
	volatile bool online;  /* the AP finished its set-up */
	uintptr_t stack_bottom;
	uintptr_t stack_top;
	struct cpu_features features;
	struct vcpu *vcpu;     /* the vCPU pinned here, if any */
	bool vcpu_ready;       /* the backend is enabled and the vCPU created here */
	void *backend_data;    /* the backend's per-CPU state */
	struct cpu_tables tables;
	struct host_fault last_fault; /* what the last instruction of host/extable.h raised */
};

extern struct percpu *cpus[MAX_CPUS];
extern unsigned int nr_cpus_online;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Makes p this CPU's per-CPU area: GS base, descriptor tables. */
void percpu_activate(struct percpu *p);

struct percpu *percpu_bsp(void);
void percpu_watch_stacks(struct percpu *p, bool with_stack);

#endif
