/*
 * libFuzzer target for the guest's multiboot information (loader/guest_mbi.c):
 * the protocol, the guest memory size, where the layout starts, the modules'
 * sizes and the command lines all come from the input:
 *   u8  bit 0: multiboot2 (else v1), bits 1-3: memory size, bit 4: an
 *       unknown protocol
 *   u16 where it starts: bit 15 clear: 64 KiB + (n % 512) pages, else n * 16
 *   u8  the number of modules (% 6), then a u16 per module: its size / 8
 *   the rest: NUL-separated strings, the guest's command line then the
 *       modules' ones (missing ones are NULL)
 * Guest memory is a heap block of exactly its size (ASan sees writes past it).
 * Beyond no sanitizer report: nothing is written below `at` nor into the
 * reserved 0x9fc00-0x100000 (both filled with a pattern and compared), a
 * refusal says why, and an accepted structure reads back as what was asked:
 * the multiboot2 one through the hypervisor's own parser (loader/mb2.c) without
 * a single issue, the v1 one at the offsets of the specification, with every
 * module copied where its entry says and every string terminated in memory.
 */
#include <string.h>

#include "loader/mb2.h"
#include "loader/guest_mbi.h"
#include "tests/fuzz/fuzz.h"

#define MAX_MODULES   5
#define LOW_MEM_END   0x9fc00u
#define MBI_MIN_ADDR  (64 * KiB)
#define FILL          0xcc

/* Eight, one for each value of the flags' 3 bits (the common sizes twice). */
static const uint64_t mem_sizes[] = {
	MiB, MiB + PAGE_SIZE, 2 * MiB, MiB / 2, 2 * MiB + 100, 3 * MiB, 2 * MiB, MiB,
};

static uint8_t *backing[ARRAY_SIZE(mem_sizes)];
static uint8_t module_bytes[8 * 0x10000]; /* every module's contents: a slice from 0 */

struct request {
	enum guest_boot_protocol proto;
	uint64_t at;
	uint8_t *mem;
	uint64_t mem_size;
	struct guest_module mods[MAX_MODULES];
	struct guest_boot_params params;
	char *strings; /* the NUL-terminated copy of the input's tail */
};

static uint8_t *guest_memory(unsigned int choice)
{
	if (!backing[choice])
		backing[choice] = malloc(mem_sizes[choice]);
	return backing[choice];
}

/* The next of the NUL-separated strings in [*s, end), or NULL when there is none. */
static const char *next_string(char **s, const char *end)
{
	char *str = *s;

	if (str >= end)
		return NULL;
	*s += strlen(str) + 1;
	return str;
}

static void read_request(struct fuzz_input *in, struct request *r)
{
	uint8_t flags = fuzz_u8(in), nr;
	uint16_t at = fuzz_u16(in);
	char *s, *end;

	r->proto = flags & 0x10 ? 0 : flags & 1 ? GUEST_BOOT_MULTIBOOT2 : GUEST_BOOT_MULTIBOOT1;
	r->mem_size = mem_sizes[(flags >> 1) & 7];
	r->mem = guest_memory((flags >> 1) & 7);
	r->at = at & 0x8000 ? (uint64_t)(at & 0x7fff) * 16 : MBI_MIN_ADDR + (at % 512) * PAGE_SIZE;
	nr = fuzz_u8(in) % (MAX_MODULES + 1);
	for (unsigned int i = 0; i < nr; i++)
		r->mods[i] = (struct guest_module){ module_bytes, (size_t)fuzz_u16(in) * 8, NULL };
	r->strings = malloc(in->size + 1);
	memcpy(r->strings, in->data, in->size);
	r->strings[in->size] = '\0';
	s = r->strings;
	end = s + in->size;
	r->params = (struct guest_boot_params){ next_string(&s, end), r->mem_size, r->mods, nr, 0 };
	for (unsigned int i = 0; i < nr; i++)
		r->mods[i].cmdline = next_string(&s, end);
}

/* The ranges nothing may be written to: the page below `at` and the reserved hole. */
static void guard_ranges(const struct request *r, uint64_t start[2], uint64_t end[2])
{
	start[0] = r->at >= PAGE_SIZE ? r->at - PAGE_SIZE : 0;
	end[0] = MIN(r->at, r->mem_size);
	start[1] = LOW_MEM_END;
	end[1] = MIN((uint64_t)MiB, r->mem_size);
}

static void fill_guards(const struct request *r)
{
	uint64_t start[2], end[2];

	guard_ranges(r, start, end);
	for (unsigned int i = 0; i < 2; i++)
		if (start[i] < end[i])
			memset(r->mem + start[i], FILL, end[i] - start[i]);
}

