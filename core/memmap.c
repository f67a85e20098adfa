/* Free-range computation over the firmware memory map: pure logic. */
#include "core/memmap.h"
#include "boot/multiboot2.h"

struct range_set {
	struct phys_range *r;
	unsigned int n, max;
	bool lost;
};

static void set_add(struct range_set *s, paddr_t start, paddr_t end)
{
	if (start >= end)
		return;
	if (s->n == s->max) {
		s->lost = true;
		return;
	}
	s->r[s->n++] = (struct phys_range){ start, end };
}

/* Removes [start, end) from every range of the set, splitting where needed. */
static void set_subtract(struct range_set *s, paddr_t start, paddr_t end)
{
	unsigned int n = s->n;

	for (unsigned int i = 0; i < n; i++) {
		struct phys_range r = s->r[i];
		if (end <= r.start || start >= r.end)
			continue;
		s->r[i].end = MAX(r.start, MIN(start, r.end));
		set_add(s, MAX(end, r.start), r.end);
	}
}

static void set_compact_and_sort(struct range_set *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->n; i++)
		if (s->r[i].start < s->r[i].end)
			s->r[n++] = s->r[i];
	s->n = n;
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && s->r[j - 1].start > s->r[j].start; j--) {
			struct phys_range t = s->r[j];
			s->r[j] = s->r[j - 1];
			s->r[j - 1] = t;
		}
}

unsigned int memmap_free_ranges(const struct mem_range *map, unsigned int nr_map,
				const struct phys_range *excl, unsigned int nr_excl,
				struct phys_range *out, unsigned int max_out, bool *lost)
{
	struct range_set s = { out, 0, max_out, false };

	for (unsigned int i = 0; i < nr_map; i++)
		if (map[i].type == MB2_MMAP_AVAILABLE)
			set_add(&s, ALIGN_UP(map[i].base, PAGE_SIZE),
				ALIGN_DOWN(map[i].base + map[i].length, PAGE_SIZE));
	for (unsigned int i = 0; i < nr_map; i++)
		if (map[i].type != MB2_MMAP_AVAILABLE)
			set_subtract(&s, ALIGN_DOWN(map[i].base, PAGE_SIZE),
				     ALIGN_UP(map[i].base + map[i].length, PAGE_SIZE));
	for (unsigned int i = 0; i < nr_excl; i++)
		set_subtract(&s, ALIGN_DOWN(excl[i].start, PAGE_SIZE),
			     ALIGN_UP(excl[i].end, PAGE_SIZE));
	set_compact_and_sort(&s);
	/* Overlapping available entries must not hand out a frame twice. */
	unsigned int n = 0;
	for (unsigned int i = 0; i < s.n; i++) {
		if (n && out[i].start <= out[n - 1].end)
			out[n - 1].end = MAX(out[n - 1].end, out[i].end);
		else
			out[n++] = out[i];
	}
	*lost = s.lost;
	return n;
}

paddr_t memmap_top(const struct mem_range *map, unsigned int nr_map)
{
	paddr_t top = 0;

	for (unsigned int i = 0; i < nr_map; i++)
		top = MAX(top, map[i].base + map[i].length);
	return top;
}
