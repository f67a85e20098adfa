/*
 * The guests GRUB's modules describe: each module's configuration, then a
 * partition per guest, built from every layer (boot/ may use them all).
 */
#include "boot/guests.h"
#include "console/log.h"
#include "core/backend.h"
#include "cpumodel/cpuid_policy.h"
#include "cpumodel/cr_policy.h"
#include "cpumodel/msr_policy.h"
#include "devices/devices.h"
#include "devices/guest_acpi.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "loader/guest_bzimage.h"
#include "loader/guest_image.h"
#include "loader/guest_mbi.h"
#include "synic/hv.h"

#define MB2_BOOTLOADER_MAGIC_GUEST 0x36d76289u

/* A module's configuration, parsed before any partition is made. */
struct module_config {
	const struct boot_module *module;
	struct guest_config cfg;
	bool valid;
};

static struct module_config module_configs[BOOT_MAX_MODULES];

/* GRUB passes only the arguments; a first word without '=' is taken as the file name. */
static const char *split_path_word(const char *cmdline, char *path, size_t size)
{
	size_t n = 0;

	while (*cmdline == ' ')
		cmdline++;
	for (const char *s = cmdline; *s && *s != ' '; s++)
		if (*s == '=' || (s == cmdline && s[0] == '-' && s[1] == '-'))
			return cmdline;
	while (cmdline[n] && cmdline[n] != ' ' && n + 1 < size) {
		path[n] = cmdline[n];
		n++;
	}
	path[n] = '\0';
	return n ? cmdline + n : cmdline;
}

static void parse_module_config(unsigned int index, const struct boot_module *m)
{
	struct module_config *mc = &module_configs[index];
	char path[128] = "", default_name[GUEST_NAME_MAX + 1];
	const char *rest = split_path_word(m->cmdline, path, sizeof(path));
	const char *err;

	if (path[0])
		guest_name_from_path(path, default_name);
	else
		fmt_snprintf(default_name, sizeof(default_name), "guest%u", index);
	mc->module = m;
	err = guest_config_parse(rest, default_name, &mc->cfg);
	mc->valid = !err;
	if (err)
		log_err("module %u refused: %s", index, err);
}

/* The guest's own modules: those given with for=NAME, in order. */
static unsigned int collect_guest_modules(const char *name, struct guest_module *out,
					  unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < BOOT_MAX_MODULES && n < max; i++) {
		const struct module_config *mc = &module_configs[i];
		if (!mc->valid || !mc->cfg.for_name[0] ||
		    strncmp(mc->cfg.for_name, name, GUEST_NAME_MAX + 1))
			continue;
		out[n++] = (struct guest_module){ phys_to_virt(mc->module->start),
						  mc->module->end - mc->module->start,
						  mc->cfg.guest_cmdline };
	}
	return n;
}

/* Loads the image and its multiboot information; returns EBX for the guest. */
static const char *load_guest(struct partition *p, const struct boot_module *m,
			      struct guest_image *img, uint32_t *mbi)
{
	struct guest_module mods[BOOT_MAX_MODULES];
	struct guest_boot_params bp = { .cmdline = p->config.guest_cmdline,
					.mem_size = p->mem_size, .modules = mods };
	const void *file = phys_to_virt(m->start);
	const char *err = guest_image_parse(file, m->end - m->start, p->mem_size, img);

	if (err)
		return err;
	guest_image_load(img, file, p->mem);
	bp.nr_modules = collect_guest_modules(p->name, mods, ARRAY_SIZE(mods));
	if (img->protocol == GUEST_BOOT_LINUX) {
		bp.acpi_rsdp = GUEST_ACPI_BASE;
		if (!guest_acpi_build((uint8_t *)p->mem + GUEST_ACPI_BASE, GUEST_ACPI_MAX_SIZE,
				      GUEST_ACPI_BASE, p->config.cpus))
			return "its ACPI tables do not fit";
		*mbi = bzimage_build_zero_page(p->mem, file, m->end - m->start, img, &bp, &err);
	}
	else
		*mbi = guest_mbi_build(img->protocol, p->mem, MAX(img->end, 1 * MiB), &bp, &err);
	return *mbi ? NULL : err;
}

