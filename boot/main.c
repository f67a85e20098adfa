/* The bootstrap processor's path from the multiboot2 entry to running guests. */
#include "host/cpu_tables.h"
#include "loader/mb2.h"
#include "host/acpi.h"
#include "core/backend.h"
#include "boot/cmdline.h"
#include "console/console.h"
#include "shell/console_in.h"
#include "shell/shell.h"
#include "synic/hv.h"
#include "mm/frames.h"
#include "core/guest_apic.h"
#include "host/lapic.h"
#include "host/rtc.h"
#include "host/integrity.h"
#include "console/log.h"
#include "mm/paging.h"
#include "host/panic.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "host/pic.h"
#include "core/sched.h"
#include "smp/smp.h"
#include "host/tsc.h"
#include "lib/x86.h"
#include "boot/guests.h"
#include "core/crash.h"
#include "core/device_model.h"
#include "core/enlightenment.h"
#include "core/vcpu_run.h"
#include "cpumodel/cpuid_policy.h"
#include "cpumodel/msr_policy.h"
#include "cpumodel/xcr.h"
#include "devices/devices.h"
#include "gdb/gdb_stub.h"

extern char _image_start[], _image_end[];

static struct boot_info boot_info;
static struct acpi_info acpi_info;
static struct hv_config config;

/* The first CPU's host work: the console input and the gdb stub's port. */
static void poll_if_due(void)
{
	console_in_poll.poll_if_due();
	gdb_stub_poll_if_due();
}

static uint64_t poll_deadline(void)
{
	uint64_t console = console_in_poll.deadline(), gdb = gdb_stub_deadline();

	return !console || (gdb && gdb < console) ? gdb : console;
}

static const struct host_poll host_polls = { .poll_if_due = poll_if_due, .deadline = poll_deadline };

/* gdb=GUEST[,PORT] */
static void start_gdb_stub(void)
{
	const char *why = config.gdb_guest[0] ? gdb_stub_start(config.gdb_guest, config.gdb_port)
					      : NULL;

	if (why)
		log_warn("gdb=%s: %s; no gdb stub", config.gdb_guest, why);
}

/*
 * The layers above core plugged into it, all here: core calls them only
 * through what it declares (ARCHITECTURE.md).
 */
static void connect_layers(void)
{
	panic_set_cpu_report(crash_panic_cpu_report);
	vcpu_run_set_exit_handler(EXIT_CPUID, cpuid_guest_exit);
	vcpu_run_set_exit_handler(EXIT_RDMSR, msr_guest_rdmsr_exit);
	vcpu_run_set_exit_handler(EXIT_WRMSR, msr_guest_wrmsr_exit);
	vcpu_run_set_exit_handler(EXIT_XSETBV, xcr_guest_xsetbv);
	vcpu_run_set_exit_handler(EXIT_IO, devices_io_exit);
	vcpu_run_set_exit_handler(EXIT_NESTED_PAGE_FAULT, devices_npf_exit);
	vcpu_run_set_exit_handler(EXIT_HYPERCALL, hv_hypercall);
	device_model = &guest_device_model;
	enlightenment = &hv_enlightenment;
	debugger = &gdb_debugger;
	shell_add_cmd(&gdb_shell_cmd);
	host_poll = &host_polls;
}

static void setup_console(void)
{
	struct cmdline_result res;

	cmdline_defaults(&config);
	cmdline_parse(boot_info.cmdline, &config, &res);
	log_set_level(config.loglevel);
	shell_allow_panic(config.test_panic);
	hv_set_apic_policy(config.apic_policy);
	xcr_skip_checks(config.test_fixup);
	backend_posted_intr_off = !config.posted_intr;
	if (!console_init(config.console_port, config.console_baud))
		log_warn("console: no UART at port 0x%x, staying on COM1", config.console_port);
	log_info("micro-hypervisor starting, loaded by %s",
		 boot_info.loader_name ? boot_info.loader_name : "an unnamed loader");
	log_info("command line: '%s'", boot_info.cmdline ? boot_info.cmdline : "");
	for (unsigned int i = 0; i < res.nr_errors; i++)
		log_warn("bad option '%s': %s; using the default", res.errors[i].name,
			 res.errors[i].why);
	if (res.nr_dropped)
		log_warn("%u more bad options not shown", res.nr_dropped);
}

