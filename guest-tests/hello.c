/* The smallest guest: says hello with its command line, passes, exits 0. */
#include "guest-tests/lib/guest.h"

void test_main(const char *cmdline)
{
	guest_printf("hello from guest: %s\n", cmdline);
	check("hello", true, "cannot fail");
}
