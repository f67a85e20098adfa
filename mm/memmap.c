/* Free-range computation over the firmware memory map: pure logic. */
#include "mm/memmap.h"
#include "loader/multiboot2.h"

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

/* Adds [start, end) to a set of ranges that may overlap it: merged, not repeated. */
static void set_union(struct range_set *s, paddr_t start, paddr_t end)
{
	for (unsigned int i = 0; i < s->n && start < end; i++) {
		if (end < s->r[i].start || start > s->r[i].end)
			continue;
		s->r[i].start = MIN(s->r[i].start, start);
		s->r[i].end = MAX(s->r[i].end, end);
		return;
	}
	set_add(s, start, end);
}

static void set_compact(struct range_set *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->n; i++)
		if (s->r[i].start < s->r[i].end)
			s->r[n++] = s->r[i];
	s->n = n;
}

/*
 * Removes [start, end) from every range of the set. A range cut in two
 * takes a new slot only when both pieces are non-empty.
 */
static void set_subtract(struct range_set *s, paddr_t start, paddr_t end)
{
	unsigned int n = s->n;

	for (unsigned int i = 0; i < n; i++) {
		struct phys_range r = s->r[i];
		struct phys_range right = { MAX(end, r.start), r.end };
		if (end <= r.start || start >= r.end)
			continue;
		s->r[i].end = MAX(r.start, start);
		if (s->r[i].start == s->r[i].end)
			s->r[i] = right;
		else
			set_add(s, right.start, right.end);
	}
	set_compact(s);
}

static void set_sort_and_merge(struct range_set *s)
{
	unsigned int n = 0;

	for (unsigned int i = 1; i < s->n; i++)
		for (unsigned int j = i; j > 0 && s->r[j - 1].start > s->r[j].start; j--) {
			struct phys_range t = s->r[j];
			s->r[j] = s->r[j - 1];
			s->r[j - 1] = t;
		}
	for (unsigned int i = 0; i < s->n; i++) {
		if (n && s->r[i].start <= s->r[n - 1].end)
			s->r[n - 1].end = MAX(s->r[n - 1].end, s->r[i].end);
		else
			s->r[n++] = s->r[i];
	}
	s->n = n;
}

/* Page-aligned inwards (shrink) or outwards (grow), without wrapping at 2^64. */
static struct phys_range page_range(paddr_t base, uint64_t length, bool grow)
{
	paddr_t end = base + length; /* the parser refused wrapping ranges */
	paddr_t last_page = ALIGN_DOWN(~0UL, PAGE_SIZE);

	if (grow)
		return (struct phys_range){ ALIGN_DOWN(base, PAGE_SIZE),
					    end > last_page ? last_page : ALIGN_UP(end, PAGE_SIZE) };
	if (base > last_page)
		return (struct phys_range){ 0, 0 };
	return (struct phys_range){ ALIGN_UP(base, PAGE_SIZE), ALIGN_DOWN(end, PAGE_SIZE) };
}

unsigned int memmap_free_ranges(const struct mem_range *map, unsigned int nr_map,
				const struct phys_range *excl, unsigned int nr_excl,
				struct phys_range *out, unsigned int max_out, bool *lost)
{
	struct range_set s = { out, 0, max_out, false };
	struct phys_range r;

	for (unsigned int i = 0; i < nr_map; i++) {
		if (map[i].type != MB2_MMAP_AVAILABLE)
			continue;
		r = page_range(map[i].base, map[i].length, false);
		set_union(&s, r.start, r.end);
	}
	set_sort_and_merge(&s);
	for (unsigned int i = 0; i < nr_map; i++) {
		if (map[i].type == MB2_MMAP_AVAILABLE)
			continue;
		r = page_range(map[i].base, map[i].length, true);
		set_subtract(&s, r.start, r.end);
	}
	for (unsigned int i = 0; i < nr_excl; i++) {
		r = page_range(excl[i].start, excl[i].end - excl[i].start, true);
		set_subtract(&s, r.start, r.end);
	}
	set_sort_and_merge(&s);
	*lost = s.lost;
	return s.n;
}

paddr_t memmap_top(const struct mem_range *map, unsigned int nr_map)
{
	paddr_t top = 0;

	for (unsigned int i = 0; i < nr_map; i++)
		top = MAX(top, map[i].base + map[i].length);
	return top;
}
