/* Host unit tests of the Linux bzImage loader (loader/guest_bzimage.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loader/guest_bzimage.h"

#define SETUP_SECTS 4                       /* a real-mode part of 5 * 512 bytes */
#define PM_OFFSET   ((SETUP_SECTS + 1) * 512)
#define PM_SIZE     0x3000
#define FILE_SIZE   (PM_OFFSET + PM_SIZE)
#define INIT_SIZE   0x2000000               /* 32 MiB, as a decompressor would want */
#define MEM_SIZE    (64 * MiB)

static uint8_t file[FILE_SIZE];
static uint8_t *mem;
static struct guest_image img;

static void put(size_t off, uint64_t v, size_t n) { memcpy(file + off, &v, n); }

static uint64_t get(const uint8_t *p, size_t off, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p + off, n);
	return v;
}

/* A bzImage header as the 6.1 Debian kernels have it (protocol 2.15, relocatable). */
static int setup(void **state)
{
	(void)state;
	memset(file, 0, sizeof(file));
	put(0x1f1, SETUP_SECTS, 1);
	put(0x1fe, 0xaa55, 2);
	put(0x200, 0xeb, 1);
	put(0x201, 0x6a, 1);                /* the header ends at 0x202 + 0x6a = 0x26c */
	memcpy(file + 0x202, "HdrS", 4);
	put(0x206, 0x020f, 2);
	put(0x22c, 0x7fffffff, 4);          /* initrd_addr_max */
	put(0x234, 1, 1);                   /* relocatable */
	put(0x238, 0x7ff, 4);               /* cmdline_size */
	put(0x260, INIT_SIZE, 4);
	put(PM_OFFSET, 0x11223344, 4);      /* the first bytes of startup_32 */
	mem = calloc(1, MEM_SIZE);
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static void test_detect(void **state)
{
	(void)state;
	assert_true(bzimage_detect(file, FILE_SIZE));
	assert_false(bzimage_detect(file, 0x263));    /* too short for the header */
	file[0x202] = 'X';
	assert_false(bzimage_detect(file, FILE_SIZE));
	file[0x202] = 'H';
	put(0x1fe, 0, 2);
	assert_false(bzimage_detect(file, FILE_SIZE));
}

static void test_parse_loads_the_protected_mode_kernel_at_16_mib(void **state)
{
	(void)state;
	assert_null(bzimage_parse(file, FILE_SIZE, MEM_SIZE, &img));
	assert_int_equal(img.protocol, GUEST_BOOT_LINUX);
	assert_int_equal(img.entry, LINUX_LOAD_ADDR);
	assert_int_equal(img.nr_segments, 1);
	assert_int_equal(img.segments[0].gpa, LINUX_LOAD_ADDR);
	assert_int_equal(img.segments[0].offset, PM_OFFSET);
	assert_int_equal(img.segments[0].filesz, PM_SIZE);
	assert_int_equal(img.end, LINUX_LOAD_ADDR + INIT_SIZE); /* the decompressor's window */
}

static void test_setup_sects_0_means_4(void **state)
{
	(void)state;
	put(0x1f1, 0, 1);
	assert_null(bzimage_parse(file, FILE_SIZE, MEM_SIZE, &img));
	assert_int_equal(img.segments[0].offset, 5 * 512);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_string_equal(bzimage_parse(file, PM_OFFSET, MEM_SIZE, &img),
			    "bzImage: truncated: no protected-mode kernel after the setup sectors");
	assert_string_equal(bzimage_parse(file, FILE_SIZE, 32 * MiB, &img),
			    "bzImage: the kernel needs 48 MiB of guest memory, mem= gives 32");
	assert_null(bzimage_parse(file, FILE_SIZE, LINUX_MEM_MAX, &img));
	assert_string_equal(bzimage_parse(file, FILE_SIZE, LINUX_MEM_MAX + MiB, &img),
			    "bzImage: mem= would reach the I/O APIC at 0xfec00000 (at most 4075M)");
	put(0x234, 0, 1);
	assert_string_equal(bzimage_parse(file, FILE_SIZE, MEM_SIZE, &img),
			    "bzImage: the kernel is not relocatable");
	put(0x206, 0x020b, 2);
	assert_string_equal(bzimage_parse(file, FILE_SIZE, MEM_SIZE, &img),
			    "bzImage: boot protocol older than 2.12");
}

static const uint8_t *build(const char *cmdline, const struct guest_module *initrd,
			    const char **err)
{
	struct guest_boot_params bp = { .cmdline = cmdline, .mem_size = MEM_SIZE, .modules = initrd,
					.nr_modules = initrd ? 1 : 0 };

	assert_null(bzimage_parse(file, FILE_SIZE, MEM_SIZE, &img));
	return bzimage_build_zero_page(mem, file, FILE_SIZE, &img, &bp, err) ? mem + LINUX_ZERO_PAGE
									       : NULL;
}

static void test_zero_page_header_loader_cmdline(void **state)
{
	const char *err;
	const uint8_t *zp = build("console=ttyS0 nokaslr", NULL, &err);

	(void)state;
	assert_non_null(zp);
	/* the setup header, but for the two fields the loader fills in */
	assert_memory_equal(zp + 0x1f1, file + 0x1f1, 0x210 - 0x1f1);
	assert_memory_equal(zp + 0x211, file + 0x211, 0x228 - 0x211);
	assert_memory_equal(zp + 0x22c, file + 0x22c, 0x26c - 0x22c);
	assert_int_equal(zp[0x26c], 0);                 /* nothing past it */
	assert_int_equal(zp[0x1ef], 0);                 /* the sentinel stays 0 */
	assert_int_equal(zp[0x210], 0xff);              /* type_of_loader: undefined */
	assert_int_equal(get(zp, 0x228, 4), LINUX_CMDLINE);
	assert_string_equal((const char *)mem + LINUX_CMDLINE, "console=ttyS0 nokaslr");
	assert_int_equal(get(zp, 0x218, 4), 0);         /* no initrd */
}

static void assert_e820(const uint8_t *zp, unsigned int i, uint64_t addr, uint64_t len,
			uint32_t type)
{
	const uint8_t *e = zp + 0x2d0 + 20 * i;

	assert_int_equal(get(e, 0, 8), addr);
	assert_int_equal(get(e, 8, 8), len);
	assert_int_equal(get(e, 16, 4), type);
}

/* RAM below 1 MiB for the real-mode trampoline, the BIOS area reserved, RAM from 1 MiB. */
static void test_zero_page_e820(void **state)
{
	const char *err;
	const uint8_t *zp = build(NULL, NULL, &err);

	(void)state;
	assert_int_equal(zp[0x1e8], 3);
	assert_e820(zp, 0, 0, 0x9fc00, 1);
	assert_e820(zp, 1, 0x9fc00, 0x100000 - 0x9fc00, 2);
	assert_e820(zp, 2, 0x100000, MEM_SIZE - 0x100000, 1);
	assert_string_equal((const char *)mem + LINUX_CMDLINE, "");
}

static void test_initrd_at_the_top(void **state)
{
	static const char data[] = "070701 a cpio archive";
	struct guest_module initrd = { data, sizeof(data), NULL };
	const char *err;
	const uint8_t *zp = build("", &initrd, &err);
	uint64_t at;

	(void)state;
	assert_non_null(zp);
	at = get(zp, 0x218, 4);
	assert_int_equal(at, MEM_SIZE - PAGE_SIZE);
	assert_int_equal(get(zp, 0x21c, 4), sizeof(data));
	assert_memory_equal(mem + at, data, sizeof(data));
}

static void test_initrd_that_does_not_fit(void **state)
{
	struct guest_module initrd = { mem, 40 * MiB, NULL }; /* over the kernel's window */
	const char *err;

	(void)state;
	assert_null(build("", &initrd, &err));
	assert_string_equal(err, "bzImage: the initrd does not fit between the kernel and the end of memory");
}

/* guest_image_parse() hands a bzImage to the loader. */
static void test_guest_image_parse_sees_a_bzimage(void **state)
{
	(void)state;
	assert_null(guest_image_parse(file, FILE_SIZE, MEM_SIZE, &img));
	assert_int_equal(img.protocol, GUEST_BOOT_LINUX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_loads_the_protected_mode_kernel_at_16_mib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_sects_0_means_4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_page_header_loader_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_page_e820, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_at_the_top, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_that_does_not_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_image_parse_sees_a_bzimage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