static void report_boot_info(void)
{
	for (unsigned int i = 0; i < boot_info.nr_issues; i++)
		log_warn("multiboot2: tag type %u at offset %u: %s, skipped",
			 boot_info.issues[i].type, boot_info.issues[i].offset,
			 boot_info.issues[i].what);
	if (boot_info.nr_issues_dropped)
		log_warn("multiboot2: %u more problems not shown", boot_info.nr_issues_dropped);
	if (boot_info.has_framebuffer)
		log_debug("framebuffer: 0x%lx, %ux%u, %u bpp", boot_info.fb.addr,
			  boot_info.fb.width, boot_info.fb.height, boot_info.fb.bpp);
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		log_info("module %u: 0x%lx-0x%lx '%s'", i, boot_info.modules[i].start,
			 boot_info.modules[i].end, boot_info.modules[i].cmdline);
}

/* Everything GRUB handed over stays where it is: never give those frames out. */
static unsigned int boot_exclusions(paddr_t mbi, struct phys_range *excl)
{
	unsigned int n = 0;

	excl[n++] = (struct phys_range){ 0, PAGE_SIZE };
	excl[n++] = (struct phys_range){ virt_to_phys(_image_start), virt_to_phys(_image_end) };
	excl[n++] = (struct phys_range){ mbi, mbi + boot_info.total_size };
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		excl[n++] = (struct phys_range){ boot_info.modules[i].start,
						 boot_info.modules[i].end };
	return n;
}

static void setup_memory(paddr_t mbi)
{
	static struct phys_range free[MEMMAP_MAX_FREE];
	struct phys_range excl[BOOT_MAX_MODULES + 3];
	unsigned int nr_map, nr_free;
	size_t total, avail;
	bool lost, truncated;

	const struct mem_range *map = boot_memory_map(&boot_info, &nr_map, &truncated);
	if (truncated)
		log_warn("memory: the map has more than %u distinct ranges; the rest is unused",
			 BOOT_MAX_MEM_RANGES);
	nr_free = memmap_free_ranges(map, nr_map, excl, boot_exclusions(mbi, excl), free,
				     ARRAY_SIZE(free), &lost);
	if (lost)
		log_warn("memory: more than %u free ranges; the rest is unused", MEMMAP_MAX_FREE);
	if (!frames_init(free, nr_free))
		panic("memory: no usable memory in the boot memory map");
	if (!paging_init(memmap_top(map, nr_map)))
		panic("memory: out of memory building the page tables");
	frames_stats(&total, &avail);
	log_info("memory: %lu MiB usable, %lu MiB free", total * PAGE_SIZE / MiB,
		 avail * PAGE_SIZE / MiB);
}

static void setup_bsp(void)
{
	struct percpu *bsp = percpu_bsp();

	idt_init();
	percpu_activate(bsp);
	pic_disable();
}

static __noreturn void run_guests(void)
{
	if (!boot_info.nr_modules) {
		log_info("no guest modules, nothing to run");
		cpu_halt_forever();
	}
	if (config.apic_policy != APIC_POLICY_OURS)
		log_info("interrupt policy: %s (apic-policy=)", apic_policy_names[config.apic_policy]);
	if (backend_select())
		guests_create(&boot_info);
	if (!nr_partitions) {
		log_err("no guest could be started");
		cpu_halt_forever();
	}
	console_in_start(config.console_input);
	start_gdb_stub();
	sched_start_all();
	cpu_idle_loop();
}

__noreturn void hv_main(paddr_t mbi);

__noreturn void hv_main(paddr_t mbi)
{
	setup_bsp();
	connect_layers();
	mb2_parse(phys_to_virt(mbi), MB2_INFO_MAX_SIZE, mbi, &boot_info);
	setup_console();
	report_boot_info();
	setup_memory(mbi);
	integrity_init();
	percpu_watch_stacks(this_cpu(), false);
	if (!acpi_init(boot_info.rsdp, boot_info.rsdp_len, &acpi_info))
		log_warn("acpi: no MADT found; running on the boot cpu only");
	tsc_init(&acpi_info.pm_timer);
	host_rtc_init();
	cpu_features_detect(&this_cpu()->features);
	cpu_enable_xsave();
	lapic_init();
	lapic_timer_calibrate();
	this_cpu()->apic_id = lapic_id();
	nr_cpus_online = 1;
	log_info("cpus online: %u", smp_start_aps(&acpi_info, cpu_idle_loop));
	smp_check_features();
	cpu_features_report(&this_cpu()->features);
	run_guests();
}
