/* Leveled logging: format one line, then hand it whole to the console. */
#include <stdarg.h>
#include "console/log.h"
#include "console/console.h"
#include "lib/fmt.h"

#define LOG_LINE_MAX 240

static int log_level = LOG_INFO;

void log_set_level(int level) { log_level = level; }
int log_get_level(void) { return log_level; }

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
	if (level == LOG_PANIC)
		console_write_forced(line, n);
	else
		console_write(line, n);
}