static void check_guards(const struct request *r)
{
	uint64_t start[2], end[2];

	guard_ranges(r, start, end);
	for (unsigned int i = 0; i < 2; i++) {
		const uint8_t *b = r->mem + start[i];

		if (start[i] < end[i])
			CHECK(b[0] == FILL && !memcmp(b, b + 1, end[i] - start[i] - 1));
	}
}

static uint32_t rd32(const struct request *r, uint64_t gpa)
{
	uint32_t v;

	CHECK(gpa + sizeof(v) <= r->mem_size);
	memcpy(&v, r->mem + gpa, sizeof(v));
	return v;
}

/* The string at gpa is terminated inside guest memory and reads expect (NULL: ""). */
static void check_string_at(const struct request *r, uint64_t gpa, const char *expect)
{
	CHECK(gpa < r->mem_size && memchr(r->mem + gpa, '\0', r->mem_size - gpa));
	CHECK(!strcmp((const char *)r->mem + gpa, expect ? expect : ""));
}

/* Module i lies at [start, end) and holds its bytes; returns where the next one goes. */
static uint64_t check_module(const struct request *r, unsigned int i, uint64_t start,
			     uint64_t end)
{
	const struct guest_module *m = &r->mods[i];

	CHECK(start % PAGE_SIZE == 0 && end - start == m->size && end <= r->mem_size);
	CHECK(!memcmp(r->mem + start, m->data, m->size));
	return ALIGN_UP(end, PAGE_SIZE);
}

static void check_mb2(const struct request *r, uint32_t info)
{
	static struct boot_info bi;
	const struct mem_range *last;
	uint64_t gpa = r->at;

	CHECK(info % 8 == 0 && info + rd32(r, info) <= r->mem_size);
	mb2_parse(r->mem + info, r->mem_size - info, info, &bi);
	CHECK(bi.nr_issues == 0 && bi.total_size == rd32(r, info));
	CHECK(bi.cmdline && !strcmp(bi.cmdline, r->params.cmdline ? r->params.cmdline : ""));
	CHECK(bi.loader_name && bi.nr_mmap >= 2 && bi.nr_modules == r->params.nr_modules);
	last = &bi.mmap[bi.nr_mmap - 1];
	CHECK(last->base + last->length == MAX(r->mem_size, MiB));
	for (unsigned int i = 0; i < bi.nr_modules; i++) {
		CHECK(bi.modules[i].start == gpa);
		gpa = check_module(r, i, bi.modules[i].start, bi.modules[i].end);
		CHECK(!strcmp(bi.modules[i].cmdline, r->mods[i].cmdline ? r->mods[i].cmdline : ""));
	}
}

static void check_mb1_mmap(const struct request *r, uint32_t addr, uint32_t length)
{
	CHECK(length % 24 == 0 && length / 24 >= 2 && length / 24 <= 3);
	for (uint32_t off = 0; off < length; off += 24)
		CHECK(rd32(r, addr + off) == 20);
}

static void check_mb1(const struct request *r, uint32_t info)
{
	uint32_t mods = rd32(r, info + offsetof(struct mb1_info, mods_addr));
	uint64_t gpa = r->at;

	CHECK(info % 8 == 0 && info + sizeof(struct mb1_info) <= r->mem_size);
	check_string_at(r, rd32(r, info + offsetof(struct mb1_info, cmdline)), r->params.cmdline);
	check_string_at(r, rd32(r, info + offsetof(struct mb1_info, boot_loader_name)),
			"micro-hypervisor");
	CHECK(rd32(r, info + offsetof(struct mb1_info, mods_count)) == r->params.nr_modules);
	for (unsigned int i = 0; i < r->params.nr_modules; i++) {
		uint64_t e = mods + i * sizeof(struct mb1_module);

		CHECK(rd32(r, e) == gpa);
		gpa = check_module(r, i, rd32(r, e), rd32(r, e + 4));
		check_string_at(r, rd32(r, e + 8), r->mods[i].cmdline);
	}
	check_mb1_mmap(r, rd32(r, info + offsetof(struct mb1_info, mmap_addr)),
		       rd32(r, info + offsetof(struct mb1_info, mmap_length)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	static struct request r;
	const char *err = NULL;
	uint32_t info;

	if (!module_bytes[1])
		for (size_t i = 0; i < sizeof(module_bytes); i++)
			module_bytes[i] = (uint8_t)(i * 13 + 1);
	memset(&r, 0, sizeof(r));
	read_request(&in, &r);
	fill_guards(&r);
	info = guest_mbi_build(r.proto, r.mem, r.at, &r.params, &err);
	check_guards(&r);
	if (!info) {
		CHECK(err && err[0]);
	} else {
		CHECK(!err && info >= r.at && info < r.mem_size);
		if (r.proto == GUEST_BOOT_MULTIBOOT2)
			check_mb2(&r, info);
		else
			check_mb1(&r, info);
	}
	free(r.strings);
	return 0;
}
