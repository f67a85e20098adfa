/* The exception table: the instructions allowed to fault, and where they resume. */
#include "host/extable.h"
#include "lib/x86.h"
#include "host/percpu.h"

extern const struct extable_entry _extable_start[], _extable_end[];

/* The exceptions that push an error code (Intel SDM vol. 3, table 6-1). */
static bool pushes_error_code(uint64_t vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ||
	       vector == 21 || vector == 29 || vector == 30;
}

/* A double fault or machine check says nothing about the instruction: never fixed up. */
bool extable_fixup(struct trap_frame *f)
{
	if (f->vector == VECTOR_DF || f->vector == VECTOR_MC)
		return false;
	for (const struct extable_entry *e = _extable_start; e < _extable_end; e++) {
		if (e->insn != f->rip)
			continue;
		this_cpu()->last_fault = (struct host_fault){
			.vector = (uint8_t)f->vector,
			.has_error_code = pushes_error_code(f->vector),
			.error_code = (uint32_t)f->error_code,
		};
		f->rip = e->fixup;
		return true;
	}
	return false;
}

struct host_fault extable_last_fault(void)
{
	return this_cpu()->last_fault;
}
