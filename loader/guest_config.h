/*
 * A guest module's command line: the hypervisor's settings for the guest,
 * then "--", then the guest's own command line:
 * "name=test cpus=2 mem=64M -- verbose". Pure logic, unit-tested on the host.
 */
#ifndef HV_LOADER_GUEST_CONFIG_H
#define HV_LOADER_GUEST_CONFIG_H

#include "lib/types.h"

#define GUEST_NAME_MAX          31
#define GUEST_MAX_CPUS          64
#define GUEST_DEFAULT_MEM_SIZE  (64 * MiB)
#define GUEST_MIN_MEM_SIZE      MiB
#define GUEST_MAX_MEM_SIZE      (64 * GiB)
#define GUEST_MAX_CONNECTIONS   64
#define GUEST_CONN_ID_MAX       0xffffff /* Hyper-V connection ids have 24 bits */
#define GUEST_SINT_MAX          15
#define GUEST_EVENT_FLAG_MAX    2047     /* a SINT's event flags fill one 256-byte slot */
/* room for the longest message: a quote of 43 bytes and the list of options */
#define GUEST_CONFIG_ERROR_MAX  256

/*
 * A Hyper-V SynIC connection this guest receives on: a sender that posts a
 * message to (msg=) or signals (event=) connection id reaches vCPU vp's SINT.
 */
struct guest_connection {
	uint32_t id;                   /* the connection id, 0 to GUEST_CONN_ID_MAX */
	unsigned int vp;               /* the receiving vCPU's index, below cpus */
	uint8_t sint;                  /* the receiving SINT, 0 to GUEST_SINT_MAX */
	bool event;                    /* event=: sets flag; msg=: queues a message */
	uint16_t flag;                 /* the event flag set (event= only) */
	char from[GUEST_NAME_MAX + 1]; /* the sending guest's name; "" = this guest only */
};

/* Enlightenments a guest may be denied, so that benchmarks can compare (synic/) */
enum guest_hv_feature {
	GUEST_HV_APIC = 1u << 0,   /* the synthetic EOI/ICR/TPR MSRs and the VP assist page */
	GUEST_HV_IPI = 1u << 1,    /* the IPI hypercalls */
	GUEST_HV_CRASH = 1u << 2,  /* the guest crash MSRs */
	GUEST_HV_TLB_FLUSH = 1u << 3, /* the remote TLB-flush hypercalls */
};

struct guest_config {
	char name[GUEST_NAME_MAX + 1];
	unsigned int cpus;                 /* default 1 */
	uint64_t mem_size;                 /* default 64 MiB */
	char for_name[GUEST_NAME_MAX + 1]; /* non-empty: a module of guest for_name */
	const char *guest_cmdline;         /* points after "-- " into the input, or "" */
	/* lets the guest read its own exit counters through a hypervisor MSR (for tests) */
	bool exit_counters;                /* default off */
	/* send=off: no PostMessages or SignalEvents privilege (those calls: ACCESS_DENIED) */
	bool no_send;
	/*
	 * unbacked=crash: an access outside RAM and the devices ends the guest;
	 * the default (all-ones) answers it as hardware does (devices/devices.c)
	 */
	bool unbacked_crash;
	/*
	 * The Hyper-V enlightenments withheld (hv-apic=, hv-ipi=, hv-crash=,
	 * hv-tlbflush=off) and those recommended whatever the APIC (=on), as
	 * GUEST_HV_*; neither: the hypervisor decides (synic/hv_vcpu.c).
	 */
	uint32_t hv_withheld;
	uint32_t hv_forced;
	struct guest_connection conns[GUEST_MAX_CONNECTIONS]; /* ids all different */
	unsigned int nr_conns;             /* how many of conns are filled in */
	char error[GUEST_CONFIG_ERROR_MAX]; /* what guest_config_parse() returns on failure */
};

/*
 * Parses name=, cpus=, mem=, for=, exit-counters=on|off, send=on|off,
 * unbacked=all-ones|crash, hv-apic=, hv-ipi=, hv-crash=, hv-tlbflush=on|off and the
 * connections
 * msg=ID:vp=N:sint=S[:from=NAME] and event=ID:vp=N:sint=S:flag=F[:from=NAME]
 * (ID decimal or 0x-hex, the keys after it in any order) up to "--";
 * default_name is used when there is no name= (see guest_name_from_path()).
 * Returns NULL on success, else a message naming the bad option and why,
 * which lives in cfg->error.
 */
const char *guest_config_parse(const char *cmdline, const char *default_name,
			       struct guest_config *cfg);

/*
 * Checks guest i's connections against all the guests' configurations
 * (cfgs[0..n), NULL for modules that are not guests): each from=NAME must
 * name another guest, and no sender may reach two connections with the same
 * id (one of guest i's and one declared earlier, in cfgs[0..i)). NULL when
 * they are good, else a message in why.
 */
const char *guest_connections_check(const struct guest_config *const *cfgs, unsigned int n,
				    unsigned int i, char *why, size_t size);

/*
 * The default guest name for a module path: its base name without the last
 * extension ("/boot/m0-hello.elf" -> "m0-hello"), characters outside
 * [A-Za-z0-9_.-] replaced by '_', truncated to GUEST_NAME_MAX; "guest" when
 * that leaves nothing. out holds GUEST_NAME_MAX + 1 bytes.
 */
void guest_name_from_path(const char *path, char *out);

#endif
