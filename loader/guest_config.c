/* Parsing of a guest module's command line: pure logic, unit-tested on the host. */
#include "loader/guest_config.h"
#include "lib/fmt.h"
#include "lib/number.h"
#include "lib/string.h"

#define STR_(x)            #x
#define STR(x)             STR_(x)
#define OPTION_QUOTE_MAX   40 /* how much of a bad option its message quotes */
#define CONN_TEXT_MAX      80 /* a connection written back as an option, NUL included */
#define FALLBACK_NAME      "guest"

struct option_desc {
	const char *name;
	/* value is the len bytes after the '=', not NUL-terminated */
	const char *(*parse)(const char *value, size_t len, struct guest_config *cfg);
};

/* The keys after a connection's id; a bit for each marks it seen. */
enum conn_key { KEY_VP, KEY_SINT, KEY_FLAG, KEY_FROM };

struct conn_key_desc {
	const char *name;
	/* value is the len bytes after the '=', not NUL-terminated */
	const char *(*parse)(const char *value, size_t len, struct guest_connection *conn);
};

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static const char *skip_spaces(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

static size_t token_length(const char *s)
{
	size_t n = 0;

	while (s[n] && !is_space(s[n]))
		n++;
	return n;
}

/* How many of the len bytes at s come before the first c (all of them without one). */
static size_t length_before(const char *s, size_t len, char c)
{
	size_t n = 0;

	while (n < len && s[n] != c)
		n++;
	return n;
}

/* Whether s[0..len) is exactly word. */
static bool matches(const char *word, const char *s, size_t len)
{
	return strlen(word) == len && !strncmp(word, s, len);
}

static const char *copy_name(char *dst, const char *s, size_t len)
{
	if (len == 0 || len > GUEST_NAME_MAX)
		return "expected a name of 1 to " STR(GUEST_NAME_MAX) " characters";
	for (size_t i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return "a name may hold only A-Z, a-z, 0-9, '_', '.' and '-'";
	memcpy(dst, s, len);
	dst[len] = '\0';
	return NULL;
}

static const char *parse_name(const char *value, size_t len, struct guest_config *cfg)
{
	return copy_name(cfg->name, value, len);
}

static const char *parse_for(const char *value, size_t len, struct guest_config *cfg)
{
	return copy_name(cfg->for_name, value, len);
}

static const char *parse_cpus(const char *value, size_t len, struct guest_config *cfg)
{
	uint64_t n;

	if (!parse_decimal(value, len, &n) || n < 1 || n > GUEST_MAX_CPUS)
		return "expected a number of CPUs from 1 to " STR(GUEST_MAX_CPUS);
	cfg->cpus = (unsigned int)n;
	return NULL;
}

static unsigned int size_suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K':
		return 10;
	case 'm': case 'M':
		return 20;
	case 'g': case 'G':
		return 30;
	default:
		return 0;
	}
}

static const char *parse_mem(const char *value, size_t len, struct guest_config *cfg)
{
	unsigned int shift = len ? size_suffix_shift(value[len - 1]) : 0;
	uint64_t n;

	if (!parse_decimal(value, shift ? len - 1 : len, &n))
		return "expected a size such as 64M (bytes, or K, M or G)";
	if (n > (GUEST_MAX_MEM_SIZE >> shift) || (n << shift) < GUEST_MIN_MEM_SIZE)
		return "size must be from 1M to 64G";
	if ((n << shift) % PAGE_SIZE)
		return "size must be a multiple of 4K";
	cfg->mem_size = n << shift;
	return NULL;
}

static const char *parse_on_off(const char *value, size_t len, bool *out)
{
	bool on = matches("on", value, len);

	if (!on && !matches("off", value, len))
		return "expected on or off";
	*out = on;
	return NULL;
}

static const char *parse_exit_counters(const char *value, size_t len, struct guest_config *cfg)
{
	return parse_on_off(value, len, &cfg->exit_counters);
}

static const char *parse_send(const char *value, size_t len, struct guest_config *cfg)
{
	bool on;
	const char *why = parse_on_off(value, len, &on);

	if (!why)
		cfg->no_send = !on;
	return why;
}

/* on: offered and recommended whatever the APIC; off: withheld; the last word wins. */
static const char *parse_withheld(const char *value, size_t len, struct guest_config *cfg,
				  uint32_t feature)
{
	bool on;
	const char *why = parse_on_off(value, len, &on);

	if (why)
		return why;
	cfg->hv_withheld = on ? cfg->hv_withheld & ~feature : cfg->hv_withheld | feature;
	cfg->hv_forced = on ? cfg->hv_forced | feature : cfg->hv_forced & ~feature;
	return NULL;
}

