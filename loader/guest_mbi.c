/*
 * The multiboot information a guest boots with. Everything is written through
 * reserve(), which keeps it inside [at, mem_size), below 4 GiB and out of the
 * range the memory map declares reserved.
 */
#include "loader/guest_mbi.h"
#include "loader/multiboot2.h"
#include "lib/string.h"

#define LOADER_NAME    "micro-hypervisor"
#define LOW_MEM_END    0x9fc00u    /* the EBDA, VGA and BIOS area follow, up to 1 MiB */
#define MBI_MIN_ADDR   (64 * KiB)  /* DESIGN.md, "The guest environment": AP start-up code */
#define MBI_ADDR_LIMIT UINT32_MAX  /* every end address must fit the 32-bit fields */
#define MAX_MEM_RANGES 3
#define MEM_LOWER_KIB  (LOW_MEM_END / KiB) /* 639, consistent with the memory map */

/* Multiboot2 3.6.3: basic memory information. */
struct mb2_tag_basic_meminfo {
	struct mb2_tag tag; /* 0x00 */
	uint32_t mem_lower; /* 0x08: KiB from 0 */
	uint32_t mem_upper; /* 0x0c: KiB from 1 MiB */
} __packed;
_Static_assert(sizeof(struct mb2_tag_basic_meminfo) == 16, "mb2 basic meminfo tag");

/* A range of the guest's memory map, in the types both protocols share (1, 2). */
struct mem_map_range {
	uint64_t base, length;
	uint32_t type;
};

struct mbi_writer {
	uint8_t *mem;
	uint64_t next;   /* guest-physical: the first free byte */
	uint64_t limit;  /* MIN(mem_size, MBI_ADDR_LIMIT) */
	const char *err; /* why the last reservation failed */
};

static bool range_ok(uint64_t base, uint64_t len, uint64_t limit)
{
	return len <= limit && base <= limit - len;
}

static bool overlaps_low_reserved(uint64_t base, uint64_t len)
{
	return len && base < MiB && LOW_MEM_END < base + len;
}

/* Reserves len bytes at the next align-aligned address; NULL when they do not fit. */
static void *reserve(struct mbi_writer *w, uint64_t len, uint64_t align, uint32_t *gpa)
{
	uint64_t start = ALIGN_UP(w->next, align);

	if (!range_ok(start, len, w->limit)) {
		w->err = "modules and multiboot information do not fit in guest memory below 4 GiB";
		return NULL;
	}
	if (overlaps_low_reserved(start, len)) {
		w->err = "modules and multiboot information would overlap the reserved 0x9fc00-0x100000";
		return NULL;
	}
	w->next = start + len;
	*gpa = (uint32_t)start;
	return w->mem + start;
}

static void *reserve_zeroed(struct mbi_writer *w, uint64_t len, uint64_t align, uint32_t *gpa)
{
	void *p = reserve(w, len, align, gpa);

	return p ? memset(p, 0, len) : NULL;
}

static bool put_string(struct mbi_writer *w, const char *s, uint32_t *gpa)
{
	size_t len = s ? strlen(s) + 1 : 1;
	char *dst = reserve(w, len, 1, gpa);

	if (!dst)
		return false;
	memcpy(dst, s ? s : "", len);
	return true;
}

/*
 * Where copy_modules() put the module after m, which is at gpa: modules are
 * reserved first, from `at`, each on a page boundary.
 */
static uint64_t next_module_gpa(uint64_t gpa, const struct guest_module *m)
{
	return ALIGN_UP(gpa + m->size, PAGE_SIZE);
}

static bool copy_modules(struct mbi_writer *w, const struct guest_boot_params *p)
{
	uint32_t gpa;

	for (unsigned int i = 0; i < p->nr_modules; i++) {
		const struct guest_module *m = &p->modules[i];
		void *dst = reserve(w, m->size, PAGE_SIZE, &gpa);

		if (!dst)
			return false;
		memcpy(dst, m->data, m->size);
	}
	return true;
}

