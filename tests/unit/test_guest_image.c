/*
 * Host unit tests of the guest kernel image parser and loader
 * (loader/guest_image.c, guest_elf.c, guest_multiboot.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loader/guest_image.h"

/*
 * The images are written byte by byte at the offsets of the specifications,
 * independently of the loader's structures. A standard image is
 * IMG_SIZE bytes: the ELF header, its program headers at PHOFF, a multiboot
 * header at MB_OFF, text at TEXT_OFF and data (then BSS) at DATA_OFF.
 */
#define MEM_SIZE   (64 * MiB)
#define IMG_SIZE   0x3000
#define PHOFF      0x40
#define MB_OFF     0x800
#define TEXT_OFF   0x1000
#define TEXT_GPA   0x100000
#define TEXT_SIZE  0x1000
#define DATA_OFF   0x2000
#define DATA_GPA   0x200000
#define DATA_SIZE  0x800
#define DATA_MEMSZ 0x3000
#define ENTRY      (TEXT_GPA + 0x10)

#define MB1_MAGIC        0x1BADB002u
#define MB1_AOUT_KLUDGE  (1u << 16)
#define MB2_MAGIC        0xE85250D6u
#define PT_LOAD          1
#define PT_NOTE          4

/* A multiboot2 header tag's first two words. */
#define TAG(type, flags, size) ((type) | (flags) << 16), (size)
#define OPTIONAL 1

struct seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static const struct seg std_segs[] = {
	{ PT_LOAD, TEXT_OFF, TEXT_GPA, TEXT_GPA, TEXT_SIZE, TEXT_SIZE },
	{ PT_LOAD, DATA_OFF, DATA_GPA, DATA_GPA, DATA_SIZE, DATA_MEMSZ },
};

/* ---- Writing images --------------------------------------------------- */

static void put16(uint8_t *f, size_t off, uint16_t v) { memcpy(f + off, &v, sizeof(v)); }
static void put32(uint8_t *f, size_t off, uint32_t v) { memcpy(f + off, &v, sizeof(v)); }
static void put64(uint8_t *f, size_t off, uint64_t v) { memcpy(f + off, &v, sizeof(v)); }

static uint8_t pattern(size_t off) { return (uint8_t)(off * 7 + 3); }

/* A file of exactly size bytes (ASan catches a read past it), filled with pattern(). */
static uint8_t *new_file(size_t size)
{
	uint8_t *f = malloc(size);

	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		f[i] = pattern(i);
	return f;
}

/* A copy of the first size bytes of f, which is freed. */
static uint8_t *truncate_file(uint8_t *f, size_t size)
{
	uint8_t *t = malloc(size);

	memcpy(t, f, size);
	free(f);
	return t;
}

static void put_ident(uint8_t *f, uint8_t class)
{
	memset(f, 0, 16);
	memcpy(f, "\177ELF", 4);
	f[4] = class;
	f[5] = 1; /* little-endian */
	f[6] = 1; /* version */
}

static void put_elf32(uint8_t *f, uint32_t entry, const struct seg *segs, unsigned int nr)
{
	put_ident(f, 1);
	put16(f, 0x10, 2);    /* ET_EXEC */
	put16(f, 0x12, 3);    /* EM_386 */
	put32(f, 0x14, 1);
	put32(f, 0x18, entry);
	put32(f, 0x1c, PHOFF);
	put16(f, 0x2a, 32);
	put16(f, 0x2c, (uint16_t)nr);
	for (unsigned int i = 0; i < nr; i++) {
		uint8_t *ph = f + PHOFF + i * 32;
		put32(ph, 0x00, segs[i].type);
		put32(ph, 0x04, (uint32_t)segs[i].offset);
		put32(ph, 0x08, (uint32_t)segs[i].vaddr);
		put32(ph, 0x0c, (uint32_t)segs[i].paddr);
		put32(ph, 0x10, (uint32_t)segs[i].filesz);
		put32(ph, 0x14, (uint32_t)segs[i].memsz);
	}
}

static void put_elf64(uint8_t *f, uint64_t entry, const struct seg *segs, unsigned int nr)
{
	put_ident(f, 2);
	put16(f, 0x10, 2);    /* ET_EXEC */
	put16(f, 0x12, 62);   /* EM_X86_64 */
	put32(f, 0x14, 1);
	put64(f, 0x18, entry);
	put64(f, 0x20, PHOFF);
	put16(f, 0x36, 56);
	put16(f, 0x38, (uint16_t)nr);
	for (unsigned int i = 0; i < nr; i++) {
		uint8_t *ph = f + PHOFF + i * 56;
		put32(ph, 0x00, segs[i].type);
		put64(ph, 0x08, segs[i].offset);
		put64(ph, 0x10, segs[i].vaddr);
		put64(ph, 0x18, segs[i].paddr);
		put64(ph, 0x20, segs[i].filesz);
		put64(ph, 0x28, segs[i].memsz);
	}
}

