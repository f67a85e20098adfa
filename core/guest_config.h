/*
 * A guest module's command line: the hypervisor's settings for the guest,
 * then "--", then the guest's own command line:
 * "name=test cpus=2 mem=64M -- verbose". Pure logic, unit-tested on the host.
 */
#ifndef HV_CORE_GUEST_CONFIG_H
#define HV_CORE_GUEST_CONFIG_H

#include "core/types.h"

#define GUEST_NAME_MAX          31
#define GUEST_MAX_CPUS          64
#define GUEST_DEFAULT_MEM_SIZE  (64 * MiB)
#define GUEST_MIN_MEM_SIZE      MiB
#define GUEST_MAX_MEM_SIZE      (64 * GiB)
#define GUEST_CONFIG_ERROR_MAX  128

struct guest_config {
	char name[GUEST_NAME_MAX + 1];
	unsigned int cpus;                 /* default 1 */
	uint64_t mem_size;                 /* default 64 MiB */
	char for_name[GUEST_NAME_MAX + 1]; /* non-empty: a module of guest for_name */
	const char *guest_cmdline;         /* points after "-- " into the input, or "" */
	char error[GUEST_CONFIG_ERROR_MAX]; /* what guest_config_parse() returns on failure */
};

/*
 * Parses name=, cpus=, mem= and for= up to "--"; default_name is used when
 * there is no name= (see guest_name_from_path()). Returns NULL on success,
 * else a message naming the bad option and why, which lives in cfg->error.
 */
const char *guest_config_parse(const char *cmdline, const char *default_name,
			       struct guest_config *cfg);

/*
 * The default guest name for a module path: its base name without the last
 * extension ("/boot/m0-hello.elf" -> "m0-hello"), characters outside
 * [A-Za-z0-9_.-] replaced by '_', truncated to GUEST_NAME_MAX; "guest" when
 * that leaves nothing. out holds GUEST_NAME_MAX + 1 bytes.
 */
void guest_name_from_path(const char *path, char *out);

#endif
