/* The hypervisor's integrity checks: the image copy, stack canaries, guard frames. */
#include "host/integrity.h"
#include "mm/frames.h"
#include "console/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "lib/x86.h"

#define STACK_PAINT    0x5354414b5354414bULL /* "KATSKATS": a stack word never used */
#define GUARD_PAINT    0x4452415544524155ULL /* "UARDUARD": a guard frame's word */
#define CANARY_BYTES   512     /* the bottom of each stack, which use must never reach */
#define BSP_MARGIN     256     /* left unpainted below the boot CPU's stack pointer */
#define MAX_STACKS     256
#define MAX_GUARDS     64

struct stack_range {
	uint64_t *bottom;
	uint64_t *top;
};

extern char _image_start[], _ro_end[], boot_stack_bottom[], boot_stack_top[];

static const uint8_t *image_copy;
static struct stack_range stacks[MAX_STACKS];
static unsigned int nr_stacks;
static paddr_t guards[MAX_GUARDS];
static unsigned int nr_guards;
static struct spinlock integrity_lock = SPINLOCK_INIT;

static void paint(uint64_t *from, uint64_t *to, uint64_t pattern)
{
	for (uint64_t *w = from; w < to; w++)
		*w = pattern;
}

static void copy_image(void)
{
	size_t bytes = _ro_end - _image_start;
	paddr_t pa = frames_alloc(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE, 1, FRAMES_NO_LIMIT);

	if (!pa) {
		log_warn("integrity: no memory for a copy of the image, it goes unchecked");
		return;
	}
	memcpy(phys_to_virt(pa), _image_start, bytes);
	image_copy = phys_to_virt(pa);
}

void integrity_init(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0) - BSP_MARGIN;

	copy_image();
	paint((uint64_t *)boot_stack_bottom, (uint64_t *)ALIGN_DOWN(sp, 8), STACK_PAINT);
	stacks[nr_stacks++] = (struct stack_range){ (uint64_t *)boot_stack_bottom,
						    (uint64_t *)boot_stack_top };
}

void integrity_add_stack(uintptr_t bottom, uintptr_t top)
{
	spin_lock(&integrity_lock);
	if (nr_stacks < MAX_STACKS) {
		paint((uint64_t *)bottom, (uint64_t *)top, STACK_PAINT);
		stacks[nr_stacks++] = (struct stack_range){ (uint64_t *)bottom, (uint64_t *)top };
	}
	spin_unlock(&integrity_lock);
}

void integrity_add_guard(paddr_t pa)
{
	spin_lock(&integrity_lock);
	if (nr_guards < MAX_GUARDS) {
		paint(phys_to_virt(pa), phys_to_virt(pa + PAGE_SIZE), GUARD_PAINT);
		guards[nr_guards++] = pa;
	}
	spin_unlock(&integrity_lock);
}

/* For the debug shell's test: one byte of the first guard frame changed. */
bool integrity_corrupt_guard(void)
{
	if (!nr_guards)
		return false;
	*(volatile uint8_t *)phys_to_virt(guards[0] + 100) ^= 0x5a;
	return true;
}

static size_t count_changed_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t changed = 0;

	for (size_t i = 0; i < n; i++)
		changed += a[i] != b[i];
	return changed;
}

static size_t count_unpainted_bytes(const uint64_t *from, const uint64_t *to, uint64_t pattern)
{
	size_t changed = 0;

	for (const uint64_t *w = from; w < to; w++)
		changed += count_changed_bytes((const uint8_t *)w, (const uint8_t *)&pattern, 8);
	return changed;
}

/* How many bytes of the stack were used: from its top down to the deepest word written. */
static size_t stack_use(const struct stack_range *s)
{
	const uint64_t *w = s->bottom;

	while (w < s->top && *w == STACK_PAINT)
		w++;
	return (s->top - w) * sizeof(*w);
}

static void check_stacks(struct integrity_report *r)
{
	for (unsigned int i = 0; i < nr_stacks; i++) {
		const struct stack_range *s = &stacks[i];
		size_t size = (s->top - s->bottom) * sizeof(uint64_t);
		size_t use = stack_use(s);

		r->deepest_use = MAX(r->deepest_use, use);
		r->stacks_overrun += use > size - CANARY_BYTES;
	}
	r->stacks = nr_stacks;
}

void integrity_check(struct integrity_report *r)
{
	*r = (struct integrity_report){ .copy_missing = !image_copy };
	spin_lock(&integrity_lock);
	if (image_copy) {
		r->image_bytes = _ro_end - _image_start;
		r->image_changed = count_changed_bytes(image_copy, (const uint8_t *)_image_start,
						       r->image_bytes);
	}
	check_stacks(r);
	for (unsigned int i = 0; i < nr_guards; i++)
		r->guard_changed += count_unpainted_bytes(phys_to_virt(guards[i]),
							  phys_to_virt(guards[i] + PAGE_SIZE),
							  GUARD_PAINT);
	r->guards = nr_guards;
	spin_unlock(&integrity_lock);
}

bool integrity_report_log(void)
{
	struct integrity_report r;
	bool ok;

	integrity_check(&r);
	ok = !r.image_changed && !r.stacks_overrun && !r.guard_changed && !r.copy_missing;
	hv_log(ok ? LOG_INFO : LOG_ERR,
	       "integrity: %s: text+rodata %lu of %lu bytes changed, %u stacks with %u canaries "
	       "reached (deepest use %lu bytes), %lu bytes changed in %u guard frames",
	       ok ? "intact" : "VIOLATED", r.image_changed, r.image_bytes, r.stacks,
	       r.stacks_overrun, r.deepest_use, r.guard_changed, r.guards);
	return ok;
}