static void put_mb1(uint8_t *f, size_t off, uint32_t flags)
{
	put32(f, off, MB1_MAGIC);
	put32(f, off + 4, flags);
	put32(f, off + 8, -(MB1_MAGIC + flags));
}

static void put_mb1_kludge(uint8_t *f, size_t off, uint32_t header_addr, uint32_t load_addr,
			   uint32_t load_end_addr, uint32_t bss_end_addr, uint32_t entry_addr)
{
	put_mb1(f, off, MB1_AOUT_KLUDGE);
	put32(f, off + 12, header_addr);
	put32(f, off + 16, load_addr);
	put32(f, off + 20, load_end_addr);
	put32(f, off + 24, bss_end_addr);
	put32(f, off + 28, entry_addr);
}

static void put_mb2_fixed(uint8_t *f, size_t off, uint32_t arch, uint32_t len)
{
	put32(f, off, MB2_MAGIC);
	put32(f, off + 4, arch);
	put32(f, off + 8, len);
	put32(f, off + 12, -(MB2_MAGIC + arch + len));
}

/* A multiboot2 header at off: the tags given as words, then an end tag. */
static void put_mb2(uint8_t *f, size_t off, const uint32_t *tags, size_t nr_words)
{
	uint32_t len = (uint32_t)(16 + nr_words * 4 + 8);

	put_mb2_fixed(f, off, 0, len);
	memcpy(f + off + 16, tags, nr_words * 4);
	put32(f, off + len - 8, 0);
	put32(f, off + len - 4, 8);
}

#define PUT_MB2(f, off, ...)                                                  \
	do {                                                                  \
		const uint32_t tags_[] = { __VA_ARGS__ };                     \
		put_mb2(f, off, tags_, ARRAY_SIZE(tags_));                    \
	} while (0)

static void put_mb2_no_tags(uint8_t *f, size_t off)
{
	static const uint32_t none[1];

	put_mb2(f, off, none, 0);
}

static uint8_t *elf32_mb1_image(void)
{
	uint8_t *f = new_file(IMG_SIZE);

	put_elf32(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	put_mb1(f, MB_OFF, 3);
	return f;
}

static uint8_t *elf64_mb1_image(void)
{
	uint8_t *f = new_file(IMG_SIZE);

	put_elf64(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	put_mb1(f, MB_OFF, 3);
	return f;
}

static uint8_t *elf32_image_with(const struct seg *segs, unsigned int nr, uint32_t entry)
{
	uint8_t *f = new_file(IMG_SIZE);

	put_elf32(f, entry, segs, nr);
	put_mb1(f, MB_OFF, 0);
	return f;
}

/* ---- Checking results ------------------------------------------------- */

static void parse_ok(const uint8_t *f, size_t size, struct guest_image *img)
{
	const char *err = guest_image_parse(f, size, MEM_SIZE, img);

	if (err)
		fail_msg("unexpected refusal: %s", err);
}

/* Expects f to be refused with a message containing needle; frees f. */
static void expect_refusal_mem(uint8_t *f, size_t size, uint64_t mem_size, const char *needle)
{
	struct guest_image img;
	const char *err = guest_image_parse(f, size, mem_size, &img);

	free(f);
	if (!err)
		fail_msg("accepted, expected '%s'", needle);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
}

static void expect_refusal(uint8_t *f, size_t size, const char *needle)
{
	expect_refusal_mem(f, size, MEM_SIZE, needle);
}

static void assert_segment(const struct guest_image *img, unsigned int i, uint64_t gpa,
			   uint64_t offset, uint64_t filesz, uint64_t memsz)
{
	assert_true(i < img->nr_segments);
	assert_int_equal(img->segments[i].gpa, gpa);
	assert_int_equal(img->segments[i].offset, offset);
	assert_int_equal(img->segments[i].filesz, filesz);
	assert_int_equal(img->segments[i].memsz, memsz);
}

static void assert_std_segments(const struct guest_image *img)
{
	assert_int_equal(img->nr_segments, 2);
	assert_segment(img, 0, TEXT_GPA, TEXT_OFF, TEXT_SIZE, TEXT_SIZE);
	assert_segment(img, 1, DATA_GPA, DATA_OFF, DATA_SIZE, DATA_MEMSZ);
	assert_int_equal(img->entry, ENTRY);
	assert_int_equal(img->end, DATA_GPA + DATA_MEMSZ);
}

static bool in_any_segment(const struct guest_image *img, uint64_t gpa)
{
	for (unsigned int i = 0; i < img->nr_segments; i++)
		if (gpa >= img->segments[i].gpa && gpa < img->segments[i].gpa + img->segments[i].memsz)
			return true;
	return false;
}

/* Loads into 4 MiB of 0xcc: each segment holds its file bytes then zeroes; nothing else changed. */
static void check_load(const struct guest_image *img, const uint8_t *f)
{
	size_t mem_size = 4 * MiB;
	uint8_t *mem = malloc(mem_size);

	memset(mem, 0xcc, mem_size);
	guest_image_load(img, f, mem);
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct guest_segment *s = &img->segments[i];
		for (uint64_t k = 0; k < s->memsz; k++)
			assert_int_equal(mem[s->gpa + k], k < s->filesz ? f[s->offset + k] : 0);
	}
	for (size_t a = 0; a < mem_size; a++)
		if (!in_any_segment(img, a))
			assert_int_equal(mem[a], 0xcc);
	free(mem);
}

/* ---- Success paths ---------------------------------------------------- */

static void test_elf32_mb1(void **state)
{
	uint8_t *f = elf32_mb1_image();
	struct guest_image img;

	(void)state;
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.protocol, GUEST_BOOT_MULTIBOOT1);
	assert_std_segments(&img);
	check_load(&img, f);
	free(f);
}

