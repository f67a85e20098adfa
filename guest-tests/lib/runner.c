/* The test runner: one PASS or FAIL line per check, then a summary and the exit code. */
#include "guest-tests/lib/internal.h"

static unsigned int passed, failed;

void check(const char *name, bool ok, const char *why_fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		guest_printf("PASS %s\n", name);
		return;
	}
	failed++;
	guest_printf("FAIL %s: ", name);
	va_start(ap, why_fmt);
	guest_vprintf(why_fmt, ap);
	va_end(ap);
	guest_printf("\n");
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
