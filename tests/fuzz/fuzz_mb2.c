/*
 * libFuzzer target for the multiboot2 information parser (loader/mb2.c).
 * data[0]: bit 0 makes the structure's total_size the number of bytes given
 * (else it stays whatever the input says), bits 1-2 pick where the structure
 * claims to live. data[1..] is the structure, in a heap copy of exactly its
 * size, so ASan sees any read past it.
 * Beyond no sanitizer report, every result must be usable as is: strings and
 * the RSDP lie inside the parsed bytes (NUL-terminated, checksums right),
 * modules neither overlap each other nor the structure, memory ranges are
 * non-empty, do not wrap and adjacent ones of one type are merged, and the
 * counts stay within their arrays.
 */
#include <string.h>

#include "loader/mb2.h"
#include "loader/multiboot2.h"
#include "lib/acpi_tables.h"
#include "tests/fuzz/fuzz.h"

static const paddr_t mbi_addrs[] = { 0x10000, 0x100000, 0, 0xfffff000 };

struct parsed {
	const uint8_t *buf;
	size_t avail;
	paddr_t mbi_addr;
	struct boot_info bi;
};

static bool inside(const struct parsed *p, const void *ptr, size_t len)
{
	const uint8_t *b = ptr;

	return b >= p->buf && len <= p->bi.total_size &&
	       (size_t)(b - p->buf) <= p->bi.total_size - len;
}

/* NUL-terminated inside the parsed bytes. */
static void check_string(const struct parsed *p, const char *s)
{
	if (!s)
		return;
	CHECK(inside(p, s, 1));
	CHECK(memchr(s, '\0', p->bi.total_size - (size_t)((const uint8_t *)s - p->buf)));
}

static void check_ranges(const struct mem_range *map, unsigned int n)
{
	CHECK(n <= BOOT_MAX_MEM_RANGES);
	for (unsigned int i = 0; i < n; i++) {
		CHECK(map[i].length && map[i].base + map[i].length > map[i].base);
		if (i)
			CHECK(map[i - 1].type != map[i].type ||
			      map[i - 1].base + map[i - 1].length != map[i].base);
	}
}

static bool overlap(paddr_t a0, paddr_t a1, paddr_t b0, paddr_t b1)
{
	return a0 < b1 && b0 < a1;
}

static void check_modules(const struct parsed *p)
{
	const struct boot_info *bi = &p->bi;

	CHECK(bi->nr_modules <= BOOT_MAX_MODULES);
	for (unsigned int i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];

		CHECK(m->start <= m->end && m->cmdline);
		check_string(p, m->cmdline);
		CHECK(!overlap(m->start, m->end, p->mbi_addr, p->mbi_addr + bi->total_size));
		for (unsigned int j = 0; j < i; j++)
			CHECK(!overlap(m->start, m->end, bi->modules[j].start, bi->modules[j].end));
	}
}

static uint8_t byte_sum(const uint8_t *b, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *b++;
	return sum;
}

static void check_rsdp(const struct parsed *p)
{
	const struct boot_info *bi = &p->bi;

	if (!bi->rsdp)
		return;
	CHECK(bi->rsdp_len == ACPI_RSDP_V1_SIZE || bi->rsdp_len >= sizeof(struct acpi_rsdp));
	CHECK(inside(p, bi->rsdp, bi->rsdp_len));
	CHECK(!byte_sum(bi->rsdp, ACPI_RSDP_V1_SIZE) && !byte_sum(bi->rsdp, bi->rsdp_len));
}

static void check_issues(const struct boot_info *bi)
{
	CHECK(bi->nr_issues <= BOOT_MAX_ISSUES);
	CHECK(!bi->nr_issues_dropped || bi->nr_issues == BOOT_MAX_ISSUES);
	for (unsigned int i = 0; i < bi->nr_issues; i++)
		CHECK(bi->issues[i].what && bi->issues[i].offset <= bi->total_size);
}

static void check_memory_map(const struct boot_info *bi)
{
	unsigned int count;
	bool truncated;
	const struct mem_range *map = boot_memory_map(bi, &count, &truncated);

	CHECK(map == (bi->nr_mmap ? bi->mmap : bi->efi_mmap));
	CHECK(count == (bi->nr_mmap ? bi->nr_mmap : bi->nr_efi_mmap));
	CHECK(truncated == (bi->nr_mmap ? bi->mmap_truncated : bi->efi_mmap_truncated));
}

static void check_result(const struct parsed *p)
{
	const struct boot_info *bi = &p->bi;

	CHECK(bi->total_size <= p->avail && bi->total_size <= MB2_INFO_MAX_SIZE);
	CHECK(bi->total_size == 0 || bi->total_size >= sizeof(struct mb2_info_header));
	check_string(p, bi->cmdline);
	check_string(p, bi->loader_name);
	check_ranges(bi->mmap, bi->nr_mmap);
	check_ranges(bi->efi_mmap, bi->nr_efi_mmap);
	CHECK(!bi->mmap_truncated || bi->nr_mmap == BOOT_MAX_MEM_RANGES);
	CHECK(!bi->efi_mmap_truncated || bi->nr_efi_mmap == BOOT_MAX_MEM_RANGES);
	check_modules(p);
	check_rsdp(p);
	check_issues(bi);
	check_memory_map(bi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct parsed p;
	uint8_t *buf;

	if (size < 1)
		return 0;
	p.avail = size - 1;
	p.mbi_addr = mbi_addrs[(data[0] >> 1) % ARRAY_SIZE(mbi_addrs)];
	buf = malloc(p.avail ? p.avail : 1);
	memcpy(buf, data + 1, p.avail);
	if ((data[0] & 1) && p.avail >= sizeof(uint32_t)) {
		uint32_t total = (uint32_t)p.avail;

		memcpy(buf, &total, sizeof(total));
	}
	p.buf = buf;
	mb2_parse(buf, p.avail, p.mbi_addr, &p.bi);
	check_result(&p);
	free(buf);
	return 0;
}
