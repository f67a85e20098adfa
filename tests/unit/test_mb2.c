/* Host unit tests of the multiboot2 information parser (loader/mb2.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loader/mb2.h"
#include "loader/multiboot2.h"
#include "lib/acpi_tables.h"

/* Where the tests pretend the structure lives; modules are placed away from it. */
#define MBI_ADDR 0x10000ul

/* ---- Building information structures ---------------------------------- */

struct mbi {
	uint64_t words[4096]; /* 32 KiB, 8-byte aligned */
	size_t len;           /* bytes used, always a multiple of 8 */
};

static struct mbi m;
static struct boot_info bi;

static uint8_t *mbi_bytes(void) { return (uint8_t *)m.words; }

static void set_total(uint32_t total) { memcpy(mbi_bytes(), &total, sizeof(total)); }

static void mbi_init(void)
{
	memset(&m, 0, sizeof(m));
	m.len = sizeof(struct mb2_info_header);
	set_total((uint32_t)m.len);
}

/*
 * Appends a tag whose size field says `size` (normally 8 + body_len) and whose
 * body is body_len bytes; pads to 8 and patches total_size. Returns its offset.
 */
static size_t add_tag_sized(uint32_t type, uint32_t size, const void *body, size_t body_len)
{
	size_t off = m.len;
	struct mb2_tag hdr = { type, size };

	assert_true(off + sizeof(hdr) + body_len <= sizeof(m.words));
	memcpy(mbi_bytes() + off, &hdr, sizeof(hdr));
	if (body_len)
		memcpy(mbi_bytes() + off + sizeof(hdr), body, body_len);
	m.len = ALIGN_UP(off + sizeof(hdr) + body_len, 8);
	set_total((uint32_t)m.len);
	return off;
}

static size_t add_tag(uint32_t type, const void *body, size_t body_len)
{
	return add_tag_sized(type, (uint32_t)(sizeof(struct mb2_tag) + body_len), body, body_len);
}

static void add_end(void) { add_tag(MB2_TAG_END, NULL, 0); }

static size_t add_string(uint32_t type, const char *s) { return add_tag(type, s, strlen(s) + 1); }

static size_t add_module(uint32_t start, uint32_t end, const char *cmdline)
{
	uint8_t body[256];
	size_t n = strlen(cmdline) + 1;

	assert_true(8 + n <= sizeof(body));
	memcpy(body, &start, 4);
	memcpy(body + 4, &end, 4);
	memcpy(body + 8, cmdline, n);
	return add_tag(MB2_TAG_MODULE, body, 8 + n);
}

/* An mmap tag with the given entry_size; extra bytes of each entry are zero. */
static size_t add_mmap_esize(const struct mb2_mmap_entry *e, unsigned int n, uint32_t esize,
			     size_t extra_tail)
{
	static uint8_t body[16384];
	uint32_t version = 0;
	size_t len = 8 + (size_t)n * esize + extra_tail;

	assert_true(len <= sizeof(body));
	memset(body, 0, len);
	memcpy(body, &esize, 4);
	memcpy(body + 4, &version, 4);
	for (unsigned int i = 0; i < n; i++)
		memcpy(body + 8 + (size_t)i * esize, &e[i], MIN(sizeof(e[i]), (size_t)esize));
	return add_tag(MB2_TAG_MMAP, body, len);
}

static size_t add_mmap(const struct mb2_mmap_entry *e, unsigned int n)
{
	return add_mmap_esize(e, n, sizeof(*e), 0);
}

static size_t add_efi_mmap(const struct efi_memory_descriptor *d, unsigned int n)
{
	static uint8_t body[4096];
	uint32_t dsize = sizeof(*d), version = 1;
	size_t len = 8 + (size_t)n * dsize;

	assert_true(len <= sizeof(body));
	memcpy(body, &dsize, 4);
	memcpy(body + 4, &version, 4);
	memcpy(body + 8, d, (size_t)n * dsize);
	return add_tag(MB2_TAG_EFI_MMAP, body, len);
}

static uint8_t sum8(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

/* An RSDP with valid checksums; oem tells copies apart. */
static struct acpi_rsdp make_rsdp(uint8_t revision, char oem)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memset(r.oem_id, oem, sizeof(r.oem_id));
	r.revision = revision;
	r.rsdt_address = 0xe0000;
	r.length = sizeof(r);
	r.xsdt_address = 0xe1000;
	r.checksum = (uint8_t)-sum8(&r, ACPI_RSDP_V1_SIZE);
	r.ext_checksum = (uint8_t)-sum8(&r, sizeof(r));
	return r;
}

static size_t add_rsdp_old(const struct acpi_rsdp *r)
{
	return add_tag(MB2_TAG_ACPI_OLD, r, ACPI_RSDP_V1_SIZE);
}

static size_t add_rsdp_new(const struct acpi_rsdp *r) { return add_tag(MB2_TAG_ACPI_NEW, r, sizeof(*r)); }

static void parse(void) { mb2_parse(m.words, m.len, MBI_ADDR, &bi); }

/* Parses a malloc'd copy of exactly `avail` bytes, so that ASan catches overreads. */
static void parse_exact(size_t avail)
{
	uint8_t *copy = malloc(avail ? avail : 1);

	assert_non_null(copy);
	memcpy(copy, mbi_bytes(), avail);
	mb2_parse(copy, avail, MBI_ADDR, &bi);
	free(copy); /* bi's pointers into it must not be used after this */
}

