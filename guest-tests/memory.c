/*
 * Guest RAM: every byte above the program's image, up to the end of RAM the
 * loader reported, keeps what was written to it. With "touch-beyond", the
 * guest then reads one byte just past RAM: given unbacked=crash, the
 * hypervisor must end it for that.
 */
#include "guest-tests/lib/guest.h"

#define MAPPED_END      (4UL << 30) /* entry.S maps the first 4 GiB */
#define MAX_PIECES      64
#define MAX_BAD_REPORTS 4

static struct mem_range pieces[MAX_PIECES];
static unsigned int nr_pieces;

static void add_piece(uint64_t start, uint64_t end)
{
	start = (start + 7) & ~7UL;
	end &= ~7UL;
	if (start >= end || nr_pieces == MAX_PIECES)
		return;
	pieces[nr_pieces++] = (struct mem_range){ start, end };
	guest_printf("memory: testing 0x%lx-0x%lx\n", start, end);
}

/* The lowest range of the loader's data (info, strings, modules) that overlaps [start, end). */
static const struct mem_range *first_loader_data_in(uint64_t start, uint64_t end)
{
	const struct mem_range *first = NULL;

	for (unsigned int i = 0; i < boot.nr_loader_data; i++) {
		const struct mem_range *r = &boot.loader_data[i];

		if (r->start < end && r->end > start && (!first || r->start < first->start))
			first = r;
	}
	return first;
}

/* Splits [start, end) around the loader's data into pieces to test. */
static void split_around_loader_data(uint64_t start, uint64_t end)
{
	const struct mem_range *k;

	while (start < end && (k = first_loader_data_in(start, end))) {
		add_piece(start, k->start);
		start = k->end;
	}
	add_piece(start, end);
}

/* The RAM above the image (which holds the stack), as far as it is mapped. */
static void find_pieces(void)
{
	uint64_t above = (uintptr_t)guest_image_end;

	for (unsigned int i = 0; i < boot.nr_ram; i++) {
		uint64_t start = boot.ram[i].start, end = boot.ram[i].end;

		if (start < above)
			start = above;
		if (end > MAPPED_END)
			end = MAPPED_END;
		if (start < end)
			split_around_loader_data(start, end);
	}
}

/* A value unique to each address, so that aliased or shifted memory shows. */
static uint64_t pattern(uint64_t addr)
{
	return (addr * 0x9e3779b97f4a7c15UL) ^ 0x5a5aa5a5c3c33c3cUL;
}

static uint64_t fill(const struct mem_range *r)
{
	for (uint64_t a = r->start; a < r->end; a += 8)
		*(volatile uint64_t *)a = pattern(a);
	return r->end - r->start;
}

/* Returns the number of wrong words; reports the first few. */
static uint64_t verify(const struct mem_range *r, uint64_t bad_so_far)
{
	uint64_t bad = 0;

	for (uint64_t a = r->start; a < r->end; a += 8) {
		uint64_t v = *(volatile uint64_t *)a;

		if (v != pattern(a) && bad_so_far + bad++ < MAX_BAD_REPORTS)
			guest_printf("memory: 0x%lx reads 0x%lx, 0x%lx was written\n",
				     a, v, pattern(a));
	}
	return bad;
}

static void test_pattern(void)
{
	uint64_t bytes = 0, bad = 0;

	find_pieces();
	for (unsigned int i = 0; i < nr_pieces; i++)
		bytes += fill(&pieces[i]);
	for (unsigned int i = 0; i < nr_pieces; i++)
		bad += verify(&pieces[i], bad);
	guest_printf("memory: %lu KiB tested\n", bytes >> 10);
	check("memory-pattern", bytes && !bad, "%lu KiB tested, %lu words wrong",
	      bytes >> 10, bad);
}

/* Under the hypervisor, this read ends the guest with a crash report. */
static void touch_beyond(void)
{
	volatile uint8_t *past = (volatile uint8_t *)boot.ram_end;

	guest_printf("touching 0x%lx (just past RAM)\n", boot.ram_end);
	(void)*past;
	guest_printf("FAIL touch-beyond: read past RAM returned\n");
	guest_exit(1);
}

void test_main(const char *cmdline)
{
	test_pattern();
	if (cmdline_has(cmdline, "touch-beyond"))
		touch_beyond();
}
