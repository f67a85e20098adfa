/* Exits with the code given as "code=N" (default 42), without a summary. */
#include "guest-tests/lib/guest.h"

#define DEFAULT_CODE 42

void test_main(const char *cmdline)
{
	uint64_t code = DEFAULT_CODE;

	cmdline_uint(cmdline, "code", &code);
	guest_printf("exiting with code %lu\n", code);
	guest_exit((uint32_t)code);
}