static const char *parse_hv_apic(const char *value, size_t len, struct guest_config *cfg)
{
	return parse_withheld(value, len, cfg, GUEST_HV_APIC);
}

static const char *parse_hv_ipi(const char *value, size_t len, struct guest_config *cfg)
{
	return parse_withheld(value, len, cfg, GUEST_HV_IPI);
}

static const char *parse_hv_crash(const char *value, size_t len, struct guest_config *cfg)
{
	return parse_withheld(value, len, cfg, GUEST_HV_CRASH);
}

static const char *parse_hv_tlbflush(const char *value, size_t len, struct guest_config *cfg)
{
	return parse_withheld(value, len, cfg, GUEST_HV_TLB_FLUSH);
}

static const char *parse_unbacked(const char *value, size_t len, struct guest_config *cfg)
{
	bool crash = matches("crash", value, len);

	if (!crash && !matches("all-ones", value, len))
		return "expected all-ones or crash";
	cfg->unbacked_crash = crash;
	return NULL;
}

static const char *conn_usage(bool event)
{
	return event ? "expected event=ID:vp=N:sint=S:flag=F[:from=NAME]"
		     : "expected msg=ID:vp=N:sint=S[:from=NAME]";
}

static const char *parse_conn_vp(const char *value, size_t len, struct guest_connection *conn)
{
	uint64_t n;

	/* only the bound of any guest: cpus= may come later, so vp meets it at the end */
	if (!parse_decimal(value, len, &n) || n >= GUEST_MAX_CPUS)
		return "vp must be below " STR(GUEST_MAX_CPUS);
	conn->vp = (unsigned int)n;
	return NULL;
}

static const char *parse_conn_sint(const char *value, size_t len, struct guest_connection *conn)
{
	uint64_t n;

	if (!parse_decimal(value, len, &n) || n > GUEST_SINT_MAX)
		return "sint must be 0 to " STR(GUEST_SINT_MAX);
	conn->sint = (uint8_t)n;
	return NULL;
}

static const char *parse_conn_flag(const char *value, size_t len, struct guest_connection *conn)
{
	uint64_t n;

	if (!conn->event)
		return "only event= takes a flag (msg= queues a message)";
	if (!parse_decimal(value, len, &n) || n > GUEST_EVENT_FLAG_MAX)
		return "flag must be 0 to " STR(GUEST_EVENT_FLAG_MAX);
	conn->flag = (uint16_t)n;
	return NULL;
}

static const char *parse_conn_from(const char *value, size_t len, struct guest_connection *conn)
{
	return copy_name(conn->from, value, len);
}

static const struct conn_key_desc conn_keys[] = {
	[KEY_VP] = { "vp", parse_conn_vp },
	[KEY_SINT] = { "sint", parse_conn_sint },
	[KEY_FLAG] = { "flag", parse_conn_flag },
	[KEY_FROM] = { "from", parse_conn_from },
};

/* One KEY=VALUE field after the id; *seen has a bit for each key already given. */
static const char *parse_conn_key(const char *field, size_t len, struct guest_connection *conn,
				  unsigned long *seen)
{
	size_t key_len = length_before(field, len, '=');

	for (size_t i = 0; i < ARRAY_SIZE(conn_keys); i++) {
		if (!matches(conn_keys[i].name, field, key_len) || key_len == len)
			continue;
		if (*seen & BIT(i))
			return "vp, sint, flag and from may each be given only once";
		*seen |= BIT(i);
		return conn_keys[i].parse(field + key_len + 1, len - key_len - 1, conn);
	}
	return conn_usage(conn->event);
}

/* s holds the ":KEY=VALUE" fields after the id, in any order. */
static const char *parse_conn_keys(const char *s, size_t len, struct guest_connection *conn)
{
	unsigned long need = BIT(KEY_VP) | BIT(KEY_SINT) | (conn->event ? BIT(KEY_FLAG) : 0);
	unsigned long seen = 0;
	const char *why;
	size_t n;

	/* s[0] is the ':' before each field */
	for (; len; s += n + 1, len -= n + 1) {
		n = length_before(s + 1, len - 1, ':');
		why = parse_conn_key(s + 1, n, conn, &seen);
		if (why)
			return why;
	}
	return (seen & need) == need ? NULL : conn_usage(conn->event);
}

