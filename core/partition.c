/*
 * Partitions: one per guest module, each with its own memory and its own
 * physical CPUs (one vCPU per CPU, never shared between partitions).
 */
#include "core/partition.h"
#include "core/backend.h"
#include "core/console.h"
#include "core/fmt.h"
#include "core/frames.h"
#include "core/guest_apic.h"
#include "core/guest_bzimage.h"
#include "core/guest_image.h"
#include "core/guest_acpi.h"
#include "core/guest_ioapic.h"
#include "core/guest_io.h"
#include "core/guest_mbi.h"
#include "core/lapic.h"
#include "core/integrity.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/string.h"
#include "synic/hv.h"
#include "core/x86.h"

#define MB2_BOOTLOADER_MAGIC_GUEST 0x36d76289u

struct partition *partitions[MAX_PARTITIONS];
unsigned int nr_partitions;
static unsigned int nr_running;

static struct partition partition_pool[MAX_PARTITIONS];
static struct vcpu vcpu_pool[MAX_CPUS];
static unsigned int nr_vcpus_used;
static unsigned int next_free_cpu;

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

static const char *name_taken(const char *name)
{
	for (unsigned int i = 0; i < nr_partitions; i++)
		if (!strncmp(partitions[i]->name, name, GUEST_NAME_MAX + 1))
			return "another guest already has this name";
	return NULL;
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

/* The guest's RAM and, after it, a guard frame (core/integrity.c). */
static const char *allocate_memory(struct partition *p)
{
	size_t frames = p->mem_size / PAGE_SIZE + 1;

	p->mem_hpa = frames_alloc(frames, 2 * MiB / PAGE_SIZE, FRAMES_NO_LIMIT);
	if (!p->mem_hpa)
		p->mem_hpa = frames_alloc(frames, 1, FRAMES_NO_LIMIT);
	if (!p->mem_hpa)
		return "not enough free memory";
	p->mem = phys_to_virt(p->mem_hpa);
	memset(p->mem, 0, p->mem_size);
	integrity_add_guard(p->mem_hpa + p->mem_size);
	return NULL;
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

static const char *assign_vcpus(struct partition *p, const struct guest_image *img,
				uint32_t mbi)
{
	guest_apic_init_partition(p);
	guest_ioapic_init(p);
	for (unsigned int i = 0; i < p->config.cpus; i++) {
		struct vcpu *v = &vcpu_pool[nr_vcpus_used++];
		struct percpu *cpu = cpus[next_free_cpu++];
		*v = (struct vcpu){ .partition = p, .index = i, .cpu = cpu,
				    .state = i ? VCPU_WAIT_FOR_SIPI : VCPU_RUNNING,
				    .apic_accelerated = p->apic_accelerated };
		if (i == 0)
			set_boot_registers(v, img, mbi);
		p->vcpus[p->nr_vcpus++] = v;
		if (!guest_apic_init_vcpu(v) || !hv_vcpu_init(v))
			return "not enough memory for its local APICs and SynICs";
	}
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		p->vcpus[i]->cpu->vcpu = p->vcpus[i];
	return NULL;
}

static const char *check_cpus(const struct guest_config *cfg)
{
	static char why[80];
	unsigned int left = 0;

	for (unsigned int i = next_free_cpu; i < MAX_CPUS; i++)
		left += cpus[i] && (i == 0 || cpus[i]->online);
	if (cfg->cpus <= left)
		return NULL;
	fmt_snprintf(why, sizeof(why), "it asks for %u cpus but only %u are free", cfg->cpus, left);
	return why;
}

static const char *build_partition(struct partition *p, const struct module_config *mc)
{
	struct guest_image img;
	uint32_t mbi = 0;
	const char *err = name_taken(mc->cfg.name);

	if (!err)
		err = check_cpus(&mc->cfg);
	if (!err)
		err = allocate_memory(p);
	if (!err)
		err = load_guest(p, mc->module, &img, &mbi);
	if (!err && !backend->partition_init(p))
		err = "not enough memory for its nested page tables";
	if (!err && !hv_partition_init(p))
		err = "not enough memory for its hypercall page";
	/* A Linux guest has a VMBus device in its DSDT (core/guest_acpi.c). */
	p->hv.vmbus_host = img.protocol == GUEST_BOOT_LINUX;
	if (!err)
		err = assign_vcpus(p, &img, mbi);
	if (err && p->mem_hpa)
		frames_free(p->mem_hpa, p->mem_size / PAGE_SIZE + 1);
	return err;
}

static void create_partition(const struct module_config *mc)
{
	struct partition *p = &partition_pool[nr_partitions];
	const char *err;

	*p = (struct partition){ .id = nr_partitions, .config = mc->cfg,
				 .mem_size = mc->cfg.mem_size, .io_lock = SPINLOCK_INIT };
	memcpy(p->name, mc->cfg.name, sizeof(p->name));
	vrtc_init(&p->rtc);
	err = build_partition(p, mc);
	if (err) {
		log_err("guest %s refused: %s", p->name, err);
		return;
	}
	partitions[nr_partitions++] = p;
	nr_running++;
	log_info("guest %s: %u vcpu%s on cpu %u%s, %lu MiB at 0x%lx", p->name, p->nr_vcpus,
		 p->nr_vcpus > 1 ? "s" : "", p->vcpus[0]->cpu->index,
		 p->nr_vcpus > 1 ? " and up" : "", p->mem_size / MiB, p->mem_hpa);
}

/* A guest whose connections are bad (core/guest_config.c) is refused before any starts. */
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

void partitions_create(const struct boot_info *bi)
{
	for (unsigned int i = 0; i < bi->nr_modules; i++)
		parse_module_config(i, &bi->modules[i]);
	check_connections(bi->nr_modules);
	for (unsigned int i = 0; i < bi->nr_modules; i++) {
		if (!module_configs[i].valid || module_configs[i].cfg.for_name[0])
			continue;
		if (nr_partitions == MAX_PARTITIONS) {
			log_err("module %u refused: at most %u guests", i, MAX_PARTITIONS);
			continue;
		}
		create_partition(&module_configs[i]);
	}
}

const char *partition_console_prefix(const struct partition *p)
{
	static char prefixes[MAX_PARTITIONS][GUEST_NAME_MAX + 4];

	if (nr_partitions < 2)
		return "";
	fmt_snprintf(prefixes[p->id], sizeof(prefixes[p->id]), "[%s] ", p->name);
	return prefixes[p->id];
}

static void print_exit_stats(const struct partition *p)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++) {
		const struct vcpu_stats *s = &p->vcpus[i]->stats;
		char line[240];
		uint64_t total = 0;
		int n = 0;
		for (int r = 0; r < EXIT_REASON_COUNT; r++) {
			total += s->exits[r];
			if (s->exits[r] && n < (int)sizeof(line))
				n += fmt_snprintf(line + n, sizeof(line) - n, " %s %lu",
						  exit_reason_name(r), s->exits[r]);
		}
		if (!n)
			n = fmt_snprintf(line, sizeof(line), " none");
		if (s->posted && n < (int)sizeof(line))
			fmt_snprintf(line + n, sizeof(line) - n, "; posted interrupts %lu, notified %lu",
				     s->posted, s->notified);
		log_info("guest %s vcpu %u: %lu exits:%s", p->name, i, total, line);
	}
}

