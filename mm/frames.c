/* Bitmap frame allocator: a set bit is a frame in use or not RAM at all. */
#include "mm/frames.h"
#include "lib/spinlock.h"
#include "lib/string.h"

struct frame_bitmap {
	uint64_t *bits;
	size_t nr_frames;
	size_t total;
	size_t free;
};

#define LOW_MEMORY_FRAMES (1 * MiB / PAGE_SIZE)

static struct frame_bitmap fb;
static struct spinlock frames_lock = SPINLOCK_INIT;

static bool frame_used(size_t f) { return fb.bits[f / 64] & BIT(f % 64); }

static void mark(size_t first, size_t count, bool used)
{
	for (size_t f = first; f < first + count; f++) {
		if (used)
			fb.bits[f / 64] |= BIT(f % 64);
		else
			fb.bits[f / 64] &= ~BIT(f % 64);
	}
	if (used)
		fb.free -= count;
	else
		fb.free += count;
}

/* The bitmap goes at the start of the first free range above 1 MiB that holds it. */
static paddr_t place_bitmap(const struct phys_range *free, unsigned int nr, size_t bytes)
{
	for (unsigned int i = 0; i < nr; i++) {
		paddr_t start = MAX(free[i].start, 1 * MiB);
		if (start + bytes <= free[i].end && start + bytes <= 4 * GiB)
			return start;
	}
	return 0;
}

bool frames_init(const struct phys_range *free, unsigned int nr_free)
{
	if (!nr_free)
		return false;
	size_t nr_frames = free[nr_free - 1].end >> PAGE_SHIFT;
	size_t bytes = ALIGN_UP(ALIGN_UP(nr_frames, 64) / 8, PAGE_SIZE);
	paddr_t home = place_bitmap(free, nr_free, bytes);
	if (!home)
		return false;
	fb = (struct frame_bitmap){ phys_to_virt(home), nr_frames, 0, 0 };
	memset(fb.bits, 0xff, bytes);
	for (unsigned int i = 0; i < nr_free; i++) {
		size_t first = free[i].start >> PAGE_SHIFT;
		size_t count = (free[i].end - free[i].start) >> PAGE_SHIFT;
		mark(first, count, false);
		fb.total += count;
	}
	mark(home >> PAGE_SHIFT, bytes >> PAGE_SHIFT, true);
	return true;
}

static bool run_is_free(size_t first, size_t count)
{
	for (size_t f = first; f < first + count; f++)
		if (frame_used(f))
			return false;
	return true;
}

/* First fit from first (never frame 0, so that 0 can mean failure). */
static size_t find_run(size_t first, size_t count, size_t align, size_t limit_frames)
{
	for (size_t f = ALIGN_UP(MAX(first, align), align); f + count <= limit_frames; f += align) {
		if (fb.bits[f / 64] == ~0ULL && align < 64) {
			f = ALIGN_UP(f + 1, 64) - align;
			continue;
		}
		if (run_is_free(f, count))
			return f;
	}
	return 0;
}

paddr_t frames_alloc(size_t count, size_t align_frames, paddr_t limit)
{
	size_t limit_frames = MIN(fb.nr_frames, (size_t)(limit >> PAGE_SHIFT));
	uint64_t flags;
	size_t f;

	if (!count || !align_frames || (align_frames & (align_frames - 1)))
		return 0;
	flags = spin_lock_irqsave(&frames_lock);
	/* Memory below 1 MiB is scarce and only the AP trampoline needs it. */
	f = find_run(LOW_MEMORY_FRAMES, count, align_frames, limit_frames);
	if (!f)
		f = find_run(1, count, align_frames, limit_frames);
	if (f)
		mark(f, count, true);
	spin_unlock_irqrestore(&frames_lock, flags);
	return (paddr_t)f << PAGE_SHIFT;
}

paddr_t frames_alloc_zeroed(size_t count, size_t align_frames, paddr_t limit)
{
	paddr_t pa = frames_alloc(count, align_frames, limit);

	if (pa)
		memset(phys_to_virt(pa), 0, count * PAGE_SIZE);
	return pa;
}

void frames_free(paddr_t pa, size_t count)
{
	uint64_t flags = spin_lock_irqsave(&frames_lock);

	mark(pa >> PAGE_SHIFT, count, false);
	spin_unlock_irqrestore(&frames_lock, flags);
}

void frames_stats(size_t *total, size_t *free)
{
	*total = fb.total;
	*free = fb.free;
}