static bool has_issue(const char *needle)
{
	for (unsigned int i = 0; i < bi.nr_issues; i++)
		if (bi.issues[i].what && strstr(bi.issues[i].what, needle))
			return true;
	return false;
}

#define assert_issue(needle)                                                         \
	do {                                                                         \
		if (!has_issue(needle))                                              \
			fail_msg("no issue containing '%s' among %u issues", needle, \
				 bi.nr_issues);                                      \
	} while (0)

static struct mb2_mmap_entry mmap_entry(uint64_t base, uint64_t length, uint32_t type)
{
	return (struct mb2_mmap_entry){ base, length, type, 0 };
}

static struct efi_memory_descriptor efi_desc(uint32_t type, uint64_t start, uint64_t pages)
{
	return (struct efi_memory_descriptor){ type, 0, start, 0, pages, 0 };
}

/* A macro, so that a failure points at the caller's line. */
#define assert_range(r, b, l, t)                    \
	do {                                        \
		assert_int_equal((r)->base, (b));   \
		assert_int_equal((r)->length, (l)); \
		assert_int_equal((r)->type, (t));   \
	} while (0)

/* ---- Well-formed structures ------------------------------------------- */

static void test_empty_structure_with_end_tag(void **state)
{
	(void)state;
	mbi_init();
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.total_size, 16);
	assert_null(bi.cmdline);
	assert_null(bi.loader_name);
	assert_int_equal(bi.nr_modules, 0);
	assert_int_equal(bi.nr_mmap, 0);
	assert_int_equal(bi.nr_efi_mmap, 0);
	assert_null(bi.rsdp);
	assert_false(bi.has_framebuffer);
}

static void test_full_structure(void **state)
{
	(void)state;
	struct mb2_mmap_entry mm[] = {
		mmap_entry(0, 0x9f000, MB2_MMAP_AVAILABLE),
		mmap_entry(0x9f000, 0x1000, MB2_MMAP_RESERVED),
		mmap_entry(0x100000, 0x100000, MB2_MMAP_AVAILABLE),
		mmap_entry(0x200000, 0x300000, MB2_MMAP_AVAILABLE), /* merged with the previous */
		mmap_entry(0x7fe0000, 0x20000, MB2_MMAP_ACPI_RECLAIMABLE),
	};
	struct mb2_tag_framebuffer fb = { .addr = 0xfd000000, .pitch = 4096, .width = 1024,
					  .height = 768, .bpp = 32, .fb_type = 1 };
	uint64_t efi_st = 0x7f000000;

	mbi_init();
	size_t cmd_off = add_string(MB2_TAG_CMDLINE, "console=com2 loglevel=4");
	add_string(MB2_TAG_LOADER_NAME, "GRUB 2.06");
	size_t mod0 = add_module(0x400000, 0x401234, "guest0 root=/dev/sda");
	size_t mod1 = add_module(0x402000, 0x500000, "");
	add_mmap(mm, ARRAY_SIZE(mm));
	add_tag(MB2_TAG_FRAMEBUFFER, (const uint8_t *)&fb + 8, sizeof(fb) - 8);
	add_tag(MB2_TAG_EFI64, &efi_st, sizeof(efi_st));
	add_end();
	parse();

	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.nr_issues_dropped, 0);
	assert_int_equal(bi.total_size, m.len);
	assert_string_equal(bi.cmdline, "console=com2 loglevel=4");
	assert_ptr_equal(bi.cmdline, (const char *)mbi_bytes() + cmd_off + 8);
	assert_string_equal(bi.loader_name, "GRUB 2.06");

	assert_int_equal(bi.nr_modules, 2);
	assert_int_equal(bi.modules[0].start, 0x400000);
	assert_int_equal(bi.modules[0].end, 0x401234);
	assert_string_equal(bi.modules[0].cmdline, "guest0 root=/dev/sda");
	assert_ptr_equal(bi.modules[0].cmdline, (const char *)mbi_bytes() + mod0 + 16);
	assert_int_equal(bi.modules[1].start, 0x402000);
	assert_int_equal(bi.modules[1].end, 0x500000);
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_ptr_equal(bi.modules[1].cmdline, (const char *)mbi_bytes() + mod1 + 16);

	assert_int_equal(bi.nr_mmap, 4);
	assert_false(bi.mmap_truncated);
	assert_range(&bi.mmap[0], 0, 0x9f000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.mmap[1], 0x9f000, 0x1000, MB2_MMAP_RESERVED);
	assert_range(&bi.mmap[2], 0x100000, 0x400000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.mmap[3], 0x7fe0000, 0x20000, MB2_MMAP_ACPI_RECLAIMABLE);

	assert_true(bi.has_framebuffer);
	assert_int_equal(bi.fb.addr, 0xfd000000);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.type, 1);
	assert_int_equal(bi.efi_system_table, 0x7f000000);
}

