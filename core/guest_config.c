/* Parsing of a guest module's command line: pure logic, unit-tested on the host. */
#include "core/guest_config.h"
#include "core/fmt.h"
#include "core/string.h"

#define STR_(x)            #x
#define STR(x)             STR_(x)
#define OPTION_QUOTE_MAX   40 /* how much of a bad option its message quotes */
#define FALLBACK_NAME      "guest"

struct option_desc {
	const char *name;
	/* value is the len bytes after the '=', not NUL-terminated */
	const char *(*parse)(const char *value, size_t len, struct guest_config *cfg);
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

/* Parses decimal digits filling s[0..len); false on none, another character or overflow. */
static bool parse_decimal(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
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

static const struct option_desc options[] = {
	{ "name", parse_name },
	{ "cpus", parse_cpus },
	{ "mem", parse_mem },
	{ "for", parse_for },
};

static const char *apply_option(const char *tok, size_t len, struct guest_config *cfg)
{
	size_t name_len = 0;

	while (name_len < len && tok[name_len] != '=')
		name_len++;
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (strlen(options[i].name) != name_len ||
		    strncmp(options[i].name, tok, name_len))
			continue;
		if (name_len + 1 >= len)
			return "missing value (NAME=VALUE)";
		return options[i].parse(tok + name_len + 1, len - name_len - 1, cfg);
	}
	return "unknown option (expected name=, cpus=, mem=, for= or --)";
}

static const char *bad_option(struct guest_config *cfg, const char *tok, size_t len,
			      const char *why)
{
	char quote[OPTION_QUOTE_MAX + 4];
	size_t n = MIN(len, (size_t)OPTION_QUOTE_MAX);

	memcpy(quote, tok, n);
	if (n < len) {
		memcpy(quote + n, "...", 3);
		n += 3;
	}
	quote[n] = '\0';
	fmt_snprintf(cfg->error, sizeof(cfg->error), "bad option '%s': %s", quote, why);
	return cfg->error;
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
	return cfg->name[0] ? NULL : apply_default_name(cfg, default_name);
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