/*
 * Multiboot: EAX the magic, EBX the information. Linux's 32-bit entry:
 * ESI the zero page, EBX, EBP and EDI zero (boot.rst, "32-bit boot protocol").
 */
static void set_boot_registers(struct vcpu *v, const struct guest_image *img, uint32_t info)
{
	v->boot_entry = img->entry;
	if (img->protocol == GUEST_BOOT_LINUX) {
		v->regs.rsi = info;
		return;
	}
	v->regs.rax = img->protocol == GUEST_BOOT_MULTIBOOT2 ? MB2_BOOTLOADER_MAGIC_GUEST
							     : MB1_BOOTLOADER_MAGIC;
	v->regs.rbx = info;
}

static const char *add_vcpus(struct partition *p, const struct guest_image *img, uint32_t mbi)
{
	for (unsigned int i = 0; i < p->config.cpus; i++) {
		struct vcpu *v = partition_add_vcpu(p);

		if (!v || !hv_vcpu_init(v))
			return "not enough memory for its local APICs and SynICs";
		cr_policy_init_vcpu(v);
		msr_policy_init_vcpu(v);
		if (i == 0)
			set_boot_registers(v, img, mbi);
	}
	return NULL;
}

/*
 * The layers put together: core's partition with its RAM, the image loaded,
 * the backend's nested tables, the Hyper-V interface, the devices, the vCPUs.
 */
static const char *build_partition(struct partition *p, const struct module_config *mc)
{
	struct guest_image img;
	uint32_t mbi = 0;
	const char *err = partition_alloc_memory(p);

	if (!err)
		err = load_guest(p, mc->module, &img, &mbi);
	if (!err && !backend->partition_init(p))
		err = "not enough memory for its nested page tables";
	/* A Linux guest has a VMBus device in its DSDT (devices/guest_acpi.c). */
	if (!err && !hv_partition_init(p, img.protocol == GUEST_BOOT_LINUX))
		err = "not enough memory for its hypercall page";
	if (!err) {
		devices_partition_init(p);
		err = add_vcpus(p, &img, mbi);
	}
	return err;
}

static void create_partition(const struct module_config *mc)
{
	const char *err = partition_refuses(&mc->cfg);
	struct partition *p = NULL;

	if (!err) {
		p = partition_new(&mc->cfg);
		err = build_partition(p, mc);
	}
	if (err) {
		log_err("guest %s refused: %s", mc->cfg.name, err);
		if (p)
			partition_discard(p);
		return;
	}
	partition_start(p);
	cpu_model_log(p);
}

/* A guest whose connections are bad (loader/guest_config.c) is refused before any starts. */
static void check_connections(unsigned int nr_modules)
{
	const struct guest_config *cfgs[BOOT_MAX_MODULES];
	char why[GUEST_CONFIG_ERROR_MAX];

	for (unsigned int i = 0; i < nr_modules; i++) {
		const struct module_config *mc = &module_configs[i];

		cfgs[i] = mc->valid && !mc->cfg.for_name[0] ? &mc->cfg : NULL;
	}
	for (unsigned int i = 0; i < nr_modules; i++) {
		if (!cfgs[i] || !guest_connections_check(cfgs, nr_modules, i, why, sizeof(why)))
			continue;
		log_err("guest %s refused: %s", cfgs[i]->name, why);
		module_configs[i].valid = false;
		cfgs[i] = NULL;
	}
}

void guests_create(const struct boot_info *bi)
{
	for (unsigned int i = 0; i < bi->nr_modules; i++)
		parse_module_config(i, &bi->modules[i]);
	check_connections(bi->nr_modules);
	for (unsigned int i = 0; i < bi->nr_modules; i++) {
		if (!module_configs[i].valid || module_configs[i].cfg.for_name[0])
			continue;
		if (nr_partitions == MAX_PARTITIONS) { /* partition_new() would refuse it */
			log_err("module %u refused: at most %u guests", i, MAX_PARTITIONS);
			continue;
		}
		create_partition(&module_configs[i]);
	}
}