static void test_mmap_merges_only_adjacent_same_type(void **state)
{
	(void)state;
	struct mb2_mmap_entry mm[] = {
		mmap_entry(0x0, 0x1000, MB2_MMAP_AVAILABLE),
		mmap_entry(0x1000, 0x1000, MB2_MMAP_AVAILABLE), /* merged */
		mmap_entry(0x3000, 0x1000, MB2_MMAP_AVAILABLE), /* a gap: not merged */
		mmap_entry(0x4000, 0x1000, MB2_MMAP_RESERVED),  /* another type */
		mmap_entry(0x5000, 0x0, MB2_MMAP_RESERVED),     /* empty: dropped */
		mmap_entry(0x5000, 0x1000, MB2_MMAP_RESERVED),  /* merged */
	};

	mbi_init();
	add_mmap(mm, ARRAY_SIZE(mm));
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.nr_mmap, 3);
	assert_range(&bi.mmap[0], 0, 0x2000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.mmap[1], 0x3000, 0x1000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.mmap[2], 0x4000, 0x2000, MB2_MMAP_RESERVED);
}

static void test_mmap_larger_entry_size_is_accepted(void **state)
{
	(void)state;
	struct mb2_mmap_entry mm[] = {
		mmap_entry(0x0, 0x1000, MB2_MMAP_AVAILABLE),
		mmap_entry(0x10000, 0x1000, MB2_MMAP_NVS),
	};

	mbi_init();
	add_mmap_esize(mm, ARRAY_SIZE(mm), 32, 0);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.nr_mmap, 2);
	assert_range(&bi.mmap[0], 0, 0x1000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.mmap[1], 0x10000, 0x1000, MB2_MMAP_NVS);
}

static void test_efi_mmap_type_conversion(void **state)
{
	(void)state;
	struct efi_memory_descriptor d[] = {
		efi_desc(EFI_CONVENTIONAL_MEMORY, 0x0, 1),
		efi_desc(EFI_LOADER_CODE, 0x10000, 1),
		efi_desc(EFI_BOOT_SERVICES_CODE, 0x20000, 1),
		efi_desc(EFI_BOOT_SERVICES_DATA, 0x21000, 2), /* merged with the previous */
		efi_desc(EFI_ACPI_RECLAIM_MEMORY, 0x30000, 1),
		efi_desc(EFI_ACPI_MEMORY_NVS, 0x40000, 1),
		efi_desc(EFI_LOADER_DATA, 0x50000, 1),
		efi_desc(0 /* reserved */, 0x60000, 1),
		efi_desc(11 /* MMIO */, 0x70000, 3),
	};

	mbi_init();
	add_efi_mmap(d, ARRAY_SIZE(d));
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.nr_mmap, 0);
	assert_int_equal(bi.nr_efi_mmap, 8);
	assert_false(bi.efi_mmap_truncated);
	assert_range(&bi.efi_mmap[0], 0x0, 0x1000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.efi_mmap[1], 0x10000, 0x1000, MB2_MMAP_RESERVED);
	assert_range(&bi.efi_mmap[2], 0x20000, 0x3000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.efi_mmap[3], 0x30000, 0x1000, MB2_MMAP_ACPI_RECLAIMABLE);
	assert_range(&bi.efi_mmap[4], 0x40000, 0x1000, MB2_MMAP_NVS);
	assert_range(&bi.efi_mmap[5], 0x50000, 0x1000, MB2_MMAP_RESERVED);
	assert_range(&bi.efi_mmap[6], 0x60000, 0x1000, MB2_MMAP_RESERVED);
	assert_range(&bi.efi_mmap[7], 0x70000, 0x3000, MB2_MMAP_RESERVED);
}

static void test_efi_descriptor_too_large_is_refused(void **state)
{
	(void)state;
	struct efi_memory_descriptor d[] = {
		efi_desc(EFI_CONVENTIONAL_MEMORY, 0x0, UINT64_MAX >> 11),
		efi_desc(EFI_CONVENTIONAL_MEMORY, 0x100000, 1),
	};

	mbi_init();
	add_efi_mmap(d, ARRAY_SIZE(d));
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("too large");
	assert_int_equal(bi.nr_efi_mmap, 1);
	assert_range(&bi.efi_mmap[0], 0x100000, 0x1000, MB2_MMAP_AVAILABLE);
}

static void test_boot_memory_map_prefers_bios_map(void **state)
{
	(void)state;
	struct mb2_mmap_entry mm[] = { mmap_entry(0x0, 0x5000, MB2_MMAP_AVAILABLE) };
	struct efi_memory_descriptor d[] = { efi_desc(EFI_CONVENTIONAL_MEMORY, 0x0, 2),
					     efi_desc(EFI_ACPI_MEMORY_NVS, 0x2000, 1) };
	unsigned int count = 99;
	bool truncated = true;

	mbi_init();
	add_efi_mmap(d, ARRAY_SIZE(d));
	add_mmap(mm, ARRAY_SIZE(mm));
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	const struct mem_range *map = boot_memory_map(&bi, &count, &truncated);
	assert_ptr_equal(map, bi.mmap);
	assert_int_equal(count, 1);
	assert_false(truncated);
	assert_range(&map[0], 0, 0x5000, MB2_MMAP_AVAILABLE);
}

