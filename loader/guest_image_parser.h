/*
 * The guest image parser's shared state and helpers, for guest_image.c (the
 * segments, the entry point), guest_multiboot.c (Multiboot 0.6.96 3.1,
 * Multiboot2 3.1) and guest_elf.c (System V gABI 4.1, chapters 4-5) only:
 * not included outside loader/.
 */
#ifndef HV_LOADER_GUEST_IMAGE_PARSER_H
#define HV_LOADER_GUEST_IMAGE_PARSER_H

#include "loader/guest_image.h"

struct image_parser {
	const uint8_t *file;
	size_t size;
	uint64_t mem_size;
	struct guest_image *img;
	uint64_t entry; /* guest-physical, checked once the segments are known */
};

/* Writes the message to p->img->error and returns it. */
const char *image_fail(struct image_parser *p, const char *fmt, ...) __printf(2, 3);

/* Whether [base, base + len) lies inside [0, limit), without overflowing. */
static inline bool image_range_ok(uint64_t base, uint64_t len, uint64_t limit)
{
	return len <= limit && base <= limit - len;
}

static inline bool image_in_range(uint64_t addr, uint64_t base, uint64_t len)
{
	return addr >= base && addr - base < len;
}

/*
 * Adds file bytes [offset, offset + filesz) at gpa, zeroed up to memsz, once
 * they lie inside the file and guest memory and overlap no other segment.
 */
const char *image_add_segment(struct image_parser *p, uint64_t gpa, uint64_t offset,
			      uint64_t filesz, uint64_t memsz);

/* guest_elf.c: the PT_LOAD segments of an ELF32 or ELF64 file and its entry point. */
const char *image_parse_elf(struct image_parser *p);

/* guest_multiboot.c: where the header is (*offset), then its segments and entry point. */
bool image_find_mb1_header(const struct image_parser *p, uint32_t *offset);
const char *image_parse_mb1(struct image_parser *p, uint32_t off);
bool image_find_mb2_header(const struct image_parser *p, uint32_t *offset);
const char *image_parse_mb2(struct image_parser *p, uint32_t off);

#endif
