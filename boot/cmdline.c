/* Parsing of the hypervisor command line: pure logic, unit-tested on the host. */
#include "boot/cmdline.h"
#include "loader/guest_config.h"
#include "console/log.h"
#include "lib/number.h"
#include "lib/string.h"

#define COM_BASE_BAUD 115200u

struct option_desc {
	const char *name;
	const char *(*parse)(const char *value, struct hv_config *cfg);
};

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* A decimal or 0x-prefixed hexadecimal number that fills all of s. */
static bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (!parse_uint(s, strlen(s), &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static const char *parse_console(const char *value, struct hv_config *cfg)
{
	char port_str[CMDLINE_VALUE_MAX];
	uint32_t baud = cfg->console_baud;
	uint16_t port;
	size_t i;

	for (i = 0; value[i] && value[i] != ','; i++)
		port_str[i] = value[i];
	port_str[i] = '\0';
	const char *why = parse_serial_port(port_str, &port);
	if (why)
		return why;
	if (value[i] == ',' &&
	    (!parse_u32(value + i + 1, &baud) || baud == 0 || baud > COM_BASE_BAUD ||
	     COM_BASE_BAUD % baud))
		return "speed must be a divisor of 115200, such as 9600 or 115200";
	cfg->console_port = port;
	cfg->console_baud = baud;
	return NULL;
}

static const char *parse_loglevel(const char *value, struct hv_config *cfg)
{
	uint32_t v;

	if (!parse_u32(value, &v) || v > LOG_DEBUG)
		return "expected a number from 0 (panics only) to 4 (debug)";
	cfg->loglevel = (int)v;
	return NULL;
}

static const char *parse_on_off(const char *value, bool *out)
{
	if (str_eq(value, "on") || str_eq(value, "off")) {
		*out = str_eq(value, "on");
		return NULL;
	}
	return "expected on or off";
}

/* test-panic=on: the debug shell's `panic` command works (to test the panic report). */
static const char *parse_test_panic(const char *value, struct hv_config *cfg)
{
	return parse_on_off(value, &cfg->test_panic);
}

/* posted-intr=off: APICv without posted interrupts, to compare them (core/backend.h). */
static const char *parse_posted_intr(const char *value, struct hv_config *cfg)
{
	return parse_on_off(value, &cfg->posted_intr);
}

/* test-fixup=on: guest operands reach the CPU unchecked, to test the exception fix-up (cpumodel/xcr.h). */
static const char *parse_test_fixup(const char *value, struct hv_config *cfg)
{
	return parse_on_off(value, &cfg->test_fixup);
}

const char *const apic_policy_names[] = {
	[APIC_POLICY_OURS] = "ours", [APIC_POLICY_KVM] = "kvm", [APIC_POLICY_SEED] = "seed",
	[APIC_POLICY_NONE] = "none",
};

static const char *parse_apic_policy(const char *value, struct hv_config *cfg)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(apic_policy_names); i++)
		if (str_eq(value, apic_policy_names[i])) {
			cfg->apic_policy = (enum apic_policy)i;
			return NULL;
		}
	return "expected ours, kvm, seed or none";
}

/* console-input=NAME: typed characters go to guest NAME from the start, not to the debug shell. */
static const char *parse_console_input(const char *value, struct hv_config *cfg)
{
	if (!value[0] || strlen(value) > GUEST_NAME_MAX)
		return "expected a guest name";
	memcpy(cfg->console_input, value, strlen(value) + 1);
	return NULL;
}

/* gdb=GUEST[,PORT]: the gdb stub for GUEST, on PORT (com1-com4 or an I/O port; default com2). */
static const char *parse_gdb(const char *value, struct hv_config *cfg)
{
	size_t name_len = 0;
	uint16_t port = 0x2f8;

	while (value[name_len] && value[name_len] != ',')
		name_len++;
	if (!name_len || name_len > GUEST_NAME_MAX)
		return "expected a guest name, then optionally ,com2 or ,0xPORT";
	if (value[name_len] == ',') {
		const char *why = parse_serial_port(value + name_len + 1, &port);

		if (why)
			return why;
	}

	memcpy(cfg->gdb_guest, value, name_len);
	cfg->gdb_guest[name_len] = '\0';
	cfg->gdb_port = port;
	return NULL;
}

static const struct option_desc options[] = {
	{ "console", parse_console },
	{ "loglevel", parse_loglevel },
	{ "test-panic", parse_test_panic },
	{ "test-fixup", parse_test_fixup },
	{ "posted-intr", parse_posted_intr },
	{ "apic-policy", parse_apic_policy },
	{ "console-input", parse_console_input },
	{ "gdb", parse_gdb },
};

void cmdline_defaults(struct hv_config *cfg)
{
	cfg->console_port = 0x3f8;
	cfg->console_baud = COM_BASE_BAUD;
	cfg->loglevel = LOG_INFO;
	cfg->test_panic = false;
	cfg->test_fixup = false;
	cfg->posted_intr = true;
	cfg->apic_policy = APIC_POLICY_OURS;
	cfg->console_input[0] = '\0';
	cfg->gdb_guest[0] = '\0';
	cfg->gdb_port = 0x2f8;
}

static void add_error(struct cmdline_result *res, const char *name, const char *why)
{
	if (res->nr_errors == CMDLINE_MAX_ERRORS) {
		res->nr_dropped++;
		return;
	}
	struct cmdline_error *e = &res->errors[res->nr_errors++];
	size_t i;
	for (i = 0; name[i] && i < CMDLINE_NAME_MAX; i++)
		e->name[i] = name[i];
	if (name[i])
		for (int k = 0; k < 3; k++)
			e->name[i++] = '.';
	e->name[i] = '\0';
	e->why = why;
}

static const char *apply_option(const char *name, const char *value, bool has_value,
				struct hv_config *cfg)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (!str_eq(options[i].name, name))
			continue;
		if (!has_value || !*value)
			return "missing value (NAME=VALUE)";
		return options[i].parse(value, cfg);
	}
	return "unknown option";
}

/* Copies the token at s into name/value; returns the length of the token. */
static size_t split_token(const char *s, char *name, char *value, const char **why,
			  bool *has_value)
{
	size_t len = 0, n = 0, v = 0;

	*has_value = false;
	*why = NULL;
	for (; s[len] && !is_space(s[len]); len++) {
		if (!*has_value && s[len] == '=') {
			*has_value = true;
			continue;
		}
		if (*has_value && v < CMDLINE_VALUE_MAX - 1)
			value[v++] = s[len];
		else if (*has_value)
			*why = "value too long";
		else if (n < CMDLINE_NAME_MAX + 1)
			name[n++] = s[len];
	}
	if (n > CMDLINE_NAME_MAX)
		*why = "option name too long";
	name[n] = '\0';
	value[v] = '\0';
	return len;
}

void cmdline_parse(const char *s, struct hv_config *cfg, struct cmdline_result *res)
{
	char name[CMDLINE_NAME_MAX + 2], value[CMDLINE_VALUE_MAX];
	const char *why;
	bool has_value;

	res->nr_errors = res->nr_dropped = 0;
	if (!s)
		return;
	while (*s) {
		if (is_space(*s)) {
			s++;
			continue;
		}
		s += split_token(s, name, value, &why, &has_value);
		if (!why)
			why = apply_option(name, value, has_value, cfg);
		if (why)
			add_error(res, name, why);
	}
}