static void test_boot_memory_map_falls_back_to_efi_map(void **state)
{
	(void)state;
	struct efi_memory_descriptor d[] = { efi_desc(EFI_CONVENTIONAL_MEMORY, 0x0, 2),
					     efi_desc(EFI_ACPI_MEMORY_NVS, 0x2000, 1) };
	unsigned int count = 99;
	bool truncated = true;

	mbi_init();
	add_efi_mmap(d, ARRAY_SIZE(d));
	add_end();
	parse();
	const struct mem_range *map = boot_memory_map(&bi, &count, &truncated);
	assert_ptr_equal(map, bi.efi_mmap);
	assert_int_equal(count, 2);
	assert_false(truncated);
	assert_range(&map[0], 0, 0x2000, MB2_MMAP_AVAILABLE);
	assert_range(&map[1], 0x2000, 0x1000, MB2_MMAP_NVS);
}

static void test_boot_memory_map_without_any_map(void **state)
{
	(void)state;
	unsigned int count = 99;
	bool truncated = true;

	mbi_init();
	add_end();
	parse();
	boot_memory_map(&bi, &count, &truncated);
	assert_int_equal(count, 0);
	assert_false(truncated);
}

static void test_rsdp_old(void **state)
{
	(void)state;
	struct acpi_rsdp r = make_rsdp(0, 'O');

	mbi_init();
	size_t off = add_rsdp_old(&r);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_ptr_equal(bi.rsdp, mbi_bytes() + off + 8);
	assert_int_equal(bi.rsdp_len, ACPI_RSDP_V1_SIZE);
}

static void test_rsdp_new(void **state)
{
	(void)state;
	struct acpi_rsdp r = make_rsdp(2, 'N');

	mbi_init();
	size_t off = add_rsdp_new(&r);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_ptr_equal(bi.rsdp, mbi_bytes() + off + 8);
	assert_int_equal(bi.rsdp_len, sizeof(struct acpi_rsdp));
}

static void test_rsdp_new_wins_when_after_old(void **state)
{
	(void)state;
	struct acpi_rsdp o = make_rsdp(0, 'O'), n = make_rsdp(2, 'N');

	mbi_init();
	add_rsdp_old(&o);
	size_t off = add_rsdp_new(&n);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_ptr_equal(bi.rsdp, mbi_bytes() + off + 8);
	assert_int_equal(bi.rsdp_len, sizeof(struct acpi_rsdp));
}

static void test_rsdp_new_wins_when_before_old(void **state)
{
	(void)state;
	struct acpi_rsdp o = make_rsdp(0, 'O'), n = make_rsdp(2, 'N');

	mbi_init();
	size_t off = add_rsdp_new(&n);
	add_rsdp_old(&o);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_ptr_equal(bi.rsdp, mbi_bytes() + off + 8);
	assert_int_equal(bi.rsdp_len, sizeof(struct acpi_rsdp));
}

static void test_rsdp_old_bad_checksum_is_refused(void **state)
{
	(void)state;
	struct acpi_rsdp r = make_rsdp(0, 'O');

	r.checksum++;
	mbi_init();
	add_rsdp_old(&r);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("checksum");
	assert_int_equal(bi.issues[0].type, MB2_TAG_ACPI_OLD);
	assert_int_equal(bi.issues[0].offset, 8);
	assert_null(bi.rsdp);
	assert_int_equal(bi.rsdp_len, 0);
}

static void test_rsdp_new_bad_ext_checksum_is_refused(void **state)
{
	(void)state;
	struct acpi_rsdp r = make_rsdp(2, 'N');

	r.ext_checksum++;
	mbi_init();
	add_rsdp_new(&r);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("checksum");
	assert_null(bi.rsdp);
}

static void test_rsdp_new_bad_checksum_keeps_valid_old(void **state)
{
	(void)state;
	struct acpi_rsdp o = make_rsdp(0, 'O'), n = make_rsdp(2, 'N');

	n.checksum++;
	n.ext_checksum--; /* the whole-structure sum still holds, the first 20 bytes' does not */
	mbi_init();
	size_t off = add_rsdp_old(&o);
	add_rsdp_new(&n);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("checksum");
	assert_ptr_equal(bi.rsdp, mbi_bytes() + off + 8);
	assert_int_equal(bi.rsdp_len, ACPI_RSDP_V1_SIZE);
}

static void test_rsdp_new_length_beyond_tag_is_refused(void **state)
{
	(void)state;
	struct acpi_rsdp r = make_rsdp(2, 'N');

	r.length = 0x1000; /* the tag holds only 36 bytes */
	r.ext_checksum = 0;
	mbi_init();
	add_rsdp_new(&r);
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("ACPI RSDP");
	assert_null(bi.rsdp);
}

static void test_unknown_tags_are_skipped(void **state)
{
	(void)state;
	uint8_t junk[13] = { 1, 2, 3 };

	mbi_init();
	add_tag(99, junk, sizeof(junk));
	add_tag(MB2_TAG_BASIC_MEMINFO, junk, 8);
	add_tag(0xffffffffu, NULL, 0);
	add_string(MB2_TAG_CMDLINE, "loglevel=2");
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_string_equal(bi.cmdline, "loglevel=2");
}

static void test_parsing_stops_at_end_tag(void **state)
{
	(void)state;
	mbi_init();
	add_end();
	add_string(MB2_TAG_CMDLINE, "after the end");
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_null(bi.cmdline);
}

static void test_avail_beyond_total_size_is_ignored(void **state)
{
	(void)state;
	mbi_init();
	add_end();
	uint32_t total = (uint32_t)m.len;
	add_string(MB2_TAG_CMDLINE, "beyond total_size");
	set_total(total);
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.total_size, total);
	assert_null(bi.cmdline);
}