static bool conn_id_used(const struct guest_config *cfg, uint32_t id)
{
	for (unsigned int i = 0; i < cfg->nr_conns; i++)
		if (cfg->conns[i].id == id)
			return true;
	return false;
}

static const char *parse_conn_id(const char *s, size_t len, struct guest_config *cfg,
				 uint32_t *id)
{
	uint64_t n;

	if (!parse_uint(s, len, &n) || n > GUEST_CONN_ID_MAX)
		return "connection id must be 0 to " STR(GUEST_CONN_ID_MAX);
	if (conn_id_used(cfg, (uint32_t)n)) {
		/* bad_option() copies a reason out of cfg->error before it writes there */
		fmt_snprintf(cfg->error, sizeof(cfg->error), "duplicate connection id 0x%x",
			     (unsigned int)n);
		return cfg->error;
	}
	*id = (uint32_t)n;
	return NULL;
}

/* msg= and event= share one table, so one namespace of ids. */
static const char *parse_connection(const char *value, size_t len, struct guest_config *cfg,
				    bool event)
{
	struct guest_connection conn = { .event = event };
	size_t id_len = length_before(value, len, ':');
	const char *why;

	if (cfg->nr_conns == GUEST_MAX_CONNECTIONS)
		return "more than " STR(GUEST_MAX_CONNECTIONS) " connections";
	why = parse_conn_id(value, id_len, cfg, &conn.id);
	if (!why)
		why = parse_conn_keys(value + id_len, len - id_len, &conn);
	if (!why)
		cfg->conns[cfg->nr_conns++] = conn;
	return why;
}

static const char *parse_msg(const char *value, size_t len, struct guest_config *cfg)
{
	return parse_connection(value, len, cfg, false);
}

static const char *parse_event(const char *value, size_t len, struct guest_config *cfg)
{
	return parse_connection(value, len, cfg, true);
}

static const struct option_desc options[] = {
	{ "name", parse_name },
	{ "cpus", parse_cpus },
	{ "mem", parse_mem },
	{ "for", parse_for },
	{ "msg", parse_msg },
	{ "event", parse_event },
	{ "exit-counters", parse_exit_counters },
	{ "send", parse_send },
	{ "unbacked", parse_unbacked },
	{ "hv-apic", parse_hv_apic },
	{ "hv-ipi", parse_hv_ipi },
	{ "hv-crash", parse_hv_crash },
	{ "hv-tlbflush", parse_hv_tlbflush },
};

static const char *apply_option(const char *tok, size_t len, struct guest_config *cfg)
{
	size_t name_len = length_before(tok, len, '=');

	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (!matches(options[i].name, tok, name_len))
			continue;
		if (name_len + 1 >= len)
			return "missing value (NAME=VALUE)";
		return options[i].parse(tok + name_len + 1, len - name_len - 1, cfg);
	}
	return "unknown option (expected name=, cpus=, mem=, for=, msg=, event=, "
	       "exit-counters=, send=, unbacked=, hv-apic=, hv-ipi=, hv-crash=, hv-tlbflush= or --)";
}

static const char *bad_option(struct guest_config *cfg, const char *tok, size_t len,
			      const char *why)
{
	char quote[OPTION_QUOTE_MAX + 4], msg[GUEST_CONFIG_ERROR_MAX];
	size_t n = MIN(len, (size_t)OPTION_QUOTE_MAX);

	memcpy(quote, tok, n);
	if (n < len) {
		memcpy(quote + n, "...", 3);
		n += 3;
	}
	quote[n] = '\0';
	/* why may have been formatted into cfg->error itself */
	fmt_snprintf(msg, sizeof(msg), "bad option '%s': %s", quote, why);
	memcpy(cfg->error, msg, sizeof(msg));
	return cfg->error;
}

/* The connection as option text, to quote in an error found after parsing. */
static void format_connection(const struct guest_connection *conn, char *buf, size_t size)
{
	int n = fmt_snprintf(buf, size, "%s=%u:vp=%u:sint=%u", conn->event ? "event" : "msg",
			     conn->id, conn->vp, (unsigned int)conn->sint);

	if (conn->event)
		n += fmt_snprintf(buf + n, size - n, ":flag=%u", (unsigned int)conn->flag);
	if (conn->from[0])
		fmt_snprintf(buf + n, size - n, ":from=%s", conn->from);
}