/* The PC layout: RAM, then the EBDA, VGA and BIOS area, then RAM from 1 MiB. */
static unsigned int guest_memory_map(uint64_t mem_size, struct mem_map_range *map)
{
	unsigned int n = 0;

	map[n++] = (struct mem_map_range){ 0, LOW_MEM_END, MB2_MMAP_AVAILABLE };
	map[n++] = (struct mem_map_range){ LOW_MEM_END, MiB - LOW_MEM_END, MB2_MMAP_RESERVED };
	if (mem_size > MiB)
		map[n++] = (struct mem_map_range){ MiB, mem_size - MiB, MB2_MMAP_AVAILABLE };
	return n;
}

static uint32_t mem_upper_kib(uint64_t mem_size)
{
	return (uint32_t)((mem_size - MiB) / KiB);
}

/* Multiboot 0.6.96 3.3: an array of 16-byte entries; the strings follow it. */
static bool put_mb1_modules(struct mbi_writer *w, uint64_t at, const struct guest_boot_params *p,
			    uint32_t *mods_addr)
{
	struct mb1_module *mods;
	uint64_t gpa = at;
	uint32_t string;

	mods = reserve_zeroed(w, (uint64_t)p->nr_modules * sizeof(*mods), 8, mods_addr);
	if (!mods)
		return false;
	for (unsigned int i = 0; i < p->nr_modules; i++) {
		if (!put_string(w, p->modules[i].cmdline, &string))
			return false;
		mods[i].mod_start = (uint32_t)gpa;
		mods[i].mod_end = (uint32_t)(gpa + p->modules[i].size);
		mods[i].string = string;
		gpa = next_module_gpa(gpa, &p->modules[i]);
	}
	return true;
}

/* Multiboot 0.6.96 3.3: each entry's size field precedes it and counts 20. */
static bool put_mb1_mmap(struct mbi_writer *w, uint64_t mem_size, struct mb1_info *info)
{
	struct mem_map_range map[MAX_MEM_RANGES];
	unsigned int n = guest_memory_map(mem_size, map);
	struct mb1_mmap_entry *e;
	uint32_t addr;

	e = reserve_zeroed(w, n * sizeof(*e), 8, &addr);
	if (!e)
		return false;
	for (unsigned int i = 0; i < n; i++)
		e[i] = (struct mb1_mmap_entry){ sizeof(*e) - sizeof(e->size), map[i].base,
						map[i].length, map[i].type };
	info->mmap_addr = addr;
	info->mmap_length = n * sizeof(*e);
	return true;
}

static uint32_t build_mb1(struct mbi_writer *w, uint64_t at, const struct guest_boot_params *p)
{
	uint32_t cmdline, loader_name, mods_addr, info_addr;
	struct mb1_info *info;

	if (!put_string(w, p->cmdline, &cmdline) || !put_string(w, LOADER_NAME, &loader_name) ||
	    !put_mb1_modules(w, at, p, &mods_addr))
		return 0;
	info = reserve_zeroed(w, sizeof(*info), 8, &info_addr);
	if (!info || !put_mb1_mmap(w, p->mem_size, info))
		return 0;
	info->flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
		      MB1_INFO_LOADER_NAME;
	info->mem_lower = MEM_LOWER_KIB;
	info->mem_upper = mem_upper_kib(p->mem_size);
	info->cmdline = cmdline;
	info->mods_count = p->nr_modules;
	info->mods_addr = mods_addr;
	info->boot_loader_name = loader_name;
	return info_addr;
}

/* Multiboot2 3.6.1: tags are 8-byte aligned; the padding is zeroed and not counted in size. */
static void *put_mb2_tag(struct mbi_writer *w, uint32_t type, uint64_t size)
{
	struct mb2_tag *tag;
	uint32_t gpa;

	tag = reserve_zeroed(w, ALIGN_UP(size, 8), 8, &gpa);
	if (!tag)
		return NULL;
	tag->type = type;
	tag->size = (uint32_t)size;
	return tag;
}

static bool put_mb2_string(struct mbi_writer *w, uint32_t type, const char *s)
{
	size_t len = s ? strlen(s) + 1 : 1;
	struct mb2_tag_string *t = put_mb2_tag(w, type, sizeof(*t) + len);

	if (!t)
		return false;
	memcpy(t->string, s ? s : "", len);
	return true;
}