/* ---- Malformed structures ---------------------------------------------- */

static void test_total_size_larger_than_avail(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "hello");
	add_end();
	size_t len = m.len;
	set_total((uint32_t)len + 64);
	parse_exact(len);
	assert_issue("claims more bytes");
	assert_int_equal(bi.total_size, len);
	assert_int_equal(bi.nr_issues, 1);
}

static void test_total_size_larger_than_avail_without_end_tag(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "hello");
	add_end();
	set_total(4096);
	parse_exact(20); /* the cmdline tag (14 bytes) does not fit in 20 - 8 */
	assert_issue("claims more bytes");
	assert_issue("runs past the end");
	assert_int_equal(bi.total_size, 20);
	assert_null(bi.cmdline);
}

static void test_total_size_clamped_to_max(void **state)
{
	(void)state;
	size_t size = 2 * MB2_INFO_MAX_SIZE;
	uint8_t *buf = calloc(1, size);
	uint32_t total = (uint32_t)size;

	assert_non_null(buf);
	memcpy(buf, &total, 4);
	/* an end tag right after the header: type 0, size 8 */
	buf[12] = 8;
	mb2_parse(buf, size, MBI_ADDR, &bi);
	free(buf);
	assert_int_equal(bi.total_size, MB2_INFO_MAX_SIZE);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("claims more bytes");
}

static void test_total_size_below_header(void **state)
{
	(void)state;
	for (uint32_t total = 0; total < 8; total++) {
		mbi_init();
		add_end();
		set_total(total);
		parse_exact(m.len);
		assert_int_equal(bi.nr_issues, 1);
		assert_issue("smaller than its header");
		assert_int_equal(bi.total_size, 0);
	}
}

static void test_avail_below_header(void **state)
{
	(void)state;
	for (size_t avail = 0; avail < 8; avail++) {
		mbi_init();
		add_end();
		parse_exact(avail);
		assert_int_equal(bi.nr_issues, 1);
		assert_issue("smaller than its header");
		assert_int_equal(bi.total_size, 0);
	}
}

static void test_tag_runs_past_end(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "ok");
	size_t off = add_tag_sized(MB2_TAG_LOADER_NAME, 64, "GRUB", 5);
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("runs past the end");
	assert_int_equal(bi.issues[0].offset, off);
	assert_int_equal(bi.issues[0].type, MB2_TAG_LOADER_NAME);
	assert_null(bi.loader_name);
}

static void test_tag_of_size_zero(void **state)
{
	(void)state;
	mbi_init();
	add_tag_sized(MB2_TAG_CMDLINE, 0, NULL, 0);
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("below 8");
	assert_null(bi.cmdline);
}

static void test_tag_of_size_four(void **state)
{
	(void)state;
	mbi_init();
	add_tag_sized(77, 4, NULL, 0);
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("below 8");
}

static void test_end_tag_of_size_zero(void **state)
{
	(void)state;
	mbi_init();
	add_tag_sized(MB2_TAG_END, 0, NULL, 0);
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("below 8");
}

static void test_truncated_module_tag(void **state)
{
	(void)state;
	uint32_t body[2] = { 0x400000, 0x401000 };

	mbi_init();
	add_tag(MB2_TAG_MODULE, body, sizeof(body)); /* size 16: no room for the cmdline */
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("truncated");
	assert_int_equal(bi.nr_modules, 0);
}

