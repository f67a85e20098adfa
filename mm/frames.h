/* The physical frame allocator: a bitmap over all usable RAM. */
#ifndef HV_MM_FRAMES_H
#define HV_MM_FRAMES_H

#include "mm/memmap.h"

#define FRAMES_NO_LIMIT (~0ULL)

/* Builds the bitmap, placing it in the free memory it describes. */
bool frames_init(const struct phys_range *free, unsigned int nr_free);

/*
 * count contiguous frames aligned to align_frames frames, ending at or below
 * limit; returns 0 when there are none (frame 0 is never handed out).
 */
paddr_t frames_alloc(size_t count, size_t align_frames, paddr_t limit);
paddr_t frames_alloc_zeroed(size_t count, size_t align_frames, paddr_t limit);
void frames_free(paddr_t pa, size_t count);
void frames_stats(size_t *total, size_t *free);

#endif
