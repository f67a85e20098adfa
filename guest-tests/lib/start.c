/* From the assembly entry (entry.S) to the program's test_main(). */
#include "guest-tests/lib/internal.h"

/* Called by entry.S in long mode: MAGIC and INFO are the loader's EAX and EBX. */
void guest_main(uint32_t magic, uint32_t info);

void guest_main(uint32_t magic, uint32_t info)
{
	idt_init();
	irq_init();
	boot_info_parse(magic, info);
	test_main(boot.cmdline);
	tests_done();
}