static void test_truncated_known_tags(void **state)
{
	(void)state;
	uint8_t zeros[64] = { 0 };
	const struct {
		uint32_t type, body;
	} cases[] = {
		{ MB2_TAG_CMDLINE, 0 },     { MB2_TAG_LOADER_NAME, 0 },
		{ MB2_TAG_MMAP, 7 },        { MB2_TAG_EFI_MMAP, 4 },
		{ MB2_TAG_FRAMEBUFFER, 23 }, { MB2_TAG_ACPI_OLD, 19 },
		{ MB2_TAG_ACPI_NEW, 35 },   { MB2_TAG_EFI64, 7 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		mbi_init();
		add_tag(cases[i].type, zeros, cases[i].body);
		add_end();
		parse_exact(m.len);
		assert_int_equal(bi.nr_issues, 1);
		assert_issue("truncated");
		assert_int_equal(bi.issues[0].type, cases[i].type);
		assert_false(bi.has_framebuffer);
		assert_null(bi.rsdp);
		assert_int_equal(bi.nr_mmap + bi.nr_efi_mmap, 0);
	}
}

static void test_cmdline_without_nul(void **state)
{
	(void)state;
	mbi_init();
	add_tag(MB2_TAG_CMDLINE, "abc", 3);
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("not NUL-terminated");
	assert_null(bi.cmdline);
}

static void test_cmdline_without_nul_at_end_of_buffer(void **state)
{
	(void)state;
	mbi_init();
	add_tag(MB2_TAG_CMDLINE, "abcde", 5);
	size_t exact = 8 + 8 + 5; /* no padding, no end tag */
	set_total((uint32_t)exact);
	parse_exact(exact);
	assert_issue("not NUL-terminated");
	assert_issue("no end tag");
	assert_int_equal(bi.nr_issues, 2);
	assert_null(bi.cmdline);
}

static void test_module_cmdline_without_nul(void **state)
{
	(void)state;
	uint8_t body[12] = { 0 };
	uint32_t start = 0x400000, end = 0x401000;

	memcpy(body, &start, 4);
	memcpy(body + 4, &end, 4);
	memcpy(body + 8, "abcd", 4);
	mbi_init();
	add_tag(MB2_TAG_MODULE, body, sizeof(body));
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("not NUL-terminated");
	assert_int_equal(bi.nr_modules, 0);
}

static void test_mmap_entry_size_zero(void **state)
{
	(void)state;
	struct mb2_mmap_entry e = mmap_entry(0, 0x1000, MB2_MMAP_AVAILABLE);

	mbi_init();
	add_mmap_esize(&e, 0, 0, 24);
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("entry size");
	assert_int_equal(bi.nr_mmap, 0);
}

static void test_mmap_entry_size_20(void **state)
{
	(void)state;
	struct mb2_mmap_entry e[2] = { mmap_entry(0, 0x1000, MB2_MMAP_AVAILABLE),
				       mmap_entry(0x1000, 0x1000, MB2_MMAP_AVAILABLE) };

	mbi_init();
	add_mmap_esize(e, 2, 20, 0);
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("entry size");
	assert_int_equal(bi.nr_mmap, 0);
}

static void test_mmap_entry_size_not_multiple_of_8(void **state)
{
	(void)state;
	struct mb2_mmap_entry e[2] = { mmap_entry(0, 0x1000, MB2_MMAP_AVAILABLE),
				       mmap_entry(0x1000, 0x1000, MB2_MMAP_AVAILABLE) };

	mbi_init();
	add_mmap_esize(e, 2, 28, 0);
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("entry size");
	assert_int_equal(bi.nr_mmap, 0);
}

static void test_efi_mmap_bad_descriptor_size(void **state)
{
	(void)state;
	static const uint32_t sizes[] = { 0, 24, 44 };
	uint8_t body[8 + 88] = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		memcpy(body, &sizes[i], 4);
		mbi_init();
		add_tag(MB2_TAG_EFI_MMAP, body, sizeof(body));
		add_end();
		parse_exact(m.len);
		assert_int_equal(bi.nr_issues, 1);
		assert_issue("descriptor size");
		assert_int_equal(bi.nr_efi_mmap, 0);
	}
}

static void test_mmap_partial_entry_uses_whole_entries(void **state)
{
	(void)state;
	struct mb2_mmap_entry e[2] = { mmap_entry(0, 0x1000, MB2_MMAP_AVAILABLE),
				       mmap_entry(0x2000, 0x1000, MB2_MMAP_RESERVED) };

	mbi_init();
	add_mmap_esize(e, 2, sizeof(e[0]), 16); /* 16 trailing bytes: a partial entry */
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("partial entry");
	assert_int_equal(bi.nr_mmap, 2);
	assert_range(&bi.mmap[0], 0, 0x1000, MB2_MMAP_AVAILABLE);
	assert_range(&bi.mmap[1], 0x2000, 0x1000, MB2_MMAP_RESERVED);
}

static void test_mmap_partial_entry_at_end_of_buffer(void **state)
{
	(void)state;
	struct mb2_mmap_entry e = mmap_entry(0, 0x1000, MB2_MMAP_AVAILABLE);

	mbi_init();
	add_mmap_esize(&e, 1, sizeof(e), 20);
	size_t exact = 8 + 16 + 24 + 20; /* the tag is last, unpadded, no end tag */
	set_total((uint32_t)exact);
	parse_exact(exact);
	assert_issue("partial entry");
	assert_issue("no end tag");
	assert_int_equal(bi.nr_mmap, 1);
}

static void test_duplicate_mmap_is_ignored(void **state)
{
	(void)state;
	struct mb2_mmap_entry a = mmap_entry(0, 0x1000, MB2_MMAP_AVAILABLE);
	struct mb2_mmap_entry b = mmap_entry(0x5000, 0x1000, MB2_MMAP_RESERVED);

	mbi_init();
	add_mmap(&a, 1);
	add_mmap(&b, 1);
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("duplicate");
	assert_int_equal(bi.nr_mmap, 1);
	assert_range(&bi.mmap[0], 0, 0x1000, MB2_MMAP_AVAILABLE);
}

static void test_module_end_before_start(void **state)
{
	(void)state;
	mbi_init();
	add_module(0x500000, 0x400000, "backwards");
	add_module(0x600000, 0x601000, "fine");
	add_end();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("ends before it starts");
	assert_int_equal(bi.nr_modules, 1);
	assert_int_equal(bi.modules[0].start, 0x600000);
}

static void test_overlapping_modules_second_refused(void **state)
{
	(void)state;
	mbi_init();
	add_module(0x400000, 0x410000, "first");
	size_t off = add_module(0x40f000, 0x420000, "second");
	add_module(0x410000, 0x420000, "adjacent, fine");
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("overlaps");
	assert_int_equal(bi.issues[0].offset, off);
	assert_int_equal(bi.issues[0].type, MB2_TAG_MODULE);
	assert_int_equal(bi.nr_modules, 2);
	assert_string_equal(bi.modules[0].cmdline, "first");
	assert_string_equal(bi.modules[1].cmdline, "adjacent, fine");
}

