/* Leveled logging to the console; every line starts with "hv: ". */
#ifndef HV_CONSOLE_LOG_H
#define HV_CONSOLE_LOG_H

#include "lib/types.h"

enum log_level {
	LOG_PANIC = 0,
	LOG_ERR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

void log_set_level(int level);
/*
 * While sink is set, the lines logged on a CPU for which mine() is true go
 * to sink instead of the console (the debug shell's output for gdb's
 * `monitor`); mine() must name one CPU, the sink's only writer.
 */
void log_capture(void (*sink)(const char *s, size_t len), bool (*mine)(void));
int log_get_level(void);
void hv_log(int level, const char *fmt, ...) __printf(2, 3);

#define log_err(...)   hv_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  hv_log(LOG_WARN, __VA_ARGS__)
#define log_info(...)  hv_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) hv_log(LOG_DEBUG, __VA_ARGS__)

#endif
