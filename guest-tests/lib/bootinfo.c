/*
 * The boot information: the command line, the RAM and where the loader's own
 * data lies, read from a multiboot (v1) or multiboot2 information structure.
 */
#include "guest-tests/lib/internal.h"

/* Multiboot spec 0.6.96, 3.3 */
#define MB1_INFO_MEMORY  (1 << 0)
#define MB1_INFO_CMDLINE (1 << 2)
#define MB1_INFO_MODS    (1 << 3)
#define MB1_INFO_MMAP    (1 << 6)
#define MB1_INFO_SIZE    116 /* up to and including the framebuffer fields */

#define MMAP_AVAILABLE   1
#define HIGH_MEMORY      0x100000UL /* where mem_upper counts from */

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB below 640 KiB, KiB from 1 MiB on */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
};

struct mb1_module {
	uint32_t mod_start, mod_end;
	uint32_t string;
	uint32_t reserved;
};

struct mb1_mmap_entry {
	uint32_t size; /* of the rest of the entry */
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

/* Multiboot2 spec, 3.6 */
#define MB2_TAG_END     0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE  3
#define MB2_TAG_MEMINFO 4
#define MB2_TAG_MMAP    6

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start, mod_end;
	char string[];
};

struct mb2_tag_meminfo {
	struct mb2_tag tag;
	uint32_t mem_lower, mem_upper;
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
};

struct mb2_mmap_entry {
	uint64_t base, length;
	uint32_t type, reserved;
};

struct boot_info boot;

static void add_range(struct mem_range *ranges, unsigned int *nr, uint64_t start, uint64_t end)
{
	if (start >= end || *nr >= BOOT_MAX_RANGES)
		return;
	ranges[(*nr)++] = (struct mem_range){ start, end };
}

static void add_ram(uint64_t start, uint64_t end)
{
	add_range(boot.ram, &boot.nr_ram, start, end);
	if (end > boot.ram_end)
		boot.ram_end = end;
}

static void add_map_entry(uint64_t base, uint64_t length, uint32_t type)
{
	if (type == MMAP_AVAILABLE)
		add_ram(base, base + length);
	else
		add_range(boot.reserved, &boot.nr_reserved, base, base + length);
}

static void add_loader_data(uint64_t start, uint64_t size)
{
	add_range(boot.loader_data, &boot.nr_loader_data, start, start + size);
}

static size_t string_size(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n + 1;
}

static void add_loader_string(const char *s)
{
	add_loader_data((uintptr_t)s, string_size(s));
}

/* Without a memory map, the RAM from 1 MiB on is mem_upper KiB long. */
static void add_ram_from_mem_upper(uint32_t mem_upper)
{
	add_ram(HIGH_MEMORY, HIGH_MEMORY + (uint64_t)mem_upper * 1024);
}

static void parse_mb1_mmap(const struct mb1_info *mbi)
{
	uintptr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;

	add_loader_data(p, mbi->mmap_length);
	while (p + sizeof(struct mb1_mmap_entry) <= end) {
		const struct mb1_mmap_entry *e = (const void *)p;

		add_map_entry(e->base, e->length, e->type);
		p += e->size + sizeof(e->size);
	}
}

static void parse_mb1_modules(const struct mb1_info *mbi)
{
	const struct mb1_module *mods = (const void *)(uintptr_t)mbi->mods_addr;

	add_loader_data(mbi->mods_addr, mbi->mods_count * sizeof(*mods));
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		add_loader_data(mods[i].mod_start, mods[i].mod_end - mods[i].mod_start);
		if (mods[i].string)
			add_loader_string((const char *)(uintptr_t)mods[i].string);
	}
}

static void parse_mb1(const struct mb1_info *mbi)
{
	add_loader_data((uintptr_t)mbi, MB1_INFO_SIZE);
	if (mbi->flags & MB1_INFO_CMDLINE) {
		boot.cmdline = (const char *)(uintptr_t)mbi->cmdline;
		add_loader_string(boot.cmdline);
	}
	if (mbi->flags & MB1_INFO_MODS)
		parse_mb1_modules(mbi);
	if (mbi->flags & MB1_INFO_MMAP)
		parse_mb1_mmap(mbi);
	else if (mbi->flags & MB1_INFO_MEMORY)
		add_ram_from_mem_upper(mbi->mem_upper);
}

static void parse_mb2_mmap(const struct mb2_tag_mmap *t)
{
	uintptr_t p = (uintptr_t)(t + 1), end = (uintptr_t)t + t->tag.size;

	if (t->entry_size < sizeof(struct mb2_mmap_entry))
		return;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		add_map_entry(e->base, e->length, e->type);
	}
}

static void parse_mb2(uintptr_t info)
{
	uint32_t total_size = *(const uint32_t *)info;
	const struct mb2_tag_meminfo *meminfo = NULL;
	bool have_mmap = false;

	add_loader_data(info, total_size);
	/* Tags start after the 8-byte fixed part and are 8-byte aligned (3.6.1). */
	for (uintptr_t p = info + 8; p + sizeof(struct mb2_tag) <= info + total_size;) {
		const struct mb2_tag *t = (const void *)p;

		if (t->type == MB2_TAG_END || t->size < sizeof(*t))
			break;
		if (t->type == MB2_TAG_CMDLINE) {
			boot.cmdline = (const char *)(t + 1);
		} else if (t->type == MB2_TAG_MODULE) {
			const struct mb2_tag_module *m = (const void *)t;

			add_loader_data(m->mod_start, m->mod_end - m->mod_start);
		} else if (t->type == MB2_TAG_MEMINFO) {
			meminfo = (const void *)t;
		} else if (t->type == MB2_TAG_MMAP) {
			parse_mb2_mmap((const void *)t);
			have_mmap = true;
		}
		p += (t->size + 7) & ~7u;
	}
	if (!have_mmap && meminfo)
		add_ram_from_mem_upper(meminfo->mem_upper);
}

void boot_info_parse(uint32_t magic, uint32_t info)
{
	boot.cmdline = "";
	if (magic == MB1_BOOTLOADER_MAGIC) {
		parse_mb1((const struct mb1_info *)(uintptr_t)info);
	} else if (magic == MB2_BOOTLOADER_MAGIC) {
		parse_mb2(info);
	} else {
		guest_printf("FAIL boot: not started by a multiboot loader (EAX 0x%x)\n", magic);
		guest_exit(1);
	}
}

/* Moves *end to the end of a range that contains it; true if it moved. */
static bool extend_over(const struct mem_range *ranges, unsigned int nr, uint64_t *end)
{
	bool moved = false;

	for (unsigned int i = 0; i < nr; i++) {
		if (ranges[i].start <= *end && ranges[i].end > *end) {
			*end = ranges[i].end;
			moved = true;
		}
	}
	return moved;
}

/*
 * The memory size the loader reports: the end of the block of memory from
 * 1 MiB on, counting the reserved ranges that adjoin its RAM, as firmware may
 * keep the top of RAM for itself (SeaBIOS keeps 128 KiB, which QEMU's
 * multiboot loader reports as reserved).
 */
uint64_t boot_memory_size(void)
{
	uint64_t end = HIGH_MEMORY;

	while (extend_over(boot.ram, boot.nr_ram, &end) ||
	       extend_over(boot.reserved, boot.nr_reserved, &end))
		;
	return end;
}
