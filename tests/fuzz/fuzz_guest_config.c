/*
 * libFuzzer target for the command-line parsers: a guest module's
 * (loader/guest_config.c) and the hypervisor's own (boot/cmdline.c).
 * data[0] picks the default guest name (a good one, an empty one, a too long
 * one, a bad one); data[1..], up to a NUL, is the text. It is parsed as one
 * guest command line, as the hypervisor's command line, as a module path
 * (guest_name_from_path), and, cut at newlines, as the command lines of up to
 * four guests whose connections are then checked against each other.
 * Beyond no sanitizer report: a refusal is a terminated "bad ..." message in
 * cfg->error; an accepted configuration is within every documented bound
 * (name, cpus, mem, connection ids unique, vp below cpus, sint, flag, from),
 * its guest command line points into the text, and written back as options
 * it parses to the same configuration; the hypervisor's settings are valid
 * ones whatever the errors, which are at most CMDLINE_MAX_ERRORS with
 * terminated names; a name from a path is 1 to 31 name characters; every
 * message fits its buffer.
 */
#include <string.h>

#include "boot/cmdline.h"
#include "loader/guest_config.h"
#include "console/log.h"
#include "tests/fuzz/fuzz.h"

#define MAX_GUESTS  4
#define GUARD_BYTE  0xa5
#define WHY_SIZE    64 /* small, so that long messages are cut */

static const char *const default_names[] = {
	"guest", "", "a-name-longer-than-thirty-one-characters", "bad name",
};

static bool is_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > GUEST_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void check_refusal(const struct guest_config *cfg, const char *why)
{
	CHECK(why == cfg->error && memchr(why, '\0', sizeof(cfg->error)));
	CHECK(!strncmp(why, "bad ", 4));
}

static void check_connection(const struct guest_config *cfg, unsigned int i)
{
	const struct guest_connection *c = &cfg->conns[i];

	CHECK(c->id <= GUEST_CONN_ID_MAX && c->vp < cfg->cpus && c->sint <= GUEST_SINT_MAX);
	CHECK(c->flag <= GUEST_EVENT_FLAG_MAX && (c->event || !c->flag));
	CHECK(!c->from[0] || is_name(c->from));
	for (unsigned int j = 0; j < i; j++)
		CHECK(cfg->conns[j].id != c->id);
}

static void check_accepted(const struct guest_config *cfg, const char *text)
{
	const char *g = cfg->guest_cmdline;

	CHECK(is_name(cfg->name) && (!cfg->for_name[0] || is_name(cfg->for_name)));
	CHECK(cfg->cpus >= 1 && cfg->cpus <= GUEST_MAX_CPUS);
	CHECK(cfg->mem_size >= GUEST_MIN_MEM_SIZE && cfg->mem_size <= GUEST_MAX_MEM_SIZE);
	CHECK(cfg->mem_size % PAGE_SIZE == 0);
	CHECK(!g[0] || (g > text && g < text + strlen(text) && !strchr(" \t\n\r", g[0])));
	CHECK(cfg->nr_conns <= GUEST_MAX_CONNECTIONS);
	for (unsigned int i = 0; i < cfg->nr_conns; i++)
		check_connection(cfg, i);
}

/* The configuration as options that must parse back to it. */
static size_t format_config(const struct guest_config *cfg, char *buf, size_t size)
{
	size_t n = snprintf(buf, size, "name=%s cpus=%u mem=%lu exit-counters=%s send=%s",
			    cfg->name, cfg->cpus, (unsigned long)cfg->mem_size,
			    cfg->exit_counters ? "on" : "off", cfg->no_send ? "off" : "on");

	if (cfg->for_name[0])
		n += snprintf(buf + n, size - n, " for=%s", cfg->for_name);
	for (unsigned int i = 0; i < cfg->nr_conns; i++) {
		const struct guest_connection *c = &cfg->conns[i];

		n += snprintf(buf + n, size - n, " %s=0x%x:vp=%u:sint=%u",
			      c->event ? "event" : "msg", c->id, c->vp, c->sint);
		if (c->event)
			n += snprintf(buf + n, size - n, ":flag=%u", c->flag);
		if (c->from[0])
			n += snprintf(buf + n, size - n, ":from=%s", c->from);
	}
	return n + snprintf(buf + n, size - n, " -- %s", cfg->guest_cmdline);
}

