/*
 * The Linux guest's benchmark workload (make bench, tools/bench), run by the
 * initramfs's /init when the kernel's command line has hvbench=1. Each
 * phase runs on the guest's vCPUs (three: a multicast needs two targets)
 * and prints, for each CPU, the hypervisor's exit counters of that vCPU
 * (exit-counters=on: MSR 0x4d480000 + N, read through /dev/cpu/N/msr from
 * a thread on that CPU, so the read itself costs no IPI) and the counts of
 * /proc/interrupts' per-CPU lines, as differences over the phase:
 *
 *   hvbench: phase=NAME ops=N cpu=C exits=E0,E1,... irqs=LOC:n,HVS:n,...
 *
 * Phases: idle (2 s asleep), spin (every CPU busy 2 s: the timer interrupt
 * alone), futex (two threads on CPUs 0 and 1 wake each other: each wake an
 * IPI to a halted vCPU), membarrier (an expedited membarrier from CPU 0 while
 * the other CPUs run the process: a multicast IPI), shootdown (munmap on CPU
 * 0 while the other CPUs run the process: a TLB shootdown to both) and
 * shootdown-idle (the same with the other threads asleep: their vCPUs halt).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MSR_EXIT_COUNTERS 0x4d480000
#define MAX_REASONS 64
#define MAX_CPUS 8
#define OPS 2000
#define SECONDS 2
static const char *const irq_names[] = { "LOC", "HVS", "RES", "CAL", "TLB", "HYP" };
#define NR_IRQS (sizeof(irq_names) / sizeof(irq_names[0]))

struct snapshot {
	uint64_t exits[MAX_CPUS][MAX_REASONS];
	uint64_t irqs[MAX_CPUS][NR_IRQS];
};

static int ncpus, nreasons, msr_fd[MAX_CPUS];

static void die(const char *what)
{
	fprintf(stderr, "hvbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* The counters that exist: a read past the last one is #GP, which the msr driver gives as EIO. */
static void open_counters(void)
{
	uint64_t val;
	char path[32];

	for (int c = 0; c < ncpus; c++) {
		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", c);
		msr_fd[c] = open(path, O_RDONLY);
		if (msr_fd[c] < 0)
			die(path);
	}
	pin(0);
	while (nreasons < MAX_REASONS &&
	       pread(msr_fd[0], &val, sizeof(val), MSR_EXIT_COUNTERS + nreasons) == sizeof(val))
		nreasons++;
	if (!nreasons)
		die("no exit counters (exit-counters=on on the guest's line?)");
}

static void read_irqs(struct snapshot *s)
{
	char line[1024];
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		die("/proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");

		for (unsigned int i = 0; i < NR_IRQS; i++) {
			size_t n = strlen(irq_names[i]);

			if (strncmp(p, irq_names[i], n) || p[n] != ':')
				continue;
			p += n + 1;
			for (int c = 0; c < ncpus; c++)
				s->irqs[c][i] = strtoull(p, &p, 10);
		}
	}
	fclose(f);
}

static void take(struct snapshot *s)
{
	for (int c = ncpus - 1; c >= 0; c--) {
		pin(c);
		for (int r = 0; r < nreasons; r++)
			if (pread(msr_fd[c], &s->exits[c][r], 8, MSR_EXIT_COUNTERS + r) != 8)
				die("reading an exit counter");
	}
	read_irqs(s);
}

static void report(const char *phase, long ops, const struct snapshot *a, const struct snapshot *b)
{
	for (int c = 0; c < ncpus; c++) {
		printf("hvbench: phase=%s ops=%ld cpu=%d exits=", phase, ops, c);
		for (int r = 0; r < nreasons; r++)
			printf("%s%llu", r ? "," : "",
			       (unsigned long long)(b->exits[c][r] - a->exits[c][r]));
		printf(" irqs=");
		for (unsigned int i = 0; i < NR_IRQS; i++)
			printf("%s%s:%llu", i ? "," : "", irq_names[i],
			       (unsigned long long)(b->irqs[c][i] - a->irqs[c][i]));
		printf("\n");
	}
	fflush(stdout);
}

/* ---- Threads on the other CPUs ---- */