static void test_module_inside_another_refused(void **state)
{
	(void)state;
	mbi_init();
	add_module(0x400000, 0x500000, "outer");
	add_module(0x440000, 0x441000, "inner");
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("overlaps");
	assert_int_equal(bi.nr_modules, 1);
}

static void test_module_overlapping_info_structure(void **state)
{
	(void)state;
	const uint32_t total = 0x100; /* padded to this below */
	uint8_t pad[256] = { 0 };

	mbi_init();
	add_module(MBI_ADDR - 0x1000, MBI_ADDR + 1, "overlaps the start");
	add_module(MBI_ADDR + 8, MBI_ADDR + 16, "inside");
	add_module(MBI_ADDR - 0x1000, MBI_ADDR, "just below: fine");
	add_module(MBI_ADDR + total - 1, MBI_ADDR + total + 0x1000, "overlaps the end");
	add_module(MBI_ADDR + total, MBI_ADDR + total + 0x1000, "just above: fine");
	assert_true(m.len + 16 <= total);
	add_tag(1234, pad, total - m.len - 16); /* unknown, only pads */
	add_end();
	assert_int_equal(m.len, total);
	parse();
	assert_int_equal(bi.total_size, total);
	assert_int_equal(bi.nr_issues, 3);
	assert_issue("information structure");
	assert_int_equal(bi.nr_modules, 2);
	assert_string_equal(bi.modules[0].cmdline, "just below: fine");
	assert_string_equal(bi.modules[1].cmdline, "just above: fine");
}

static void test_missing_end_tag(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "no end");
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("no end tag");
	assert_int_equal(bi.issues[0].offset, m.len);
	assert_int_equal(bi.issues[0].type, MB2_TAG_END);
}

static void test_header_only_has_no_end_tag(void **state)
{
	(void)state;
	mbi_init();
	parse_exact(m.len);
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("no end tag");
}

static void test_duplicate_cmdline_first_wins(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "first");
	size_t off = add_string(MB2_TAG_CMDLINE, "second");
	add_string(MB2_TAG_LOADER_NAME, "loader");
	add_string(MB2_TAG_LOADER_NAME, "other loader");
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 2);
	assert_issue("duplicate");
	assert_int_equal(bi.issues[0].offset, off);
	assert_int_equal(bi.issues[0].type, MB2_TAG_CMDLINE);
	assert_string_equal(bi.cmdline, "first");
	assert_string_equal(bi.loader_name, "loader");
}

static void test_too_many_modules(void **state)
{
	(void)state;
	mbi_init();
	for (uint32_t i = 0; i < BOOT_MAX_MODULES + 2; i++)
		add_module(0x1000000 + i * 0x10000, 0x1000000 + i * 0x10000 + 0x1000, "m");
	add_end();
	parse();
	assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
	assert_int_equal(bi.nr_issues, 2);
	assert_issue("too many modules");
	assert_int_equal(bi.modules[BOOT_MAX_MODULES - 1].start,
			 0x1000000 + (BOOT_MAX_MODULES - 1) * 0x10000);
}

static void test_too_many_issues_are_counted(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "first");
	for (int i = 0; i < BOOT_MAX_ISSUES + 5; i++)
		add_string(MB2_TAG_CMDLINE, "again");
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, BOOT_MAX_ISSUES);
	assert_int_equal(bi.nr_issues_dropped, 5);
	assert_string_equal(bi.cmdline, "first");
}

static void test_memory_range_wrapping_around(void **state)
{
	(void)state;
	struct mb2_mmap_entry e[] = {
		mmap_entry(0xfffffffffffff000ull, 0x2000, MB2_MMAP_RESERVED),
		mmap_entry(0xfffffffffffff000ull, 0x1000, MB2_MMAP_RESERVED), /* ends at 2^64 */
		mmap_entry(0x1000, 0x1000, MB2_MMAP_AVAILABLE),
	};

	mbi_init();
	add_mmap(e, ARRAY_SIZE(e));
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 2);
	assert_issue("wraps around");
	assert_int_equal(bi.nr_mmap, 1);
	assert_range(&bi.mmap[0], 0x1000, 0x1000, MB2_MMAP_AVAILABLE);
}

static void test_efi_range_wrapping_around(void **state)
{
	(void)state;
	struct efi_memory_descriptor d[] = {
		efi_desc(EFI_CONVENTIONAL_MEMORY, 0xfffffffffff00000ull, 0x200),
	};

	mbi_init();
	add_efi_mmap(d, ARRAY_SIZE(d));
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	assert_issue("wraps around");
	assert_int_equal(bi.nr_efi_mmap, 0);
}

static void test_too_many_memory_ranges(void **state)
{
	(void)state;
	unsigned int n = BOOT_MAX_MEM_RANGES + 10;
	struct mb2_mmap_entry *e = calloc(n, sizeof(*e));
	unsigned int count;
	bool truncated;

	assert_non_null(e);
	for (unsigned int i = 0; i < n; i++) /* alternating types: nothing merges */
		e[i] = mmap_entry((uint64_t)i * 0x1000, 0x1000,
				  i % 2 ? MB2_MMAP_RESERVED : MB2_MMAP_AVAILABLE);
	mbi_init();
	add_mmap(e, n);
	add_end();
	free(e);
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.nr_mmap, BOOT_MAX_MEM_RANGES);
	assert_true(bi.mmap_truncated);
	assert_range(&bi.mmap[BOOT_MAX_MEM_RANGES - 1], (BOOT_MAX_MEM_RANGES - 1) * 0x1000ull,
		     0x1000, MB2_MMAP_RESERVED);
	boot_memory_map(&bi, &count, &truncated);
	assert_int_equal(count, BOOT_MAX_MEM_RANGES);
	assert_true(truncated);
}

