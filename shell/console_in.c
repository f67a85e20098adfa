/* Console input: polling the serial port and the Ctrl-A switch between owners. */
#include "shell/console_in.h"
#include "console/console.h"
#include "lib/fmt.h"
#include "devices/guest_io.h"
#include "console/log.h"
#include "core/partition.h"
#include "host/percpu.h"
#include "shell/shell.h"
#include "lib/string.h"
#include "host/tsc.h"

#define CTRL_A        0x01
#define SWITCH_PRESSES 3
#define POLLER_CPU    0

static uint64_t next_poll;
static unsigned int owner;     /* 0: the shell, n: partitions[n - 1] */
static unsigned int ctrl_a_run; /* Ctrl-A pressed this many times in a row */
static bool started;

static bool is_poller(void) { return started && this_cpu()->index == POLLER_CPU; }

static uint64_t console_poll_deadline(void)
{
	return is_poller() ? next_poll : 0;
}

static struct partition *owner_partition(void)
{
	return owner ? partitions[owner - 1] : NULL;
}

static void say(const char *s)
{
	console_write(s, strlen(s));
}

/* The next guest still running, or the shell after the last. */
static void switch_owner(void)
{
	char line[80];

	do
		owner = (owner + 1) % (nr_partitions + 1);
	while (owner && owner_partition()->state != PARTITION_RUNNING);
	if (!owner) {
		say("\nhv: console input goes to the hypervisor shell (Ctrl-A three times to switch)\n");
		shell_prompt();
		return;
	}
	fmt_snprintf(line, sizeof(line), "\nhv: console input goes to guest %s (Ctrl-A three times to switch)\n",
		     owner_partition()->name);
	say(line);
}

static void deliver(char c)
{
	struct partition *p = owner_partition();

	if (!p)
		shell_input(c);
	else if (p->state == PARTITION_RUNNING)
		vuart_receive(p, c);
	else
		switch_owner(); /* its guest has ended: on to the next owner */
}

/* Ctrl-A that does not make three in a row reaches the owner like any character. */
static void take(char c)
{
	if (c == CTRL_A && ++ctrl_a_run == SWITCH_PRESSES) {
		ctrl_a_run = 0;
		switch_owner();
		return;
	}
	if (c == CTRL_A)
		return;
	for (; ctrl_a_run; ctrl_a_run--)
		deliver(CTRL_A);
	deliver(c);
}

static void console_poll_if_due(void)
{
	int c;

	if (!is_poller() || rdtsc() < next_poll)
		return;
	next_poll = tsc_deadline_us(CONSOLE_POLL_MS * 1000);
	if (owner_partition())
		vuart_flush_unfinished(owner_partition());
	console_flush_some();
	while ((c = console_getc()) >= 0)
		take((char)c);
}

const struct host_poll console_in_poll = {
	.poll_if_due = console_poll_if_due,
	.deadline = console_poll_deadline,
};

static unsigned int find_owner(const char *guest)
{
	for (unsigned int i = 0; guest[0] && i < nr_partitions; i++)
		if (!strncmp(partitions[i]->name, guest, sizeof(partitions[i]->name)))
			return i + 1;
	if (guest[0])
		log_warn("console-input=%s: no such guest, input goes to the debug shell", guest);
	return 0;
}

void console_in_start(const char *guest)
{
	owner = find_owner(guest);
	next_poll = rdtsc();
	started = true;
	if (owner)
		log_info("console input goes to guest %s (Ctrl-A three times for the debug shell)",
			 owner_partition()->name);
	else
		log_info("debug shell on the console: press Enter for a prompt, 'help' for the commands");
}
