/* The guest's command line: blank-separated words, some of them "key=value". */
#include "lib/number.h"
#include "guest-tests/lib/internal.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* If the text at W starts with S, what follows S; else NULL. */
static const char *skip_prefix(const char *w, const char *s)
{
	while (*s && *w == *s) {
		w++;
		s++;
	}
	return *s ? NULL : w;
}

static const char *next_word(const char *w)
{
	while (*w && !is_blank(*w))
		w++;
	while (is_blank(*w))
		w++;
	return w;
}

bool cmdline_has(const char *cmdline, const char *word)
{
	for (const char *w = cmdline; *w; w = next_word(w)) {
		const char *end = skip_prefix(w, word);

		if (end && (!*end || is_blank(*end)))
			return true;
	}
	return false;
}

/* The value of the first "key=value" word, or NULL. */
static const char *cmdline_value(const char *cmdline, const char *key)
{
	for (const char *w = cmdline; *w; w = next_word(w)) {
		const char *v = skip_prefix(w, key);

		if (v && *v == '=')
			return v + 1;
	}
	return NULL;
}

/* "key=N", N in decimal or with 0x in hexadecimal; false if absent or malformed. */
bool cmdline_uint(const char *cmdline, const char *key, uint64_t *val)
{
	const char *s = cmdline_value(cmdline, key);
	size_t len = 0;

	if (!s)
		return false;
	while (s[len] && !is_blank(s[len]))
		len++;
	return parse_uint(s, len, val);
}
