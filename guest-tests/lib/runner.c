/*
 * The test runner: one PASS or FAIL line per check, then a summary and the exit
 * code. Any CPU may call check(): each line is one guest_printf(), which no
 * other CPU's output interleaves.
 */
#include "lib/fmt.h"
#include "guest-tests/lib/internal.h"

static unsigned int passed, failed;

void check(const char *name, bool ok, const char *why_fmt, ...)
{
	char why[192];
	va_list ap;

	if (ok) {
		__atomic_fetch_add(&passed, 1, __ATOMIC_RELAXED);
		guest_printf("PASS %s\n", name);
		return;
	}
	__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
	va_start(ap, why_fmt);
	fmt_vsnprintf(why, sizeof(why), why_fmt, ap);
	va_end(ap);
	guest_printf("FAIL %s: %s\n", name, why);
}

void skip(const char *name, const char *why)
{
	guest_printf("SKIP %s: %s\n", name, why);
}

void tests_done(void)
{
	guest_printf("SUMMARY: %u passed, %u failed\n", passed, failed);
	guest_exit(failed == 0 && passed > 0 ? 0 : 1);
}