/* cpus= may follow a connection, so its vp meets cpus only once all options are in. */
static const char *check_conn_vps(struct guest_config *cfg)
{
	char text[CONN_TEXT_MAX];

	for (unsigned int i = 0; i < cfg->nr_conns; i++) {
		const struct guest_connection *conn = &cfg->conns[i];

		if (conn->vp < cfg->cpus)
			continue;
		format_connection(conn, text, sizeof(text));
		fmt_snprintf(cfg->error, sizeof(cfg->error), "vp %u is not below cpus=%u",
			     conn->vp, cfg->cpus);
		return bad_option(cfg, text, strlen(text), cfg->error);
	}
	return NULL;
}

static const char *apply_default_name(struct guest_config *cfg, const char *default_name)
{
	const char *why = copy_name(cfg->name, default_name, strlen(default_name));

	if (why)
		fmt_snprintf(cfg->error, sizeof(cfg->error), "bad default name '%.40s': %s",
			     default_name, why);
	return why ? cfg->error : NULL;
}

const char *guest_config_parse(const char *cmdline, const char *default_name,
			       struct guest_config *cfg)
{
	const char *s = cmdline ? cmdline : "";
	const char *why;
	size_t len;

	*cfg = (struct guest_config){ .cpus = 1, .mem_size = GUEST_DEFAULT_MEM_SIZE,
				      .guest_cmdline = "" };
	for (s = skip_spaces(s); *s; s = skip_spaces(s + len)) {
		len = token_length(s);
		if (len == 2 && s[0] == '-' && s[1] == '-') {
			cfg->guest_cmdline = skip_spaces(s + len);
			break;
		}
		why = apply_option(s, len, cfg);
		if (why)
			return bad_option(cfg, s, len, why);
	}
	if (check_conn_vps(cfg))
		return cfg->error;
	return cfg->name[0] ? NULL : apply_default_name(cfg, default_name);
}

static bool same_name(const char *a, const char *b)
{
	return !strncmp(a, b, GUEST_NAME_MAX + 1);
}

static bool guest_named(const struct guest_config *const *cfgs, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (cfgs[i] && same_name(cfgs[i]->name, name))
			return true;
	return false;
}

/* Who may send on c, declared by guest g: from=NAME, or g itself. */
static const char *sender_of(const struct guest_config *g, const struct guest_connection *c)
{
	return c->from[0] ? c->from : g->name;
}

/* An earlier guest's connection with c's id that c's sender can also reach, or NULL. */
static const struct guest_config *clash(const struct guest_config *const *cfgs, unsigned int i,
					const struct guest_connection *c)
{
	const char *sender = sender_of(cfgs[i], c);

	for (unsigned int k = 0; k < i; k++)
		for (unsigned int j = 0; cfgs[k] && j < cfgs[k]->nr_conns; j++)
			if (cfgs[k]->conns[j].id == c->id &&
			    same_name(sender_of(cfgs[k], &cfgs[k]->conns[j]), sender))
				return cfgs[k];
	return NULL;
}

const char *guest_connections_check(const struct guest_config *const *cfgs, unsigned int n,
				    unsigned int i, char *why, size_t size)
{
	for (unsigned int j = 0; j < cfgs[i]->nr_conns; j++) {
		const struct guest_connection *c = &cfgs[i]->conns[j];
		const struct guest_config *other = clash(cfgs, i, c);

		if (c->from[0] && (same_name(c->from, cfgs[i]->name) || !guest_named(cfgs, n, c->from))) {
			fmt_snprintf(why, size, "connection 0x%x: from=%s names no other guest",
				     c->id, c->from);
			return why;
		}
		if (other) {
			fmt_snprintf(why, size, "connection 0x%x: guest %s already has it for %s",
				     c->id, other->name, sender_of(cfgs[i], c));
			return why;
		}
	}
	return NULL;
}

/* A leading dot starts a hidden file's name, not an extension. */
static size_t stem_length(const char *base)
{
	size_t len = strlen(base);

	for (size_t i = len; i > 1; i--)
		if (base[i - 1] == '.')
			return i - 1;
	return len;
}

void guest_name_from_path(const char *path, char *out)
{
	const char *base = path;
	size_t n;

	for (const char *p = path; *p; p++)
		if (*p == '/')
			base = p + 1;
	n = MIN(stem_length(base), (size_t)GUEST_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		out[i] = is_name_char(base[i]) ? base[i] : '_';
	out[n] = '\0';
	if (!n)
		memcpy(out, FALLBACK_NAME, sizeof(FALLBACK_NAME));
}
