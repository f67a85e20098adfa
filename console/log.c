/* Leveled logging: format one line, then hand it whole to the console. */
#include <stdarg.h>
#include "console/log.h"
#include "console/console.h"
#include "lib/fmt.h"

#define LOG_LINE_MAX 240

static int log_level = LOG_INFO;
static void (*capture_sink)(const char *s, size_t len);
static bool (*capture_mine)(void);

void log_set_level(int level) { log_level = level; }
int log_get_level(void) { return log_level; }

void log_capture(void (*sink)(const char *s, size_t len), bool (*mine)(void))
{
	__atomic_store_n(&capture_mine, mine, __ATOMIC_RELAXED);
	__atomic_store_n(&capture_sink, sink, __ATOMIC_RELEASE);
}

/* The captured line, if it is one: a panic always reaches the console. */
static bool captured(int level, const char *line, size_t n)
{
	void (*sink)(const char *, size_t) = __atomic_load_n(&capture_sink, __ATOMIC_ACQUIRE);

	if (!sink || level == LOG_PANIC || !capture_mine())
		return false;
	sink(line, n);
	return true;
}

void hv_log(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	n = fmt_snprintf(line, sizeof(line), "hv: ");
	va_start(ap, fmt);
	n += fmt_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (captured(level, line, (size_t)n))
		return;
	if (level == LOG_PANIC)
		console_write_forced(line, n);
	else
		console_write(line, n);
}
