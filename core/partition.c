/*
 * Partitions: one per guest module, each with its own memory and its own
 * physical CPUs (one vCPU per CPU, never shared between partitions).
 */
#include "core/partition.h"
#include "console/console.h"
#include "console/log.h"
#include "core/device_model.h"
#include "core/guest_apic.h"
#include "host/integrity.h"
#include "host/lapic.h"
#include "host/percpu.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/x86.h"
#include "mm/frames.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4 /* isa-debug-exit */

const struct device_model *device_model;
struct partition *partitions[MAX_PARTITIONS];
unsigned int nr_partitions;
static unsigned int nr_running;

static struct partition partition_pool[MAX_PARTITIONS];
static struct vcpu vcpu_pool[MAX_CPUS];
static unsigned int nr_vcpus_used;
static unsigned int next_free_cpu;

struct partition *partition_find(const char *name)
{
	for (unsigned int i = 0; i < nr_partitions; i++)
		if (!strncmp(partitions[i]->name, name, GUEST_NAME_MAX + 1))
			return partitions[i];
	return NULL;
}

static const char *name_taken(const char *name)
{
	return partition_find(name) ? "another guest already has this name" : NULL;
}

const char *partition_alloc_memory(struct partition *p)
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

const char *partition_refuses(const struct guest_config *cfg)
{
	const char *why = name_taken(cfg->name);

	return why ? why : check_cpus(cfg);
}

struct partition *partition_new(const struct guest_config *cfg)
{
	struct partition *p;

	if (nr_partitions == MAX_PARTITIONS)
		return NULL;
	p = &partition_pool[nr_partitions];
	*p = (struct partition){ .id = nr_partitions, .config = *cfg, .mem_size = cfg->mem_size,
				 .io_lock = SPINLOCK_INIT };
	memcpy(p->name, cfg->name, sizeof(p->name));
	guest_apic_init_partition(p);
	return p;
}

struct vcpu *partition_add_vcpu(struct partition *p)
{
	unsigned int i = p->nr_vcpus;
	struct vcpu *v = &vcpu_pool[nr_vcpus_used++];

	*v = (struct vcpu){ .partition = p, .index = i, .cpu = cpus[next_free_cpu++],
			    .state = i ? VCPU_WAIT_FOR_SIPI : VCPU_RUNNING,
			    .apic_accelerated = p->apic_accelerated };
	p->vcpus[p->nr_vcpus++] = v;
	return guest_apic_init_vcpu(v) ? v : NULL;
}

void partition_discard(struct partition *p)
{
	if (p->mem_hpa)
		frames_free(p->mem_hpa, p->mem_size / PAGE_SIZE + 1);
}

void partition_start(struct partition *p)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		p->vcpus[i]->cpu->vcpu = p->vcpus[i];
	partitions[nr_partitions++] = p;
	nr_running++;
	log_info("guest %s: %u vcpu%s on cpu %u%s, %lu MiB at 0x%lx", p->name, p->nr_vcpus,
		 p->nr_vcpus > 1 ? "s" : "", p->vcpus[0]->cpu->index,
		 p->nr_vcpus > 1 ? " and up" : "", p->mem_size / MiB, p->mem_hpa);
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
		outl(QEMU_DEBUG_EXIT_PORT, code); /* when present */
}

static void wake_partition_cpus(const struct partition *p)
{
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		if (p->vcpus[i]->cpu != this_cpu())
			lapic_send_fixed(p->vcpus[i]->cpu->apic_id, WAKEUP_VECTOR);
}

void partition_end(struct partition *p, uint32_t code, const char *why)
{
	if (__atomic_exchange_n(&p->state, PARTITION_ENDED, __ATOMIC_ACQ_REL) == PARTITION_ENDED)
		return;
	p->exit_code = code;
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		p->vcpus[i]->state = VCPU_STOPPED;
	device_model->partition_ended(p);
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
