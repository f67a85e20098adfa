/*
 * The packets the stub answers (GDB manual, "Packets", "General Query
 * Packets"). Unknown ones get the empty reply ("not supported"); a bad
 * argument gets E01, memory it cannot reach E14, a vCPU that does not
 * answer (not started) E03.
 */
#include "gdb/gdb_session.h"
#include "console/log.h"
#include "shell/shell.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define E_BAD_ARG "E01"
#define E_NO_VCPU "E03"
#define E_FAULT   "E14"

static bool starts(const char *data, const char *prefix)
{
	return !strncmp(data, prefix, strlen(prefix));
}

/* The first ";s" or ";S" of a vCont, or NULL. */
static const char *step_action(const char *data)
{
	for (; *data; data++)
		if (data[0] == ';' && (data[1] == 's' || data[1] == 'S'))
			return data;
	return NULL;
}

static void reply(const char *s)
{
	gdb_send(s);
}

/* ---- threads ---- */

/* A thread id: hex, -1 (all) or 0 (any); the vCPU it names, or -1 for none. */
/* An AP still waiting for its start-up IPI is not a thread yet (it has no state to show). */
static bool started(unsigned int index)
{
	return gdb.p->vcpus[index]->state != VCPU_WAIT_FOR_SIPI;
}

static int thread_vcpu(const char *id)
{
	uint64_t n;

	if (!strcmp(id, "-1") || !strcmp(id, "0"))
		return (int)gdb.vcpu;
	if (!rsp_parse_hex(&id, &n) || *id || n == 0 || n > gdb.p->nr_vcpus || !started(n - 1))
		return -1;
	return (int)n - 1;
}

static void thread_list(void)
{
	size_t n = fmt_snprintf(gdb.reply, sizeof(gdb.reply), "m");

	for (unsigned int i = 0; i < gdb.p->nr_vcpus; i++)
		if (started(i))
			n += fmt_snprintf(gdb.reply + n, sizeof(gdb.reply) - n, "%s%x",
					  n > 1 ? "," : "", i + 1);
	reply(gdb.reply);
}

/* Hg selects the vCPU for registers and memory; Hc is accepted (all vCPUs run on `c`). */
static void set_thread(const char *data)
{
	int v = thread_vcpu(data + 1);

	if (v < 0) {
		reply(E_BAD_ARG);
		return;
	}
	if (data[0] == 'g')
		gdb.vcpu = (unsigned int)v;
	reply("OK");
}

/* ---- registers ---- */

static void read_registers(void)
{
	struct gdb_frame f;

	if (!gdb_frame_get(&f) || !gdb_regs_encode(&f, gdb.reply, sizeof(gdb.reply)))
		reply(E_NO_VCPU);
	else
		reply(gdb.reply);
}

static void read_register(const char *arg)
{
	struct gdb_frame f;
	uint64_t n;

	if (!rsp_parse_hex(&arg, &n) || *arg || n > 0xffff)
		reply(E_BAD_ARG);
	else if (!gdb_frame_get(&f))
		reply(E_NO_VCPU);
	else if (!gdb_reg_encode(&f, (unsigned int)n, gdb.reply, sizeof(gdb.reply)))
		reply(E_BAD_ARG);
	else
		reply(gdb.reply);
}

static void write_register(const char *arg)
{
	struct gdb_frame f;
	uint64_t n;

	if (!rsp_parse_hex(&arg, &n) || *arg++ != '=' || n > 0xffff)
		reply(E_BAD_ARG);
	else if (!gdb_frame_get(&f))
		reply(E_NO_VCPU);
	else if (!gdb_reg_decode(&f, (unsigned int)n, arg))
		reply(E_BAD_ARG);
	else
		reply(gdb_frame_put(&f) ? "OK" : E_NO_VCPU);
}

static void write_registers(const char *hex)
{
	struct gdb_frame f;

	if (!gdb_frame_get(&f))
		reply(E_NO_VCPU);
	else if (!gdb_regs_decode(&f, hex))
		reply(E_BAD_ARG);
	else
		reply(gdb_frame_put(&f) ? "OK" : E_NO_VCPU);
}