static void test_elf64_mb1(void **state)
{
	uint8_t *f = elf64_mb1_image();
	struct guest_image img;

	(void)state;
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.protocol, GUEST_BOOT_MULTIBOOT1);
	assert_std_segments(&img);
	check_load(&img, f);
	free(f);
}

/* A higher-half kernel: the entry point is translated through its segment, as GRUB does. */
static void test_elf_entry_translated(void **state)
{
	static const struct seg segs32[] = {
		{ PT_LOAD, TEXT_OFF, 0xc0100000, TEXT_GPA, TEXT_SIZE, TEXT_SIZE },
	};
	static const struct seg segs64[] = {
		{ PT_LOAD, TEXT_OFF, 0xffffffff80100000, TEXT_GPA, TEXT_SIZE, TEXT_SIZE },
	};
	uint8_t *f = new_file(IMG_SIZE);
	struct guest_image img;

	(void)state;
	put_elf32(f, 0xc0100020, segs32, 1);
	put_mb1(f, MB_OFF, 0);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.entry, TEXT_GPA + 0x20);
	put_elf64(f, 0xffffffff80100030, segs64, 1);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.entry, TEXT_GPA + 0x30);
	free(f);
}

static void test_elf_skips_other_and_empty_segments(void **state)
{
	static const struct seg segs[] = {
		{ PT_NOTE, 0, 0, 0, 0x100, 0x100 },
		{ PT_LOAD, TEXT_OFF, TEXT_GPA, TEXT_GPA, TEXT_SIZE, TEXT_SIZE },
		{ PT_LOAD, 0, 0x300000, 0x300000, 0, 0 },
		{ PT_LOAD, DATA_OFF, DATA_GPA, DATA_GPA, 0, DATA_MEMSZ }, /* BSS only */
	};
	uint8_t *f = elf32_image_with(segs, ARRAY_SIZE(segs), ENTRY);
	struct guest_image img;

	(void)state;
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.nr_segments, 2);
	assert_segment(&img, 1, DATA_GPA, DATA_OFF, 0, DATA_MEMSZ);
	check_load(&img, f);
	free(f);
}

static void test_end_is_page_aligned(void **state)
{
	static const struct seg segs[] = {
		{ PT_LOAD, TEXT_OFF, TEXT_GPA, TEXT_GPA, 0x10, 0x11 },
	};
	uint8_t *f = elf32_image_with(segs, 1, ENTRY);
	struct guest_image img;

	(void)state;
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.end, TEXT_GPA + PAGE_SIZE);
	free(f);
}

static void test_mb1_flags_ignored(void **state)
{
	uint8_t *f = elf32_mb1_image();
	struct guest_image img;

	(void)state;
	/* bit 2 (video mode) may be ignored; bits 16-31 other than 16 are optional */
	put_mb1(f, MB_OFF, (1u << 2) | (1u << 0) | (1u << 31));
	parse_ok(f, IMG_SIZE, &img);
	assert_std_segments(&img);
	free(f);
}

