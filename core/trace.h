/*
 * The last exits of a vCPU, always on: a ring of TRACE_LEN entries written
 * with a few stores per exit, read by the debug shell (`trace`) and crash
 * reports. Only the vCPU's own CPU writes it.
 */
#ifndef HV_CORE_TRACE_H
#define HV_CORE_TRACE_H

#include "core/exit.h"

#define TRACE_LEN 64

struct trace_entry {
	uint64_t rip;
	uint64_t qualification; /* the hardware's exit information (EXITINFO1, qualification) */
	uint32_t hw_reason;
	uint8_t reason;         /* enum exit_reason */
};

struct vcpu_trace {
	struct trace_entry e[TRACE_LEN];
	uint64_t count; /* exits recorded; entry i is at (count - 1 - i) % TRACE_LEN, newest first */
};

static inline void trace_record(struct vcpu_trace *t, const struct exit_event *e, uint64_t rip)
{
	struct trace_entry *x = &t->e[t->count % TRACE_LEN];

	x->rip = rip;
	x->qualification = e->hw_info1;
	x->hw_reason = (uint32_t)e->hw_reason;
	x->reason = (uint8_t)e->reason;
	t->count++;
}

/* The i-th newest exit (0: the last), or NULL past what was recorded. */
static inline const struct trace_entry *trace_get(const struct vcpu_trace *t, unsigned int i)
{
	if (i >= TRACE_LEN || i >= t->count)
		return NULL;
	return &t->e[(t->count - 1 - i) % TRACE_LEN];
}

#endif