static bool same_connection(const struct guest_connection *a, const struct guest_connection *b)
{
	return a->id == b->id && a->vp == b->vp && a->sint == b->sint && a->event == b->event &&
	       a->flag == b->flag && !strcmp(a->from, b->from);
}

static void check_round_trip(const struct guest_config *cfg)
{
	static struct guest_config again;
	size_t size = 8192 + strlen(cfg->guest_cmdline);
	char *text = malloc(size);

	CHECK(format_config(cfg, text, size) < size);
	CHECK(!guest_config_parse(text, "unused", &again));
	CHECK(!strcmp(again.name, cfg->name) && !strcmp(again.for_name, cfg->for_name));
	CHECK(again.cpus == cfg->cpus && again.mem_size == cfg->mem_size);
	CHECK(again.exit_counters == cfg->exit_counters && again.no_send == cfg->no_send);
	CHECK(!strcmp(again.guest_cmdline, cfg->guest_cmdline) && again.nr_conns == cfg->nr_conns);
	for (unsigned int i = 0; i < cfg->nr_conns; i++)
		CHECK(same_connection(&again.conns[i], &cfg->conns[i]));
	free(text);
}

static void fuzz_guest_config(const char *text, const char *default_name)
{
	static struct guest_config cfg;
	const char *why = guest_config_parse(text, default_name, &cfg);

	if (why) {
		check_refusal(&cfg, why);
		return;
	}
	check_accepted(&cfg, text);
	check_round_trip(&cfg);
}

static bool valid_port(uint16_t port)
{
	return port == 0x3f8 || port == 0x2f8 || port == 0x3e8 || port == 0x2e8 ||
	       (port >= 1 && port <= 0xfff8);
}

static void fuzz_hv_cmdline(const char *text)
{
	struct cmdline_result res;
	struct hv_config cfg;

	cmdline_defaults(&cfg);
	cmdline_parse(text, &cfg, &res);
	CHECK(valid_port(cfg.console_port) && cfg.console_baud && 115200 % cfg.console_baud == 0);
	CHECK(cfg.loglevel >= 0 && cfg.loglevel <= LOG_DEBUG);
	CHECK(cfg.apic_policy <= APIC_POLICY_NONE);
	CHECK(strnlen(cfg.console_input, sizeof(cfg.console_input)) <= GUEST_NAME_MAX);
	CHECK(res.nr_errors <= CMDLINE_MAX_ERRORS);
	CHECK(!res.nr_dropped || res.nr_errors == CMDLINE_MAX_ERRORS);
	for (unsigned int i = 0; i < res.nr_errors; i++) {
		const struct cmdline_error *e = &res.errors[i];

		CHECK(e->why && memchr(e->name, '\0', sizeof(e->name)));
	}
}

static void fuzz_name_from_path(const char *text)
{
	char out[GUEST_NAME_MAX + 1 + 16];

	memset(out, GUARD_BYTE, sizeof(out));
	guest_name_from_path(text, out);
	CHECK(is_name(out));
	for (size_t i = GUEST_NAME_MAX + 1; i < sizeof(out); i++)
		CHECK((uint8_t)out[i] == GUARD_BYTE);
}

/* Up to MAX_GUESTS lines as guests (NULL where refused), their connections checked. */
static void fuzz_connections(char *text)
{
	static struct guest_config cfgs[MAX_GUESTS];
	const struct guest_config *list[MAX_GUESTS] = { NULL };
	static const char *const names[MAX_GUESTS] = { "g0", "g1", "g2", "g3" };
	char why[WHY_SIZE], *line = text;
	unsigned int n = 0;

	for (; line && n < MAX_GUESTS; n++) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (!guest_config_parse(line, names[n], &cfgs[n]))
			list[n] = &cfgs[n];
		line = nl ? nl + 1 : NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		const char *msg;

		if (!list[i])
			continue;
		memset(why, GUARD_BYTE, sizeof(why));
		msg = guest_connections_check(list, n, i, why, sizeof(why));
		CHECK(!msg || (msg == why && memchr(why, '\0', sizeof(why))));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	fuzz_guest_config(text, default_names[data[0] % ARRAY_SIZE(default_names)]);
	fuzz_hv_cmdline(text);
	fuzz_name_from_path(text);
	fuzz_connections(text); /* last: it cuts the text into lines */
	free(text);
	return 0;
}