static void test_many_mergeable_ranges_not_truncated(void **state)
{
	(void)state;
	unsigned int n = BOOT_MAX_MEM_RANGES + 10;
	struct mb2_mmap_entry *e = calloc(n, sizeof(*e));

	assert_non_null(e);
	for (unsigned int i = 0; i < n; i++)
		e[i] = mmap_entry((uint64_t)i * 0x1000, 0x1000, MB2_MMAP_AVAILABLE);
	mbi_init();
	add_mmap(e, n);
	add_end();
	free(e);
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_int_equal(bi.nr_mmap, 1);
	assert_false(bi.mmap_truncated);
	assert_range(&bi.mmap[0], 0, (uint64_t)n * 0x1000, MB2_MMAP_AVAILABLE);
}

static void test_parse_resets_previous_result(void **state)
{
	(void)state;
	mbi_init();
	add_string(MB2_TAG_CMDLINE, "x");
	add_module(0x400000, 0x300000, "bad");
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 1);
	mbi_init();
	add_end();
	parse();
	assert_int_equal(bi.nr_issues, 0);
	assert_null(bi.cmdline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_structure_with_end_tag),
		cmocka_unit_test(test_full_structure),
		cmocka_unit_test(test_mmap_merges_only_adjacent_same_type),
		cmocka_unit_test(test_mmap_larger_entry_size_is_accepted),
		cmocka_unit_test(test_efi_mmap_type_conversion),
		cmocka_unit_test(test_efi_descriptor_too_large_is_refused),
		cmocka_unit_test(test_boot_memory_map_prefers_bios_map),
		cmocka_unit_test(test_boot_memory_map_falls_back_to_efi_map),
		cmocka_unit_test(test_boot_memory_map_without_any_map),
		cmocka_unit_test(test_rsdp_old),
		cmocka_unit_test(test_rsdp_new),
		cmocka_unit_test(test_rsdp_new_wins_when_after_old),
		cmocka_unit_test(test_rsdp_new_wins_when_before_old),
		cmocka_unit_test(test_rsdp_old_bad_checksum_is_refused),
		cmocka_unit_test(test_rsdp_new_bad_ext_checksum_is_refused),
		cmocka_unit_test(test_rsdp_new_bad_checksum_keeps_valid_old),
		cmocka_unit_test(test_rsdp_new_length_beyond_tag_is_refused),
		cmocka_unit_test(test_unknown_tags_are_skipped),
		cmocka_unit_test(test_parsing_stops_at_end_tag),
		cmocka_unit_test(test_avail_beyond_total_size_is_ignored),
		cmocka_unit_test(test_total_size_larger_than_avail),
		cmocka_unit_test(test_total_size_larger_than_avail_without_end_tag),
		cmocka_unit_test(test_total_size_clamped_to_max),
		cmocka_unit_test(test_total_size_below_header),
		cmocka_unit_test(test_avail_below_header),
		cmocka_unit_test(test_tag_runs_past_end),
		cmocka_unit_test(test_tag_of_size_zero),
		cmocka_unit_test(test_tag_of_size_four),
		cmocka_unit_test(test_end_tag_of_size_zero),
		cmocka_unit_test(test_truncated_module_tag),
		cmocka_unit_test(test_truncated_known_tags),
		cmocka_unit_test(test_cmdline_without_nul),
		cmocka_unit_test(test_cmdline_without_nul_at_end_of_buffer),
		cmocka_unit_test(test_module_cmdline_without_nul),
		cmocka_unit_test(test_mmap_entry_size_zero),
		cmocka_unit_test(test_mmap_entry_size_20),
		cmocka_unit_test(test_mmap_entry_size_not_multiple_of_8),
		cmocka_unit_test(test_efi_mmap_bad_descriptor_size),
		cmocka_unit_test(test_mmap_partial_entry_uses_whole_entries),
		cmocka_unit_test(test_mmap_partial_entry_at_end_of_buffer),
		cmocka_unit_test(test_duplicate_mmap_is_ignored),
		cmocka_unit_test(test_module_end_before_start),
		cmocka_unit_test(test_overlapping_modules_second_refused),
		cmocka_unit_test(test_module_inside_another_refused),
		cmocka_unit_test(test_module_overlapping_info_structure),
		cmocka_unit_test(test_missing_end_tag),
		cmocka_unit_test(test_header_only_has_no_end_tag),
		cmocka_unit_test(test_duplicate_cmdline_first_wins),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_too_many_issues_are_counted),
		cmocka_unit_test(test_memory_range_wrapping_around),
		cmocka_unit_test(test_efi_range_wrapping_around),
		cmocka_unit_test(test_too_many_memory_ranges),
		cmocka_unit_test(test_many_mergeable_ranges_not_truncated),
		cmocka_unit_test(test_parse_resets_previous_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