/* The last guest has ended: say so, and leave the emulator if there is one. */
static void guests_finished(uint32_t code)
{
	integrity_report_log();
	log_info("all guests ended, exit code %u", code);
	console_flush();
	outw(0x510, 0);
	if (inb(0x511) == 'Q' && inb(0x511) == 'E' && inb(0x511) == 'M' && inb(0x511) == 'U')
		outl(EXIT_PORT, code); /* QEMU's isa-debug-exit, when present */
}

static void wake_partition_cpus(const struct partition *p)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		if (p->vcpus[i]->cpu != this_cpu())
			lapic_send_fixed(p->vcpus[i]->cpu->apic_id, WAKEUP_VECTOR);
}

void partition_end(struct partition *p, uint32_t code, const char *why)
{
	uint64_t flags;

	if (__atomic_exchange_n(&p->state, PARTITION_ENDED, __ATOMIC_ACQ_REL) == PARTITION_ENDED)
		return;
	p->exit_code = code;
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		p->vcpus[i]->state = VCPU_STOPPED;
	flags = spin_lock_irqsave(&p->io_lock);
	vuart_flush(p);
	spin_unlock_irqrestore(&p->io_lock, flags);
	print_exit_stats(p);
	log_info("guest %s exited with code %u%s%s%s", p->name, code, why ? " (" : "",
		 why ? why : "", why ? ")" : "");
	wake_partition_cpus(p);
	if (__atomic_sub_fetch(&nr_running, 1, __ATOMIC_ACQ_REL) == 0)
		guests_finished(code);
}

void partition_vcpu_parked(struct partition *p)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		if (p->vcpus[i]->state == VCPU_RUNNING)
			return;
	partition_end(p, GUEST_HALTED_EXIT_CODE, "every vcpu halted");
}
