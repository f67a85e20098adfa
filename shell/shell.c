/* The debug shell: line editing, splitting into words, and the dispatch. */
#include "shell/shell.h"
#include "console/console.h"
#include "lib/fmt.h"
#include "shell/shell_parse.h"
#include "console/log.h"
#include "host/percpu.h"
#include "lib/string.h"

#define BACKSPACE 0x08
#define DELETE    0x7f
#define CTRL_C    0x03

static char line[SHELL_LINE_MAX + 1];
static unsigned int len;

static void (*capture)(const char *s, size_t len);

void shell_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (capture)
		capture(buf, MIN((size_t)n, sizeof(buf) - 1));
	else
		console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

void shell_prompt(void)
{
	console_write("hv> ", 4);
}

static void execute(char *s)
{
	char *argv[SHELL_ARGS_MAX];
	int argc = shell_split_words(s, argv, SHELL_ARGS_MAX);
	const struct shell_cmd *c;

	if (argc == 0)
		return;
	c = argc < 0 ? NULL : shell_find_cmd(argv[0]);
	if (argc < 0)
		shell_printf("too many words (at most %u)\n", SHELL_ARGS_MAX);
	else if (!c)
		shell_printf("unknown command '%.32s' (help lists them)\n", argv[0]);
	else if ((unsigned int)argc - 1 < c->min_args || (unsigned int)argc - 1 > c->max_args)
		shell_printf("usage: %s %s\n", c->name, c->args);
	else
		c->run(argc, argv);
}

static const struct percpu *log_cpu;

static bool on_log_cpu(void) { return this_cpu() == log_cpu; }

void shell_log_from(const struct percpu *cpu)
{
	if (!capture)
		return;
	log_cpu = cpu;
	log_capture(cpu ? capture : NULL, on_log_cpu);
}

void shell_run_captured(char *s, void (*sink)(const char *s, size_t len))
{
	capture = sink;
	execute(s);
	capture = NULL;
}

static void end_line(void)
{
	console_write("\n", 1);
	line[len] = '\0';
	execute(line);
	len = 0;
	shell_prompt();
}

void shell_input(char c)
{
	if (c == '\r' || c == '\n') {
		end_line();
	} else if (c == BACKSPACE || c == DELETE) {
		if (len) {
			len--;
			console_write("\b \b", 3);
		}
	} else if (c == CTRL_C) {
		len = 0;
		console_write("^C\n", 3);
		shell_prompt();
	} else if (c >= ' ' && c < DELETE && len < SHELL_LINE_MAX) {
		line[len++] = c;
		console_write(&c, 1);
	}
}

struct partition *shell_guest(const char *arg)
{
	struct partition *p = partition_find(arg);

	if (!p)
		shell_printf("no guest '%.32s' (guests lists them)\n", arg);
	return p;
}

struct vcpu *shell_vcpu(const char *arg)
{
	struct shell_vcpu_arg a;
	struct partition *p;
	uint64_t index = 0;

	if (!shell_parse_vcpu_arg(arg, &a)) {
		shell_printf("no guest '%.32s'\n", arg);
		return NULL;
	}
	p = shell_guest(a.guest);
	if (!p || (a.index && !shell_number(a.index, p->nr_vcpus - 1, &index)))
		return NULL;
	return p->vcpus[index];
}

bool shell_number(const char *arg, uint64_t max, uint64_t *out)
{
	if (shell_parse_number(arg, max, out))
		return true;
	shell_printf("'%.32s': expected a number from 0 to %lu\n", arg, max);
	return false;
}
