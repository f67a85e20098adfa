/*
 * Guest kernel images: which kind a file is (bzImage, multiboot2, multiboot),
 * the segments to load, checked against the file, guest memory and each other,
 * the entry point and the load itself. The multiboot headers are read in
 * guest_multiboot.c, ELF program headers in guest_elf.c, bzImages in
 * guest_bzimage.c. Every offset and length read from the file is checked
 * before it is used.
 */
#include "loader/guest_image_parser.h"
#include "loader/guest_bzimage.h"
#include "lib/fmt.h"
#include "lib/string.h"

const char *image_fail(struct image_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(p->img->error, sizeof(p->img->error), fmt, ap);
	va_end(ap);
	return p->img->error;
}

static bool ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
	return a_len && b_len && a < b + b_len && b < a + a_len;
}

/* The segment that [gpa, gpa + memsz) overlaps, or -1. Both ranges are validated. */
static int overlapping_segment(const struct guest_image *img, uint64_t gpa, uint64_t memsz)
{
	for (unsigned int i = 0; i < img->nr_segments; i++)
		if (ranges_overlap(gpa, memsz, img->segments[i].gpa, img->segments[i].memsz))
			return (int)i;
	return -1;
}

const char *image_add_segment(struct image_parser *p, uint64_t gpa, uint64_t offset,
			      uint64_t filesz, uint64_t memsz)
{
	struct guest_image *img = p->img;
	unsigned int n = img->nr_segments;
	int other;

	if (n == GUEST_IMAGE_MAX_SEGMENTS)
		return image_fail(p, "more than %u loadable segments", GUEST_IMAGE_MAX_SEGMENTS);
	if (filesz > memsz)
		return image_fail(p, "segment %u: file size 0x%lx exceeds memory size 0x%lx", n,
				  filesz, memsz);
	if (!image_range_ok(offset, filesz, p->size))
		return image_fail(p, "segment %u: file bytes 0x%lx+0x%lx lie outside the file (0x%zx bytes)",
				  n, offset, filesz, p->size);
	if (!image_range_ok(gpa, memsz, p->mem_size))
		return image_fail(p, "segment %u (0x%lx-0x%lx) lies outside guest memory [0, 0x%lx)",
				  n, gpa, gpa + memsz, p->mem_size);
	other = overlapping_segment(img, gpa, memsz);
	if (other >= 0)
		return image_fail(p, "segment %u (0x%lx-0x%lx) overlaps segment %d", n, gpa,
				  gpa + memsz, other);
	img->segments[img->nr_segments++] = (struct guest_segment){ gpa, offset, filesz, memsz };
	return NULL;
}

static bool entry_in_segment(const struct guest_image *img, uint64_t entry)
{
	for (unsigned int i = 0; i < img->nr_segments; i++)
		if (image_in_range(entry, img->segments[i].gpa, img->segments[i].memsz))
			return true;
	return false;
}

static uint64_t image_top(const struct guest_image *img)
{
	uint64_t top = 0;

	for (unsigned int i = 0; i < img->nr_segments; i++)
		top = MAX(top, img->segments[i].gpa + img->segments[i].memsz);
	return top;
}

static const char *check_entry_and_end(struct image_parser *p)
{
	struct guest_image *img = p->img;

	if (!img->nr_segments)
		return image_fail(p, "no loadable segments");
	if (p->entry > UINT32_MAX)
		return image_fail(p, "entry point 0x%lx lies above 4 GiB", p->entry);
	if (!entry_in_segment(img, p->entry))
		return image_fail(p, "entry point 0x%lx is not inside a loaded segment", p->entry);
	img->entry = (uint32_t)p->entry;
	img->end = ALIGN_UP(image_top(img), PAGE_SIZE);
	return NULL;
}

const char *guest_image_parse(const void *file, size_t size, uint64_t mem_size,
			      struct guest_image *img)
{
	struct image_parser p = { file, size, mem_size, img, 0 };
	const char *why;
	uint32_t off;

	memset(img, 0, sizeof(*img));
	if (bzimage_detect(file, size))
		return bzimage_parse(file, size, mem_size, img);
	if (image_find_mb2_header(&p, &off))
		why = image_parse_mb2(&p, off);
	else if (image_find_mb1_header(&p, &off))
		why = image_parse_mb1(&p, off);
	else
		return image_fail(&p, "no multiboot2 header in the first 32 KiB nor multiboot header in the first 8 KiB");
	return why ? why : check_entry_and_end(&p);
}

void guest_image_load(const struct guest_image *img, const void *file, void *mem)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct guest_segment *s = &img->segments[i];
		uint8_t *dst = (uint8_t *)mem + s->gpa;

		memcpy(dst, (const uint8_t *)file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
}