static bool put_mb2_meminfo(struct mbi_writer *w, uint64_t mem_size)
{
	struct mb2_tag_basic_meminfo *t;

	t = put_mb2_tag(w, MB2_TAG_BASIC_MEMINFO, sizeof(*t));
	if (!t)
		return false;
	t->mem_lower = MEM_LOWER_KIB;
	t->mem_upper = mem_upper_kib(mem_size);
	return true;
}

static bool put_mb2_mmap(struct mbi_writer *w, uint64_t mem_size)
{
	struct mem_map_range map[MAX_MEM_RANGES];
	unsigned int n = guest_memory_map(mem_size, map);
	struct mb2_tag_mmap *t;
	struct mb2_mmap_entry *e;

	t = put_mb2_tag(w, MB2_TAG_MMAP, sizeof(*t) + n * sizeof(*e));
	if (!t)
		return false;
	t->entry_size = sizeof(*e);
	t->entry_version = 0;
	e = (struct mb2_mmap_entry *)(t + 1);
	for (unsigned int i = 0; i < n; i++)
		e[i] = (struct mb2_mmap_entry){ map[i].base, map[i].length, map[i].type, 0 };
	return true;
}

static bool put_mb2_modules(struct mbi_writer *w, uint64_t at, const struct guest_boot_params *p)
{
	uint64_t gpa = at;

	for (unsigned int i = 0; i < p->nr_modules; i++) {
		const struct guest_module *m = &p->modules[i];
		const char *cmdline = m->cmdline ? m->cmdline : "";
		size_t len = strlen(cmdline) + 1;
		struct mb2_tag_module *t = put_mb2_tag(w, MB2_TAG_MODULE, sizeof(*t) + len);

		if (!t)
			return false;
		t->mod_start = (uint32_t)gpa;
		t->mod_end = (uint32_t)(gpa + m->size);
		memcpy(t->cmdline, cmdline, len);
		gpa = next_module_gpa(gpa, m);
	}
	return true;
}

/* Multiboot2 3.6: the fixed part, then the tags, then an end tag. */
static uint32_t build_mb2(struct mbi_writer *w, uint64_t at, const struct guest_boot_params *p)
{
	struct mb2_info_header *h;
	uint32_t info_addr;

	h = reserve_zeroed(w, sizeof(*h), 8, &info_addr);
	if (!h || !put_mb2_string(w, MB2_TAG_CMDLINE, p->cmdline) ||
	    !put_mb2_string(w, MB2_TAG_LOADER_NAME, LOADER_NAME) ||
	    !put_mb2_meminfo(w, p->mem_size) || !put_mb2_mmap(w, p->mem_size) ||
	    !put_mb2_modules(w, at, p) || !put_mb2_tag(w, MB2_TAG_END, sizeof(struct mb2_tag)))
		return 0;
	h->total_size = (uint32_t)(w->next - info_addr);
	return info_addr;
}

static const char *check_params(enum guest_boot_protocol proto, uint64_t at,
				const struct guest_boot_params *p)
{
	if (proto != GUEST_BOOT_MULTIBOOT1 && proto != GUEST_BOOT_MULTIBOOT2)
		return "unknown boot protocol";
	if (p->mem_size < MiB)
		return "guest memory is smaller than 1 MiB";
	if ((p->mem_size - MiB) / KiB > UINT32_MAX)
		return "guest memory is too large for the multiboot mem_upper field";
	if (at % PAGE_SIZE || at < MBI_MIN_ADDR)
		return "multiboot information must start page-aligned, above the first 64 KiB";
	return NULL;
}

uint32_t guest_mbi_build(enum guest_boot_protocol proto, void *mem, uint64_t at,
			 const struct guest_boot_params *p, const char **err)
{
	struct mbi_writer w = { mem, at, MIN(p->mem_size, (uint64_t)MBI_ADDR_LIMIT), NULL };
	uint32_t info;

	*err = check_params(proto, at, p);
	if (*err)
		return 0;
	if (!copy_modules(&w, p)) {
		*err = w.err;
		return 0;
	}
	info = proto == GUEST_BOOT_MULTIBOOT1 ? build_mb1(&w, at, p) : build_mb2(&w, at, p);
	if (!info)
		*err = w.err;
	return info;
}