enum helper_mode { SPIN, SLEEP };
static atomic_int stop, ready;
static atomic_uint sleep_word;

static long futex(atomic_uint *word, int op, unsigned int val)
{
	return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void *helper(void *arg)
{
	long cpu = (long)arg / 2;
	enum helper_mode mode = (long)arg % 2;

	pin((int)cpu);
	atomic_fetch_add(&ready, 1);
	if (mode == SLEEP)
		while (!atomic_load(&stop))
			futex(&sleep_word, FUTEX_WAIT, 0);
	while (!atomic_load(&stop))
		;
	return NULL;
}

static void start_helpers(pthread_t *t, int first, enum helper_mode mode)
{
	atomic_store(&stop, 0);
	atomic_store(&ready, 0);
	atomic_store(&sleep_word, 0);
	for (int c = first; c < ncpus; c++)
		if (pthread_create(&t[c], NULL, helper, (void *)(long)(c * 2 + mode)))
			die("pthread_create");
	while (atomic_load(&ready) < ncpus - first)
		sched_yield();
}

static void stop_helpers(pthread_t *t, int first)
{
	atomic_store(&stop, 1);
	atomic_store(&sleep_word, 1);
	futex(&sleep_word, FUTEX_WAKE, MAX_CPUS);
	for (int c = first; c < ncpus; c++)
		pthread_join(t[c], NULL);
}

/* ---- Phases ---- */

static void phase_idle(void)
{
	struct snapshot a, b;

	take(&a);
	sleep(SECONDS);
	take(&b);
	report("idle", 0, &a, &b);
}

static void phase_spin(void)
{
	pthread_t t[MAX_CPUS];
	struct snapshot a, b;
	time_t end;

	start_helpers(t, 1, SPIN);
	take(&a);
	pin(0);
	end = time(NULL) + SECONDS + 1;
	while (time(NULL) < end)
		;
	take(&b);
	stop_helpers(t, 1);
	report("spin", 0, &a, &b);
}

/* Ping-pong: the word is the turn, 0 for CPU 0's thread, 1 for CPU 1's. */
static atomic_uint turn;

static void play(unsigned int me)
{
	for (int i = 0; i < OPS; i++) {
		while (atomic_load(&turn) != me)
			futex(&turn, FUTEX_WAIT, !me);
		atomic_store(&turn, !me);
		futex(&turn, FUTEX_WAKE, 1);
	}
}

static void *partner(void *arg)
{
	(void)arg;
	pin(1);
	play(1);
	return NULL;
}

static void phase_futex(void)
{
	struct snapshot a, b;
	pthread_t t;

	atomic_store(&turn, 1);
	take(&a);
	pin(0);
	if (pthread_create(&t, NULL, partner, NULL))
		die("pthread_create");
	play(0);
	pthread_join(t, NULL);
	take(&b);
	report("futex", OPS, &a, &b);
}

static void phase_membarrier(void)
{
	pthread_t t[MAX_CPUS];
	struct snapshot a, b;

	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		die("membarrier register");
	start_helpers(t, 1, SPIN);
	take(&a);
	pin(0);
	for (int i = 0; i < OPS; i++)
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
			die("membarrier");
	take(&b);
	stop_helpers(t, 1);
	report("membarrier", OPS, &a, &b);
}

static void munmap_loop(void)
{
	pin(0);
	for (int i = 0; i < OPS; i++) {
		volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		munmap((void *)p, 4096);
	}
}

static void phase_shootdown(const char *name, enum helper_mode mode)
{
	pthread_t t[MAX_CPUS];
	struct snapshot a, b;

	start_helpers(t, 1, mode);
	take(&a);
	munmap_loop();
	take(&b);
	stop_helpers(t, 1);
	report(name, OPS, &a, &b);
}

int main(void)
{
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus > MAX_CPUS)
		ncpus = MAX_CPUS;
	open_counters();
	printf("hvbench: %d cpus, %d exit counters\n", ncpus, nreasons);
	phase_idle();
	phase_spin();
	phase_futex();
	phase_membarrier();
	phase_shootdown("shootdown", SPIN);
	phase_shootdown("shootdown-idle", SLEEP);
	printf("hvbench: done\n");
	return 0;
}
