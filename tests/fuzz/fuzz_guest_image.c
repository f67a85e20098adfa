/*
 * libFuzzer target for the guest kernel image loaders: multiboot (v1) and
 * multiboot2 headers, ELF32/ELF64 and raw images (loader/guest_image.c), and
 * Linux bzImages with their zero page (loader/guest_bzimage.c).
 * data[0]: bits 0-3 pick the guest memory size, bit 4 gives a bzImage an
 * initrd (the file itself); data[1..] is the module file.
 * Beyond no sanitizer report: an accepted image has 1 to 16 segments whose
 * file bytes lie inside the file and whose memory lies inside guest memory,
 * without overlapping, the entry point inside one of them and `end` past
 * all of them; loading it copies exactly the file bytes and zeroes the BSS.
 * A refusal returns a non-empty message in img->error. A bzImage's zero page
 * has the e820 map, a terminated command line and an initrd inside memory,
 * above the kernel.
 */
#include <string.h>

#include "loader/guest_bzimage.h"
#include "loader/guest_image.h"
#include "tests/fuzz/fuzz.h"

#define BACKED_MAX   (24 * MiB)	/* sizes up to this get real memory to load into */
#define E820_ENTRIES 0x1e8	/* in the zero page (Documentation/x86/zero-page.rst) */
#define RAMDISK_IMAGE 0x218
#define RAMDISK_SIZE 0x21c

static const uint64_t mem_sizes[] = {
	64 * KiB, MiB + 123, 2 * MiB, LINUX_LOAD_ADDR + 64 * KiB, BACKED_MAX, 4 * GiB,
	LINUX_MEM_MAX, LINUX_MEM_MAX + PAGE_SIZE, 0, 64 * GiB,
};

static uint8_t *backing[ARRAY_SIZE(mem_sizes)];

/* Guest memory of exactly that size, so ASan sees a write past it; NULL when too big. */
static uint8_t *guest_memory(unsigned int choice)
{
	uint64_t size = mem_sizes[choice];

	if (!size || size > BACKED_MAX)
		return NULL;
	if (!backing[choice])
		backing[choice] = malloc(size);
	return backing[choice];
}

static bool range_inside(uint64_t base, uint64_t len, uint64_t limit)
{
	return len <= limit && base <= limit - len;
}

static bool segments_overlap(const struct guest_segment *a, const struct guest_segment *b)
{
	return a->memsz && b->memsz && a->gpa < b->gpa + b->memsz && b->gpa < a->gpa + a->memsz;
}

static void check_segment(const struct guest_image *img, unsigned int i, size_t size,
			  uint64_t mem_size)
{
	const struct guest_segment *s = &img->segments[i];

	CHECK(s->filesz <= s->memsz);
	CHECK(range_inside(s->offset, s->filesz, size));
	CHECK(range_inside(s->gpa, s->memsz, mem_size));
	CHECK(s->gpa + s->memsz <= img->end);
	for (unsigned int j = 0; j < i; j++)
		CHECK(!segments_overlap(s, &img->segments[j]));
}

static bool entry_inside(const struct guest_image *img)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct guest_segment *s = &img->segments[i];

		if (img->entry >= s->gpa && img->entry - s->gpa < s->memsz)
			return true;
	}
	return false;
}

static void check_accepted(const struct guest_image *img, size_t size, uint64_t mem_size)
{
	CHECK(img->protocol == GUEST_BOOT_MULTIBOOT1 || img->protocol == GUEST_BOOT_MULTIBOOT2 ||
	      img->protocol == GUEST_BOOT_LINUX);
	CHECK(img->nr_segments >= 1 && img->nr_segments <= GUEST_IMAGE_MAX_SEGMENTS);
	CHECK(img->end % PAGE_SIZE == 0 && img->end <= ALIGN_UP(mem_size, PAGE_SIZE));
	for (unsigned int i = 0; i < img->nr_segments; i++)
		check_segment(img, i, size, mem_size);
	if (img->protocol == GUEST_BOOT_LINUX)
		CHECK(img->entry == LINUX_LOAD_ADDR);
	else
		CHECK(entry_inside(img));
}

static bool all_zero(const uint8_t *b, size_t n)
{
	return !n || (!b[0] && !memcmp(b, b + 1, n - 1));
}

static void check_load(const struct guest_image *img, const uint8_t *file, uint8_t *mem)
{
	guest_image_load(img, file, mem);
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct guest_segment *s = &img->segments[i];

		CHECK(!memcmp(mem + s->gpa, file + s->offset, s->filesz));
		CHECK(all_zero(mem + s->gpa + s->filesz, s->memsz - s->filesz));
	}
}

static uint32_t zp_u32(const uint8_t *zp, size_t off)
{
	uint32_t v;

	memcpy(&v, zp + off, sizeof(v));
	return v;
}

static void check_zero_page(const struct guest_image *img, const uint8_t *file, size_t size,
			    uint8_t *mem, uint64_t mem_size, bool initrd)
{
	static const char cmdline[] = "console=ttyS0 quiet";
	struct guest_module mod = { file, size, "initrd" };
	struct guest_boot_params bp = { cmdline, mem_size, &mod, initrd ? 1 : 0, 0xe0000 };
	const uint8_t *zp = mem + LINUX_ZERO_PAGE;
	const char *err = NULL;
	uint32_t at;

	if (bzimage_build_zero_page(mem, file, size, img, &bp, &err) == 0) {
		CHECK(err && initrd);
		return;
	}
	CHECK(!err && zp[E820_ENTRIES] == 3);
	CHECK(memchr(mem + LINUX_CMDLINE, '\0', PAGE_SIZE));
	if (!initrd)
		return;
	at = zp_u32(zp, RAMDISK_IMAGE);
	CHECK(zp_u32(zp, RAMDISK_SIZE) == size && at % PAGE_SIZE == 0 && at >= img->end);
	CHECK(range_inside(at, size, mem_size) && !memcmp(mem + at, file, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_image img;
	unsigned int choice;
	const uint8_t *file;
	const char *why;
	uint8_t *mem;

	if (size < 1)
		return 0;
	choice = (data[0] & 0xf) % ARRAY_SIZE(mem_sizes);
	file = data + 1;
	why = guest_image_parse(file, size - 1, mem_sizes[choice], &img);
	if (why) {
		CHECK(why == img.error && why[0] && memchr(why, '\0', GUEST_IMAGE_ERROR_MAX));
		return 0;
	}
	check_accepted(&img, size - 1, mem_sizes[choice]);
	mem = guest_memory(choice);
	if (!mem)
		return 0;
	check_load(&img, file, mem);
	if (img.protocol == GUEST_BOOT_LINUX)
		check_zero_page(&img, file, size - 1, mem, mem_sizes[choice], data[0] & 0x10);
	return 0;
}