static void test_mb1_header_at_search_limit(void **state)
{
	uint8_t *f = new_file(0x3000);
	struct guest_image img;

	(void)state;
	put_elf32(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	put_mb1(f, 8192 - 12, 0); /* its last byte is the 8192nd */
	parse_ok(f, 0x3000, &img);
	free(f);
}

/* Multiboot 0.6.96 3.1.3: a raw image placed by the header's load addresses. */
static void test_aout_kludge(void **state)
{
	uint8_t *f = new_file(0x2000);
	struct guest_image img;

	(void)state;
	put_mb1_kludge(f, 0x40, 0x100040, 0x100000, 0, 0x105000, 0x100080);
	parse_ok(f, 0x2000, &img);
	assert_int_equal(img.protocol, GUEST_BOOT_MULTIBOOT1);
	assert_int_equal(img.nr_segments, 1);
	assert_segment(&img, 0, 0x100000, 0, 0x2000, 0x5000);
	assert_int_equal(img.entry, 0x100080);
	assert_int_equal(img.end, 0x105000);
	check_load(&img, f);
	free(f);
}

static void test_aout_kludge_offset_and_load_end(void **state)
{
	uint8_t *f = new_file(0x3000);
	struct guest_image img;

	(void)state;
	/* the header is 0x40 bytes into the loaded part, which starts at file offset 0x1000 */
	put_mb1_kludge(f, 0x1040, 0x200040, 0x200000, 0x201800, 0, 0x200100);
	parse_ok(f, 0x3000, &img);
	assert_segment(&img, 0, 0x200000, 0x1000, 0x1800, 0x1800);
	assert_int_equal(img.end, 0x202000);
	check_load(&img, f);
	free(f);
}

/* The kludge wins over the ELF headers, as in GRUB. */
static void test_aout_kludge_on_elf(void **state)
{
	uint8_t *f = elf32_mb1_image();
	struct guest_image img;

	(void)state;
	put_mb1_kludge(f, MB_OFF, 0x400000 + MB_OFF, 0x400000, 0, 0, 0x400000);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.nr_segments, 1);
	assert_segment(&img, 0, 0x400000, 0, IMG_SIZE, IMG_SIZE);
	free(f);
}

static void test_mb2_elf(void **state)
{
	uint8_t *f = new_file(IMG_SIZE);
	struct guest_image img;

	(void)state;
	put_elf64(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	put_mb2_no_tags(f, MB_OFF);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.protocol, GUEST_BOOT_MULTIBOOT2);
	assert_std_segments(&img);
	check_load(&img, f);
	free(f);
}

static void test_mb2_preferred_over_mb1(void **state)
{
	uint8_t *f = elf32_mb1_image();
	struct guest_image img;

	(void)state;
	put_mb2_no_tags(f, MB_OFF + 0x100);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.protocol, GUEST_BOOT_MULTIBOOT2);
	free(f);
}

static void test_mb2_bad_checksum_is_no_header(void **state)
{
	uint8_t *f = elf32_mb1_image();
	struct guest_image img;

	(void)state;
	put_mb2_no_tags(f, MB_OFF + 0x100);
	put32(f, MB_OFF + 0x100 + 12, 0);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.protocol, GUEST_BOOT_MULTIBOOT1);
	free(f);
}

static void test_mb2_address_tags(void **state)
{
	uint8_t *f = new_file(0x2000);
	struct guest_image img;

	(void)state;
	PUT_MB2(f, 0x1008, TAG(2, 0, 24), 0x300008, 0x300000, 0x300800, 0x304000,
		TAG(3, 0, 12), 0x300100, 0);
	parse_ok(f, 0x2000, &img);
	assert_int_equal(img.protocol, GUEST_BOOT_MULTIBOOT2);
	assert_int_equal(img.nr_segments, 1);
	assert_segment(&img, 0, 0x300000, 0x1000, 0x800, 0x4000);
	assert_int_equal(img.entry, 0x300100);
	assert_int_equal(img.end, 0x304000);
	check_load(&img, f);
	free(f);
}

/* Multiboot2 3.1.5: load_addr -1 loads the file from its beginning. */
static void test_mb2_load_from_start(void **state)
{
	uint8_t *f = new_file(0x2000);
	struct guest_image img;

	(void)state;
	PUT_MB2(f, 0x1008, TAG(2, 0, 24), 0x301008, 0xffffffff, 0, 0,
		TAG(3, 0, 12), 0x300000, 0);
	parse_ok(f, 0x2000, &img);
	assert_segment(&img, 0, 0x300000, 0, 0x2000, 0x2000);
	free(f);
}

static void test_mb2_entry_tag_on_elf(void **state)
{
	uint8_t *f = new_file(IMG_SIZE);
	struct guest_image img;

	(void)state;
	put_elf32(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	PUT_MB2(f, MB_OFF, TAG(3, 0, 12), DATA_GPA + 0x2000, 0);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.entry, DATA_GPA + 0x2000);
	assert_int_equal(img.nr_segments, 2);
	free(f);
}

