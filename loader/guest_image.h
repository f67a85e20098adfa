/*
 * Guest kernel images: a multiboot (v1) or multiboot2 kernel, as ELF32, ELF64
 * or a raw image described by the header's load addresses (the "a.out kludge"),
 * or a Linux bzImage (guest_bzimage.c).
 * Pure logic: it reads only the file it is given, so it runs in host unit tests.
 */
#ifndef HV_LOADER_GUEST_IMAGE_H
#define HV_LOADER_GUEST_IMAGE_H

#include "lib/types.h"

#define GUEST_IMAGE_MAX_SEGMENTS 16
#define GUEST_IMAGE_ERROR_MAX    128

enum guest_boot_protocol {
	GUEST_BOOT_MULTIBOOT1 = 1,
	GUEST_BOOT_MULTIBOOT2 = 2,
	GUEST_BOOT_LINUX = 3,     /* a bzImage: loader/guest_bzimage.c */
};

/* Bytes [offset, offset + filesz) of the file go to gpa; the rest up to memsz is zeroed. */
struct guest_segment {
	uint64_t gpa, offset, filesz, memsz;
};

struct guest_image {
	enum guest_boot_protocol protocol;
	uint32_t entry;                 /* guest-physical, 32-bit code */
	struct guest_segment segments[GUEST_IMAGE_MAX_SEGMENTS];
	unsigned int nr_segments;
	uint64_t end;                   /* first byte past the highest segment, page-aligned */
	char error[GUEST_IMAGE_ERROR_MAX]; /* what guest_image_parse() returns on failure */
};

/*
 * Finds the multiboot2 (preferred) or multiboot header of file and the
 * segments to load, which must fit in [0, mem_size) without overlapping.
 * Returns NULL on success, else a message for the console such as
 * "segment 2 (0x...-0x...) lies outside guest memory [0, 0x4000000)",
 * which lives in img->error. Never reads outside [file, file + size).
 */
const char *guest_image_parse(const void *file, size_t size, uint64_t mem_size,
			      struct guest_image *img);

/*
 * Copies every segment of a parsed image to mem (guest-physical 0 is mem[0])
 * and zeroes the rest of each segment (its BSS).
 */
void guest_image_load(const struct guest_image *img, const void *file, void *mem);

#endif