/* ---- memory ---- */

/* "ADDR,LEN" then end: what `m` and `M` (before its colon) take. */
static bool addr_len(const char **arg, uint64_t *addr, uint64_t *len)
{
	return rsp_parse_hex(arg, addr) && *(*arg)++ == ',' && rsp_parse_hex(arg, len);
}

static void read_memory(const char *arg)
{
	static uint8_t buf[GDB_MEM_MAX];
	uint64_t addr, len;
	size_t done;

	if (!addr_len(&arg, &addr, &len) || *arg) {
		reply(E_BAD_ARG);
		return;
	}
	done = gdb_mem(addr, buf, MIN(len, (uint64_t)GDB_MEM_MAX), false);
	if (!done && len) {
		reply(E_FAULT);
		return;
	}
	rsp_hex_encode(gdb.reply, buf, done);
	reply(gdb.reply);
}

static void write_memory(const char *arg)
{
	static uint8_t buf[GDB_MEM_MAX];
	uint64_t addr, len;

	if (!addr_len(&arg, &addr, &len) || *arg++ != ':' || len > GDB_MEM_MAX ||
	    strlen(arg) != 2 * len || !rsp_hex_decode(arg, 2 * len, buf)) {
		reply(E_BAD_ARG);
		return;
	}
	reply(gdb_mem(addr, buf, len, true) == len ? "OK" : E_FAULT);
}

/* ---- queries ---- */

/* qXfer:features:read:target.xml:OFFSET,LENGTH: "m" and a part, "l" and the last. */
static void read_features(const char *arg)
{
	const char *xml = gdb_target_xml();
	size_t size = strlen(xml);
	uint64_t off, len;

	if (!starts(arg, "target.xml:")) {
		reply(E_BAD_ARG);
		return;
	}
	arg += strlen("target.xml:");
	if (!addr_len(&arg, &off, &len) || *arg || off > size) {
		reply(E_BAD_ARG);
		return;
	}
	len = MIN(len, MIN((uint64_t)(size - off), (uint64_t)RSP_PACKET_MAX - 1));
	gdb.reply[0] = off + len < size ? 'm' : 'l';
	memcpy(gdb.reply + 1, xml + off, len);
	gdb.reply[len + 1] = '\0';
	reply(gdb.reply);
}

/* ---- monitor: a debug-shell command, its output back as an `O` packet ---- */

#define MONITOR_OUT_MAX 1500
static char monitor_out[MONITOR_OUT_MAX];
static size_t monitor_len;

/*
 * The shell's output, and what a vCPU's CPU logs for it (`regs`); one
 * snapshot of the length, so that a late line from a CPU that did not
 * answer in time can never write past the buffer.
 */
static void monitor_collect(const char *s, size_t len)
{
	size_t at = __atomic_load_n(&monitor_len, __ATOMIC_RELAXED);

	if (at >= MONITOR_OUT_MAX)
		return;
	len = MIN(len, MONITOR_OUT_MAX - at);
	memcpy(monitor_out + at, s, len);
	__atomic_store_n(&monitor_len, at + len, __ATOMIC_RELAXED);
}

static void monitor(const char *hex)
{
	static char line[SHELL_LINE_MAX + 1];
	size_t digits = strlen(hex);

	if (digits / 2 > SHELL_LINE_MAX || !rsp_hex_decode(hex, digits, line)) {
		reply(E_BAD_ARG);
		return;
	}
	line[digits / 2] = '\0';
	monitor_len = 0;
	shell_run_captured(line, monitor_collect);
	if (monitor_len) {
		gdb.reply[0] = 'O';
		rsp_hex_encode(gdb.reply + 1, monitor_out, monitor_len);
		reply(gdb.reply);
	}
	reply("OK");
}