static void test_mb2_tags_ignored(void **state)
{
	uint8_t *f = new_file(IMG_SIZE);
	struct guest_image img;

	(void)state;
	put_elf32(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	PUT_MB2(f, MB_OFF,
		TAG(1, 0, 16), 4, 6,                 /* information request */
		TAG(4, 0, 12), 3, 0,                 /* console flags */
		TAG(5, 0, 20), 1024, 768, 32, 0,     /* framebuffer */
		TAG(6, 0, 8),                        /* module alignment */
		TAG(7, OPTIONAL, 8),                 /* EFI boot services, optional */
		TAG(8, 0, 12), 0x100000, 0,          /* EFI i386 entry */
		TAG(9, 0, 12), 0x100000, 0,          /* EFI amd64 entry */
		TAG(10, 0, 24), 0x100000, 0x1000000, 4096, 0, /* relocatable */
		TAG(42, OPTIONAL, 12), 0, 0);        /* unknown, optional */
	parse_ok(f, IMG_SIZE, &img);
	assert_std_segments(&img);
	free(f);
}

/* ---- Refusals: headers ------------------------------------------------ */

static void test_no_header(void **state)
{
	uint8_t *f = new_file(IMG_SIZE);

	(void)state;
	put_elf32(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	expect_refusal(f, IMG_SIZE, "no multiboot2 header");
	expect_refusal(new_file(0), 0, "no multiboot2 header");
	expect_refusal(new_file(11), 11, "no multiboot2 header");
}

static void test_mb1_header_misplaced(void **state)
{
	uint8_t *f;

	(void)state;
	f = new_file(0x3000);
	put_mb1(f, 8192, 0); /* past the first 8 KiB */
	expect_refusal(f, 0x3000, "no multiboot2 header");
	f = new_file(0x3000);
	put_mb1(f, 8192 - 8, 0); /* straddles the limit */
	expect_refusal(f, 0x3000, "no multiboot2 header");
	f = new_file(0x3000);
	put_mb1(f, 0x802, 0); /* not 4-byte aligned */
	expect_refusal(f, 0x3000, "no multiboot2 header");
	f = new_file(0x3000);
	put_mb1(f, 0x800, 0);
	put32(f, 0x808, 0); /* bad checksum */
	expect_refusal(f, 0x3000, "no multiboot2 header");
}

static void test_mb1_header_truncated_by_file_end(void **state)
{
	uint8_t *f = new_file(0x100);

	(void)state;
	put32(f, 0xf8, MB1_MAGIC); /* the file ends before the checksum */
	put32(f, 0xfc, 0);
	expect_refusal(f, 0x100, "no multiboot2 header");
}

static void test_mb1_required_flags(void **state)
{
	uint8_t *f;

	(void)state;
	f = elf32_mb1_image();
	put_mb1(f, MB_OFF, (1u << 3) | 1);
	expect_refusal(f, IMG_SIZE, "requires flag bit 3, which is not supported");
	f = elf32_mb1_image();
	put_mb1(f, MB_OFF, 1u << 15);
	expect_refusal(f, IMG_SIZE, "requires flag bit 15");
}

static void test_mb1_kludge_truncated(void **state)
{
	uint8_t *f;

	(void)state;
	f = new_file(0x40 + 20);
	put_mb1(f, 0x40, MB1_AOUT_KLUDGE);
	expect_refusal(f, 0x40 + 20, "multiboot header is truncated");
	f = new_file(0x3000);
	put_mb1(f, 8192 - 16, MB1_AOUT_KLUDGE);
	expect_refusal(f, 0x3000, "lie past the first 8 KiB");
}

static void test_mb2_header_misplaced(void **state)
{
	uint8_t *f;

	(void)state;
	f = new_file(0x9000);
	put_elf32(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	put_mb2_no_tags(f, 32768); /* past the first 32 KiB */
	expect_refusal(f, 0x9000, "no multiboot2 header");
	f = new_file(IMG_SIZE);
	put_elf32(f, ENTRY, std_segs, ARRAY_SIZE(std_segs));
	put_mb2_no_tags(f, MB_OFF + 4); /* not 8-byte aligned */
	expect_refusal(f, IMG_SIZE, "no multiboot2 header");
}

static void test_mb2_bad_fixed_part(void **state)
{
	uint8_t *f;

	(void)state;
	f = new_file(IMG_SIZE);
	put_mb2_fixed(f, MB_OFF, 4, 24);
	expect_refusal(f, IMG_SIZE, "architecture 4, not i386");
	f = new_file(IMG_SIZE);
	put_mb2_fixed(f, MB_OFF, 0, 12);
	expect_refusal(f, IMG_SIZE, "header length 12 is below 16");
	f = new_file(IMG_SIZE);
	put_mb2_fixed(f, MB_OFF, 0, IMG_SIZE - MB_OFF + 8);
	expect_refusal(f, IMG_SIZE, "runs past the end of the file");
	f = new_file(0x9000);
	put_mb2_fixed(f, 0x7ff0, 0, 24);
	expect_refusal(f, 0x9000, "runs past the first 32 KiB");
}

static void test_mb2_bad_tags(void **state)
{
	uint8_t *f;

	(void)state;
	f = new_file(IMG_SIZE);
	PUT_MB2(f, MB_OFF, TAG(1, 0, 4), 0);
	expect_refusal(f, IMG_SIZE, "tag at offset 0x10 has a bad size (4)");
	f = new_file(IMG_SIZE);
	PUT_MB2(f, MB_OFF, TAG(1, 0, 100), 0);
	expect_refusal(f, IMG_SIZE, "tag at offset 0x10 has a bad size (100)");
	f = new_file(IMG_SIZE);
	put_mb2_fixed(f, MB_OFF, 0, 32);
	put32(f, MB_OFF + 16, 1);
	put32(f, MB_OFF + 20, 16);
	expect_refusal(f, IMG_SIZE, "no end tag");
	f = new_file(IMG_SIZE);
	PUT_MB2(f, MB_OFF, TAG(2, 0, 20), 0, 0, 0, 0);
	expect_refusal(f, IMG_SIZE, "address tag is truncated");
	f = new_file(IMG_SIZE);
	PUT_MB2(f, MB_OFF, TAG(3, 0, 8));
	expect_refusal(f, IMG_SIZE, "entry address tag is truncated");
}

static void test_mb2_required_tags(void **state)
{
	uint8_t *f;

	(void)state;
	f = elf32_mb1_image();
	PUT_MB2(f, MB_OFF + 0x100, TAG(42, 0, 8));
	expect_refusal(f, IMG_SIZE, "requires tag type 42, which is not supported");
	f = elf32_mb1_image();
	PUT_MB2(f, MB_OFF + 0x100, TAG(7, 0, 8));
	expect_refusal(f, IMG_SIZE, "requires EFI boot services");
}

static void test_mb2_address_tag_without_entry(void **state)
{
	uint8_t *f = new_file(0x2000);

	(void)state;
	PUT_MB2(f, 0x1008, TAG(2, 0, 24), 0x300008, 0x300000, 0, 0);
	expect_refusal(f, 0x2000, "address tag but no entry address tag");
}

/* ---- Refusals: load addresses ----------------------------------------- */

static void expect_kludge_refusal(uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
				  uint32_t bss_end, uint32_t entry, const char *needle)
{
	uint8_t *f = new_file(0x2000);

	put_mb1_kludge(f, 0x1000, header_addr, load_addr, load_end, bss_end, entry);
	expect_refusal(f, 0x2000, needle);
}

static void test_kludge_refusals(void **state)
{
	(void)state;
	expect_kludge_refusal(0x100000, 0x100004, 0, 0, 0x100004,
			      "load_addr 0x100004 must lie at most 0x1000 bytes below header_addr");
	expect_kludge_refusal(0x101000, 0xfff00, 0, 0, 0x100000,
			      "load_addr 0xfff00 must lie at most 0x1000 bytes below");
	expect_kludge_refusal(0x101000, 0x100000, 0xfffff, 0, 0x100000,
			      "load_end_addr 0xfffff lies below load_addr");
	expect_kludge_refusal(0x101000, 0x100000, 0x102000, 0x101fff, 0x100000,
			      "bss_end_addr 0x101fff lies below the end of the loaded part 0x102000");
	expect_kludge_refusal(0x101000, 0x100000, 0, 0x101000, 0x100000,
			      "bss_end_addr 0x101000 lies below the end of the loaded part 0x102000");
	expect_kludge_refusal(0x101000, 0x100000, 0x102001, 0, 0x100000,
			      "segment 0: file bytes 0x0+0x2001 lie outside the file");
	expect_kludge_refusal(0xfffff000, 0xffffe000, 0, 0, 0xffffe000,
			      "segment 0 (0xffffe000-0x100000000) lies outside guest memory [0, 0x4000000)");
	expect_kludge_refusal(0x101000, 0x100000, 0, 0, 0x102000,
			      "entry point 0x102000 is not inside a loaded segment");
	expect_kludge_refusal(0x101000, 0x100000, 0x100000, 0, 0x100000,
			      "entry point 0x100000 is not inside a loaded segment");
}

static void test_mb2_load_from_start_underflow(void **state)
{
	uint8_t *f = new_file(0x2000);

	(void)state;
	PUT_MB2(f, 0x1008, TAG(2, 0, 24), 0x1000, 0xffffffff, 0, 0, TAG(3, 0, 12), 0x1000, 0);
	expect_refusal(f, 0x2000, "must lie at most 0x1008 bytes below header_addr 0x1000");
}

/* ---- Refusals: ELF ---------------------------------------------------- */

static void test_not_elf(void **state)
{
	uint8_t *f;

	(void)state;
	f = elf32_mb1_image();
	f[0] = 0;
	expect_refusal(f, IMG_SIZE, "neither ELF32 nor ELF64");
	f = elf32_mb1_image();
	f[4] = 3;
	expect_refusal(f, IMG_SIZE, "neither ELF32 nor ELF64");
}

static void test_elf_truncated_header(void **state)
{
	uint8_t *f = new_file(48);

	(void)state;
	put_ident(f, 2);
	put_mb1(f, 32, 0);
	expect_refusal(f, 48, "ELF header is truncated");
}

static void test_elf_bad_header_fields(void **state)
{
	static const struct {
		size_t off, width;
		uint32_t value;
		const char *needle;
	} cases[] = {
		{ 5, 1, 2, "not little-endian" },
		{ 6, 1, 0, "ELF version is not 1" },
		{ 0x14, 4, 2, "ELF version is not 1" },
		{ 0x10, 2, 3, "ELF type 3 is not ET_EXEC" },
		{ 0x12, 2, 62, "ELF machine 62 is not EM_386" },
		{ 0x2a, 2, 56, "ELF program header size 56 is not 32" },
		{ 0x2c, 2, 0xffff, "too many program headers" },
		{ 0x2c, 2, 0x200, "program headers lie outside the file" },
		{ 0x1c, 4, 0xfffffff0, "program headers lie outside the file" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t *f = elf32_mb1_image();
		memcpy(f + cases[i].off, &cases[i].value, cases[i].width);
		expect_refusal(f, IMG_SIZE, cases[i].needle);
	}
}

static void test_elf64_bad_fields(void **state)
{
	uint8_t *f;

	(void)state;
	f = elf64_mb1_image();
	put16(f, 0x12, 3);
	expect_refusal(f, IMG_SIZE, "ELF machine 3 is not EM_X86_64");
	f = elf64_mb1_image();
	put64(f, 0x20, UINT64_MAX - 8); /* phoff + size wraps */
	expect_refusal(f, IMG_SIZE, "program headers lie outside the file");
	f = elf64_mb1_image();
	put64(f, PHOFF + 56 + 0x08, UINT64_MAX - 0x100); /* p_offset + p_filesz wraps */
	expect_refusal(f, IMG_SIZE, "segment 1: file bytes");
	f = elf64_mb1_image();
	put64(f, PHOFF + 56 + 0x18, UINT64_MAX - 0x100); /* p_paddr + p_memsz wraps */
	expect_refusal(f, IMG_SIZE, "segment 1 (0xfffffffffffffeff-0x2eff) lies outside guest memory");
}

static void test_elf_segment_refusals(void **state)
{
	static const struct {
		struct seg seg;
		const char *needle;
	} cases[] = {
		{ { PT_LOAD, DATA_OFF, DATA_GPA, DATA_GPA, 0x801, 0x800 },
		  "segment 1: file size 0x801 exceeds memory size 0x800" },
		{ { PT_LOAD, DATA_OFF, DATA_GPA, DATA_GPA, 0x1001, 0x2000 },
		  "segment 1: file bytes 0x2000+0x1001 lie outside the file (0x3000 bytes)" },
		{ { PT_LOAD, DATA_OFF, MEM_SIZE - 0x1000, MEM_SIZE - 0x1000, 0x800, 0x1001 },
		  "segment 1 (0x3fff000-0x4000001) lies outside guest memory [0, 0x4000000)" },
		{ { PT_LOAD, DATA_OFF, 0xfffff000, 0xfffff000, 0x800, 0x2000 },
		  "lies outside guest memory" },
		{ { PT_LOAD, DATA_OFF, TEXT_GPA + 0xfff, TEXT_GPA + 0xfff, 0x800, 0x800 },
		  "segment 1 (0x100fff-0x1017ff) overlaps segment 0" },
		{ { PT_LOAD, DATA_OFF, TEXT_GPA - 0x800, TEXT_GPA - 0x800, 0x800, 0x801 },
		  "overlaps segment 0" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct seg segs[2] = { std_segs[0], cases[i].seg };
		expect_refusal(elf32_image_with(segs, 2, ENTRY), IMG_SIZE, cases[i].needle);
	}
}

static void test_elf_adjacent_segments_accepted(void **state)
{
	static const struct seg segs[] = {
		{ PT_LOAD, TEXT_OFF, TEXT_GPA, TEXT_GPA, TEXT_SIZE, TEXT_SIZE },
		{ PT_LOAD, DATA_OFF, TEXT_GPA + TEXT_SIZE, TEXT_GPA + TEXT_SIZE, 0x800, 0x800 },
		{ PT_LOAD, DATA_OFF, MEM_SIZE - 0x1000, MEM_SIZE - 0x1000, 0x800, 0x1000 },
	};
	uint8_t *f = elf32_image_with(segs, ARRAY_SIZE(segs), ENTRY);
	struct guest_image img;

	(void)state;
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.nr_segments, 3);
	assert_int_equal(img.end, MEM_SIZE);
	free(f);
}

static void test_elf_too_many_segments(void **state)
{
	struct seg segs[GUEST_IMAGE_MAX_SEGMENTS + 1];
	struct guest_image img;
	uint8_t *f;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(segs); i++)
		segs[i] = (struct seg){ PT_LOAD, TEXT_OFF, TEXT_GPA + i * PAGE_SIZE,
					TEXT_GPA + i * PAGE_SIZE, 0x100, 0x100 };
	f = elf32_image_with(segs, GUEST_IMAGE_MAX_SEGMENTS, ENTRY);
	parse_ok(f, IMG_SIZE, &img);
	assert_int_equal(img.nr_segments, GUEST_IMAGE_MAX_SEGMENTS);
	free(f);
	f = elf32_image_with(segs, ARRAY_SIZE(segs), ENTRY);
	expect_refusal(f, IMG_SIZE, "more than 16 loadable segments");
}

static void test_elf_no_loadable_segments(void **state)
{
	static const struct seg segs[] = { { PT_NOTE, TEXT_OFF, 0, 0, 0x10, 0x10 } };

	(void)state;
	expect_refusal(elf32_image_with(segs, 1, ENTRY), IMG_SIZE, "no loadable segments");
	expect_refusal(elf32_image_with(segs, 0, ENTRY), IMG_SIZE, "no loadable segments");
}

static void test_elf_entry_refusals(void **state)
{
	static const struct seg high[] = {
		{ PT_LOAD, TEXT_OFF, 0x100000000, 0x100000000, TEXT_SIZE, TEXT_SIZE },
	};
	uint8_t *f;

	(void)state;
	expect_refusal(elf32_image_with(std_segs, 2, TEXT_GPA - 1), IMG_SIZE,
		       "entry point 0xfffff is not inside a loaded segment");
	expect_refusal(elf32_image_with(std_segs, 2, DATA_GPA + DATA_MEMSZ), IMG_SIZE,
		       "entry point 0x203000 is not inside a loaded segment");
	f = new_file(IMG_SIZE);
	put_elf64(f, 0x100000010, high, 1);
	put_mb1(f, MB_OFF, 0);
	expect_refusal_mem(f, IMG_SIZE, 8 * GiB, "entry point 0x100000010 lies above 4 GiB");
}

static void test_elf_truncated_file(void **state)
{
	uint8_t *f = truncate_file(elf32_mb1_image(), DATA_OFF + DATA_SIZE - 1);

	(void)state;
	expect_refusal(f, DATA_OFF + DATA_SIZE - 1, "segment 1: file bytes 0x2000+0x800 lie outside");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf32_mb1),
		cmocka_unit_test(test_elf64_mb1),
		cmocka_unit_test(test_elf_entry_translated),
		cmocka_unit_test(test_elf_skips_other_and_empty_segments),
		cmocka_unit_test(test_end_is_page_aligned),
		cmocka_unit_test(test_mb1_flags_ignored),
		cmocka_unit_test(test_mb1_header_at_search_limit),
		cmocka_unit_test(test_aout_kludge),
		cmocka_unit_test(test_aout_kludge_offset_and_load_end),
		cmocka_unit_test(test_aout_kludge_on_elf),
		cmocka_unit_test(test_mb2_elf),
		cmocka_unit_test(test_mb2_preferred_over_mb1),
		cmocka_unit_test(test_mb2_bad_checksum_is_no_header),
		cmocka_unit_test(test_mb2_address_tags),
		cmocka_unit_test(test_mb2_load_from_start),
		cmocka_unit_test(test_mb2_entry_tag_on_elf),
		cmocka_unit_test(test_mb2_tags_ignored),
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_mb1_header_misplaced),
		cmocka_unit_test(test_mb1_header_truncated_by_file_end),
		cmocka_unit_test(test_mb1_required_flags),
		cmocka_unit_test(test_mb1_kludge_truncated),
		cmocka_unit_test(test_mb2_header_misplaced),
		cmocka_unit_test(test_mb2_bad_fixed_part),
		cmocka_unit_test(test_mb2_bad_tags),
		cmocka_unit_test(test_mb2_required_tags),
		cmocka_unit_test(test_mb2_address_tag_without_entry),
		cmocka_unit_test(test_kludge_refusals),
		cmocka_unit_test(test_mb2_load_from_start_underflow),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_elf_truncated_header),
		cmocka_unit_test(test_elf_bad_header_fields),
		cmocka_unit_test(test_elf64_bad_fields),
		cmocka_unit_test(test_elf_segment_refusals),
		cmocka_unit_test(test_elf_adjacent_segments_accepted),
		cmocka_unit_test(test_elf_too_many_segments),
		cmocka_unit_test(test_elf_no_loadable_segments),
		cmocka_unit_test(test_elf_entry_refusals),
		cmocka_unit_test(test_elf_truncated_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
