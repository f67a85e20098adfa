/*
 * The hypervisor's own integrity, checked rather than assumed: its code and read-only
 * data against a copy taken at boot, a canary zone at the bottom of every stack (and
 * how deep each stack went), and a guard frame after each guest's memory, where a
 * hypervisor write that overran a guest's RAM would land.
 */
#ifndef HV_HOST_INTEGRITY_H
#define HV_HOST_INTEGRITY_H

#include "lib/types.h"

struct integrity_report {
	size_t image_bytes;     /* text and read-only data compared */
	size_t image_changed;   /* of which differ from the boot copy */
	unsigned int stacks;
	unsigned int stacks_overrun; /* canary zone touched */
	size_t deepest_use;     /* bytes, the most any stack used */
	unsigned int guards;
	size_t guard_changed;   /* bytes of guard frames no longer the pattern */
	bool copy_missing;      /* no memory for the boot copy */
};

/* At boot, with the frame allocator up: the copy, and the boot CPU's stack painted. */
void integrity_init(void);
/* Paints a stack not in use yet (an AP's, an IST stack) and remembers it. */
void integrity_add_stack(uintptr_t bottom, uintptr_t top);
/* Fills the frame at pa with the guard pattern and remembers it. */
void integrity_add_guard(paddr_t pa);

void integrity_check(struct integrity_report *r);
/* The debug shell's test (test-panic=on): a byte of the first guard frame changed. */
bool integrity_corrupt_guard(void);
/* Checks and logs the result; true if nothing changed. */
bool integrity_report_log(void);

#endif