static void query(const char *data)
{
	if (starts(data, "qSupported"))
		reply("PacketSize=1000;qXfer:features:read+;vContSupported+;swbreak+;hwbreak+");
	else if (starts(data, "qXfer:features:read:"))
		read_features(data + strlen("qXfer:features:read:"));
	else if (!strcmp(data, "qfThreadInfo"))
		thread_list();
	else if (!strcmp(data, "qsThreadInfo"))
		reply("l");
	else if (!strcmp(data, "qC")) {
		fmt_snprintf(gdb.reply, sizeof(gdb.reply), "QC%x", gdb.vcpu + 1);
		reply(gdb.reply);
	} else if (starts(data, "qAttached"))
		reply("1");
	else if (starts(data, "qRcmd,"))
		monitor(data + strlen("qRcmd,"));
	else
		reply("");
}

/* ---- running ---- */

static void resume(void)
{
	gdb_resume(); /* the stop reply comes when it stops again */
}

/* The vCPU a step names ("s:TID", up to the next action), else the selected one; the others wait. */
static void step(const char *action)
{
	char id[20] = "0";
	int v;

	for (size_t i = 0; action[1] == ':' && i + 1 < sizeof(id); i++) {
		id[i] = action[2 + i] == ';' ? '\0' : action[2 + i];
		if (!id[i])
			break;
	}
	v = thread_vcpu(id);

	if (v < 0 || !gdb_step((unsigned int)v))
		reply(E_BAD_ARG);
}

/*
 * vCont? and vCont;ACTION[:TID]...: a step anywhere in the list steps that
 * thread alone (the others wait, as with scheduler-locking), else all continue.
 */
static void vcont(const char *data)
{
	const char *s = step_action(data);

	if (!strcmp(data, "vCont?"))
		reply("vCont;c;C;s;S");
	else if (s)
		step(s + 1);
	else if (starts(data, "vCont;c") || starts(data, "vCont;C"))
		resume();
	else
		reply("");
}

/*
 * Z0,ADDR,KIND and z0: software breakpoints; Z1, Z2, Z4 (KIND: the length):
 * hardware breakpoints and write or access watchpoints in DR0-DR3.
 */
static void breakpoint(const char *data)
{
	const char *arg = data + 2;
	uint64_t addr, kind;
	bool ok;

	if (data[1] != '0' && data[1] != '1' && data[1] != '2' && data[1] != '4') {
		reply(""); /* 3, a read-only watch: x86 watches reads only with writes */
		return;
	}
	if (*arg++ != ',' || !addr_len(&arg, &addr, &kind) || *arg) {
		reply(E_BAD_ARG);
		return;
	}
	if (data[1] != '0')
		ok = data[0] == 'Z' ? gdb_watch_insert(data[1], addr, kind)
				    : gdb_watch_remove(data[1], addr, kind);
	else
		ok = data[0] == 'Z' ? gdb_breakpoint_insert(addr) : gdb_breakpoint_remove(addr);
	reply(ok ? "OK" : E_FAULT);
}

static void detach(void)
{
	bool crashed = gdb.crashed;

	reply("OK");
	log_info("gdb: detached; guest %s %s", gdb.p->name, crashed ? "ends" : "runs on");
	gdb_detach();
}

static void thread_alive(const char *id)
{
	reply(thread_vcpu(id) >= 0 ? "OK" : E_BAD_ARG);
}

void gdb_packet(const char *data, size_t len)
{
	if (len != strlen(data)) { /* a NUL inside: no packet of ours has one */
		reply(E_BAD_ARG);
		return;
	}
	switch (data[0]) {
	case '?':
		gdb_stop_reply();
		break;
	case 'g':
		read_registers();
		break;
	case 'G':
		write_registers(data + 1);
		break;
	case 'p':
		read_register(data + 1);
		break;
	case 'P':
		write_register(data + 1);
		break;
	case 'm':
		read_memory(data + 1);
		break;
	case 'M':
		write_memory(data + 1);
		break;
	case 'H':
		set_thread(data + 1);
		break;
	case 'T':
		thread_alive(data + 1);
		break;
	case 'q':
		query(data);
		break;
	case 'v':
		vcont(data);
		break;
	case 'c':
		resume();
		break;
	case 's':
		step("s");
		break;
	case 'Z':
	case 'z':
		breakpoint(data);
		break;
	case 'D':
	case 'k':
		detach();
		break;
	default:
		reply("");
	}
}
