/*
 * fw_cfg as the guest environment offers it: the signature, the CPU count
 * (equal to "cpus=N" when given) and the RAM size the loader also reported.
 */
#include "guest-tests/lib/guest.h"

static void check_cpu_count(const char *cmdline)
{
	uint16_t n = fw_cfg_cpu_count();
	uint64_t want;

	guest_printf("fw_cfg: %u CPUs\n", n);
	if (cmdline_uint(cmdline, "cpus", &want))
		check("fw_cfg-cpus", n == want, "fw_cfg says %u CPUs, the command line %lu", n, want);
	else
		check("fw_cfg-cpus", n >= 1, "fw_cfg says %u CPUs", n);
}

static void check_ram_size(void)
{
	uint64_t fw = fw_cfg_ram_size(), mb = boot_memory_size();

	guest_printf("fw_cfg: RAM size 0x%lx, multiboot memory size 0x%lx\n", fw, mb);
	check("fw_cfg-ram-size", fw == mb, "fw_cfg says 0x%lx, the multiboot information 0x%lx",
	      fw, mb);
}

void test_main(const char *cmdline)
{
	bool present = fw_cfg_present();

	check("fw_cfg-signature", present, "selector 0x0000 does not read \"QEMU\"");
	if (!present)
		return;
	check_cpu_count(cmdline);
	check_ram_size();
}
