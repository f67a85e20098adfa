/*
 * The gdb stub's session (gdb/gdb_stub.h): the port, the guest held for the
 * debugger, and the packets (GDB manual, "Remote Protocol", "Packets").
 * Anything it does not know gets the empty reply, which gdb reads as "not
 * supported"; a malformed argument gets an error reply, never a fault.
 */
#include "gdb/gdb_stub.h"
#include "console/console.h"
#include "console/log.h"
#include "console/uart.h"
#include "core/backend.h"
#include "core/vcpu_run.h"
#include "core/guest_apic.h"
#include "core/guest_mem.h"
#include "gdb/gdb_session.h"
#include "host/percpu.h"
#include "host/tsc.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define GDB_POLL_US     2000
#define POLLER_CPU      0
#define BYTES_PER_POLL  (2 * RSP_PACKET_MAX)
#define CALL_TIMEOUT_US 200000

struct gdb_session gdb;

/* ---- the port and the guest ---- */

void gdb_send(const char *payload)
{
	size_t n = rsp_frame(gdb.frame, sizeof(gdb.frame), payload, strlen(payload));

	for (size_t i = 0; i < n; i++)
		uart_putc(gdb.port, gdb.frame[i]);
}

/* Its vCPUs leave the guest at once (a kick) and wait, still taking calls. */
static void hold(bool held)
{
	__atomic_store_n(&gdb.p->paused, held, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < gdb.p->nr_vcpus; i++)
		vcpu_kick(gdb.p->vcpus[i]);
}

static void hold_all_but(int index, bool held)
{
	for (unsigned int i = 0; i < gdb.p->nr_vcpus; i++)
		gdb.p->vcpus[i]->debug_held = held && (int)i != index;
}

void gdb_stop(uint8_t signal)
{
	hold(true);
	hold_all_but(-1, false);
	gdb.signal = signal;
	gdb.at_breakpoint = false;
	gdb.watch_hit = -1;
	gdb.running = false;
}

void gdb_resume(void)
{
	gdb.running = true;
	hold_all_but(-1, false);
	hold(false);
}

/* Thread ids are VP indexes + 1 (gdb keeps 0 and -1 for "any" and "all"). */
void gdb_stop_reply(void)
{
	char why[40] = "";
	const struct gdb_watch *w = gdb.watch_hit >= 0 ? &gdb.watches[gdb.watch_hit] : NULL;

	if (gdb.at_breakpoint)
		fmt_snprintf(why, sizeof(why), "swbreak:;");
	else if (w && w->type == '1')
		fmt_snprintf(why, sizeof(why), "hwbreak:;");
	else if (w)
		fmt_snprintf(why, sizeof(why), "%s:%lx;", w->type == '2' ? "watch" : "awatch", w->addr);
	fmt_snprintf(gdb.reply, sizeof(gdb.reply), "T%02x%sthread:%x;", gdb.signal, why,
		     gdb.vcpu + 1);
	gdb_send(gdb.reply);
}

/* ---- registers and memory, on the vCPU's CPU ---- */

struct mem_call {
	uint64_t gva;
	uint8_t *buf;
	size_t len;      /* asked */
	size_t done;     /* read or written */
	bool write;
};

static void frame_read_call(struct vcpu *v, void *arg) { gdb_frame_read(v, arg); }
static void frame_write_call(struct vcpu *v, void *arg) { gdb_frame_write(v, arg); }

/* Page by page, up to the first page not mapped. */
static void mem_call(struct vcpu *v, void *arg)
{
	struct mem_call *m = arg;
	struct vcpu_control_regs c;

	backend->vcpu_read_control(v, &c);
	while (m->done < m->len) {
		uint64_t at = m->gva + m->done;
		size_t chunk = MIN(m->len - m->done, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
		bool ok = m->write ? gva_write(v, &c, at, m->buf + m->done, chunk)
				   : gva_read(v, &c, at, m->buf + m->done, chunk);

		if (!ok)
			return;
		m->done += chunk;
	}
}

static struct vcpu *selected(void)
{
	return gdb.p->vcpus[gdb.vcpu];
}

/* ---- breakpoints and steps ---- */

static struct gdb_breakpoint *breakpoint_at(uint64_t addr)
{
	for (unsigned int i = 0; i < GDB_BREAKPOINTS; i++)
		if (gdb.breakpoints[i].used && gdb.breakpoints[i].addr == addr)
			return &gdb.breakpoints[i];
	return NULL;
}

bool gdb_breakpoint_insert(uint64_t addr)
{
	struct gdb_breakpoint *b = breakpoint_at(addr);
	uint8_t int3 = 0xcc;

	for (unsigned int i = 0; !b && i < GDB_BREAKPOINTS; i++)
		if (!gdb.breakpoints[i].used)
			b = &gdb.breakpoints[i];
	if (!b || (!b->used && gdb_mem(addr, &b->saved, 1, false) != 1))
		return false;
	if (gdb_mem(addr, &int3, 1, true) != 1)
		return false;
	*b = (struct gdb_breakpoint){ .addr = addr, .saved = b->saved, .used = true };
	return true;
}

bool gdb_breakpoint_remove(uint64_t addr)
{
	struct gdb_breakpoint *b = breakpoint_at(addr);

	if (!b)
		return true;
	b->used = false;
	return gdb_mem(addr, &b->saved, 1, true) == 1;
}

/* ---- hardware breakpoints and watchpoints: DR0-DR3 and DR7 (SDM 18.2.4) ---- */

#define DR7_FIXED1    BIT(10)
#define DR7_L(n)      BIT(2 * (n))
#define DR7_RW(n, rw) ((uint64_t)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, l) ((uint64_t)(l) << (18 + 4 * (n)))

/* R/W: 00 execution, 01 writes, 11 reads and writes; LEN: 00 1 byte, 01 2, 11 4, 10 8. */
static uint64_t dr7_bits(unsigned int n, const struct gdb_watch *w)
{
	static const uint8_t len_code[9] = { [1] = 0, [2] = 1, [4] = 3, [8] = 2 };
	uint8_t rw = w->type == '1' ? 0 : w->type == '2' ? 1 : 3;

	return DR7_L(n) | DR7_RW(n, rw) | DR7_LEN(n, w->type == '1' ? 0 : len_code[w->len]);
}

static void debug_regs_call(struct vcpu *v, void *arg)
{
	backend->vcpu_write_debug_regs(v, arg);
}

/* DR0-DR3 and DR7 of the watches in use. */
static struct vcpu_debug_regs watch_regs(void)
{
	struct vcpu_debug_regs d = { .dr7 = DR7_FIXED1 };

	for (unsigned int n = 0; n < GDB_WATCH_SLOTS; n++)
		if (gdb.watches[n].used) {
			d.addr[n] = gdb.watches[n].addr;
			d.dr7 |= dr7_bits(n, &gdb.watches[n]);
		}
	return d;
}

/* The same DR0-DR3 and DR7 on every vCPU that runs. */
static void apply_watches(void)
{
	struct vcpu_debug_regs d = watch_regs();

	for (unsigned int i = 0; i < gdb.p->nr_vcpus; i++)
		if (gdb.p->vcpus[i]->state != VCPU_WAIT_FOR_SIPI)
			vcpu_call(gdb.p->vcpus[i], debug_regs_call, &d, CALL_TIMEOUT_US);
}

static int watch_slot(char type, uint64_t addr, uint64_t len)
{
	for (unsigned int n = 0; n < GDB_WATCH_SLOTS; n++)
		if (gdb.watches[n].used && gdb.watches[n].type == type &&
		    gdb.watches[n].addr == addr && gdb.watches[n].len == len)
			return (int)n;
	return -1;
}

bool gdb_watch_insert(char type, uint64_t addr, uint64_t len)
{
	bool sized = len == 1 || len == 2 || len == 4 || len == 8;

	if (!sized || (addr & (len - 1)) || (type == '1' && len != 1))
		return false;
	for (unsigned int n = 0; n < GDB_WATCH_SLOTS; n++)
		if (!gdb.watches[n].used) {
			gdb.watches[n] = (struct gdb_watch){ addr, (uint8_t)len, type, true };
			apply_watches();
			return true;
		}
	return false;
}

bool gdb_watch_remove(char type, uint64_t addr, uint64_t len)
{
	int n = watch_slot(type, addr, len);

	if (n >= 0) {
		gdb.watches[n].used = false;
		apply_watches();
	}
	return true;
}

/*
 * On the vCPU's CPU, in one call: #BP and MOV DR exits armed and the
 * guest's own debug registers kept, or given back and the exits disarmed,
 * so that no MOV DR of the guest falls between the two.
 */
static void take_call(struct vcpu *v, void *arg)
{
	(void)arg;
	backend->vcpu_set_debug(v, true, false);
	backend->vcpu_read_debug_regs(v, &gdb.guest_dr[v->index]);
}

static void release_call(struct vcpu *v, void *arg)
{
	(void)arg;
	backend->vcpu_write_debug_regs(v, &gdb.guest_dr[v->index]);
	backend->vcpu_set_debug(v, false, false);
}

/* Every vCPU that runs; one still waiting for its SIPI is taken as it starts. */
static void take_vcpus(bool take)
{
	for (unsigned int i = 0; i < gdb.p->nr_vcpus; i++)
		if (gdb.p->vcpus[i]->state != VCPU_WAIT_FOR_SIPI)
			vcpu_call(gdb.p->vcpus[i], take ? take_call : release_call, NULL,
				  CALL_TIMEOUT_US);
	memset(gdb.watches, 0, sizeof(gdb.watches));
}

static void step_call(struct vcpu *v, void *arg)
{
	*(bool *)arg = backend->vcpu_set_debug(v, true, true);
}

bool gdb_step(unsigned int index)
{
	bool ok = false;

	if (!vcpu_call(gdb.p->vcpus[index], step_call, &ok, CALL_TIMEOUT_US) || !ok)
		return false;
	gdb.stepping = (int)index;
	gdb.running = true;
	hold_all_but((int)index, true);
	hold(false);
	return true;
}

/* On the trapping vCPU's CPU: every vCPU stops (all-stop), the poll reports it. */
static void stop_on_trap(struct vcpu *v, bool breakpoint, int watch, uint8_t signal)
{
	gdb.at_breakpoint = breakpoint;
	gdb.watch_hit = watch;
	gdb.trap_signal = signal;
	hold(true);
	hold_all_but(-1, false);
	__atomic_store_n(&gdb.trapped, v->index + 1, __ATOMIC_RELEASE);
}

/*
 * Which of our DR0-DR3 raised a #DB: its B bit. Bochs's SVM leaves the
 * VMCB's DR6 without them on an intercepted #DB (real AMD CPUs set them;
 * KVM reads them there): with no B bit and no single-step or task-switch
 * bit, the first watch in use is taken, the debugger owning DR0-DR3 while
 * attached.
 */
static uint64_t watch_hits(uint64_t dr6)
{
	uint64_t used = 0;

	for (unsigned int n = 0; n < GDB_WATCH_SLOTS; n++)
		used |= gdb.watches[n].used ? BIT(n) : 0;
	if (!(dr6 & DR6_B0_B3) && !(dr6 & (DR6_BS | DR6_BT)))
		return used & -used;
	return dr6 & used;
}

/* A #DB that one of our DR0-DR3 raised; the guest's own otherwise. */
static bool watch_trap(struct vcpu *v, uint64_t dr6)
{
	uint64_t hits = watch_hits(dr6);

	for (unsigned int n = 0; n < GDB_WATCH_SLOTS; n++)
		if (hits & BIT(n)) {
			backend->vcpu_set_debug(v, true, false);
			stop_on_trap(v, false, (int)n, GDB_SIGTRAP);
			return true;
		}
	return false;
}

/* A step ends in its exit (VMX) or the #DB of TF (SVM); an INT3 of ours is a breakpoint. */
static bool debugger_trap(struct vcpu *v, const struct exit_event *e)
{
	bool step_end = gdb.stepping == (int)v->index &&
			(e->reason == EXIT_SINGLE_STEP || e->exception.vector == VECTOR_DB);

	if (v->partition != gdb.p || !gdb.connected)
		return false;
	if (e->reason == EXIT_SINGLE_STEP && !step_end) {
		backend->vcpu_set_debug(v, true, false); /* a step Ctrl-C overtook */
		return true;
	}
	if (step_end) {
		backend->vcpu_set_debug(v, true, false);
		gdb.stepping = -1;
		stop_on_trap(v, false, -1, GDB_SIGTRAP);
		return true;
	}
	if (e->reason == EXIT_EXCEPTION && e->exception.vector == VECTOR_DB)
		return watch_trap(v, e->exception.dr6);
	if (e->reason != EXIT_EXCEPTION || e->exception.vector != VECTOR_BP ||
	    !breakpoint_at(backend->vcpu_rip(v)))
		return false;
	stop_on_trap(v, true, -1, GDB_SIGTRAP);
	return true;
}

/* A crash while attached stops the guest where it crashed (SIGSEGV); detach ends it. */
static bool debugger_crashed(struct vcpu *v)
{
	if (v->partition != gdb.p || !gdb.connected)
		return false;
	gdb.crashed = true;
	stop_on_trap(v, false, -1, GDB_SIGSEGV);
	return true;
}

/* An AP that starts while gdb is attached: its own debug registers kept, the others' traps set. */
static void debugger_vcpu_started(struct vcpu *v)
{
	struct vcpu_debug_regs d;

	if (v->partition != gdb.p || !gdb.connected)
		return;
	take_call(v, NULL);
	d = watch_regs();
	backend->vcpu_write_debug_regs(v, &d);
}

const struct debugger gdb_debugger = {
	.trap = debugger_trap, .crashed = debugger_crashed, .vcpu_started = debugger_vcpu_started,
	.dr_access = gdb_dr_access,
};

static void arm_call(struct vcpu *v, void *arg)
{
	backend->vcpu_set_debug(v, *(bool *)arg, false);
}

void gdb_detach(void)
{
	for (unsigned int i = 0; i < GDB_BREAKPOINTS; i++)
		if (gdb.breakpoints[i].used)
			gdb_breakpoint_remove(gdb.breakpoints[i].addr);
	take_vcpus(false);
	gdb.connected = false;
	gdb.stepping = -1;
	if (gdb.crashed) {
		gdb.crashed = false;
		partition_end(gdb.p, GUEST_CRASH_EXIT_CODE, "crashed, then the debugger detached");
		return;
	}
	gdb_resume();
	gdb.running = false;
}

bool gdb_frame_get(struct gdb_frame *f)
{
	return vcpu_call(selected(), frame_read_call, f, CALL_TIMEOUT_US);
}

bool gdb_frame_put(const struct gdb_frame *f)
{
	return vcpu_call(selected(), frame_write_call, (void *)f, CALL_TIMEOUT_US);
}

size_t gdb_mem(uint64_t gva, void *buf, size_t len, bool write)
{
	struct mem_call m = { .gva = gva, .buf = buf, .len = len, .write = write };

	return vcpu_call(selected(), mem_call, &m, CALL_TIMEOUT_US) ? m.done : 0;
}

/* ---- the poll ---- */

/* Ctrl-C: every vCPU stops; a step under way is called off. */
static void interrupt(void)
{
	bool on = true;

	gdb_stop(GDB_SIGINT);
	if (gdb.stepping >= 0)
		vcpu_call(gdb.p->vcpus[gdb.stepping], arm_call, &on, CALL_TIMEOUT_US);
	gdb.stepping = -1;
	gdb_stop_reply();
}

/* The first packet of a connection stops the guest: `target remote` expects it stopped. */
static void take_packet(void)
{
	uart_putc(gdb.port, '+');
	if (!gdb.connected) {
		gdb.vcpu = 0;
		gdb.stepping = -1;
		gdb.at_breakpoint = false;
		gdb_stop(GDB_SIGTRAP);
		gdb.connected = true; /* first: an AP that starts now is taken as it starts */
		take_vcpus(true);
		log_info("gdb: connected; guest %s stopped", gdb.p->name);
	}
	gdb_packet(gdb.rx.data, gdb.rx.len);
}

static void take_byte(uint8_t c)
{
	switch (rsp_rx_byte(&gdb.rx, c)) {
	case RSP_PACKET:
		take_packet();
		break;
	case RSP_BAD_PACKET:
		uart_putc(gdb.port, '-');
		break;
	case RSP_INTERRUPT:
		if (gdb.running)
			interrupt();
		break;
	case RSP_NONE:
		break;
	}
}

/*
 * A vCPU's trap stopped the guest: the stop reply `c` or `s` waits for,
 * naming it; or the guest ended meanwhile (W: its exit code), which ends
 * the session.
 */
static void report_trap(void)
{
	unsigned int trapped = __atomic_exchange_n(&gdb.trapped, 0, __ATOMIC_ACQUIRE);

	if (gdb.running && gdb.p->state == PARTITION_ENDED) {
		fmt_snprintf(gdb.reply, sizeof(gdb.reply), "W%02x", gdb.p->exit_code & 0xff);
		gdb_send(gdb.reply);
		gdb.running = false;
		gdb.connected = false;
		return;
	}
	if (!trapped || !gdb.running)
		return;
	gdb.vcpu = trapped - 1;
	gdb.signal = gdb.trap_signal;
	gdb.running = false;
	gdb_stop_reply();
}

void gdb_stub_poll_if_due(void)
{
	int c;

	if (!gdb.p || this_cpu()->index != POLLER_CPU || rdtsc() < gdb.next_poll)
		return;
	gdb.next_poll = tsc_deadline_us(GDB_POLL_US);
	report_trap();
	for (unsigned int n = 0; n < BYTES_PER_POLL && (c = uart_getc(gdb.port)) >= 0; n++)
		take_byte((uint8_t)c);
}

uint64_t gdb_stub_deadline(void)
{
	return gdb.p && this_cpu()->index == POLLER_CPU ? gdb.next_poll : 0;
}

/* Why the stub cannot serve guest on port, or NULL. */
static const char *refusal(const struct partition *p, uint16_t port)
{
	if (gdb.connected)
		return "gdb is attached: detach it first";
	if (!p)
		return "no such guest";
	if (p->state == PARTITION_ENDED)
		return "that guest has ended";
	if (port == console_uart())
		return "that port is the console's";
	if (!uart_init(port, 115200))
		return "no UART answers at that port";
	return NULL;
}

const char *gdb_stub_start(const char *guest, uint16_t port)
{
	struct partition *p = partition_find(guest);
	const char *why = refusal(p, port);

	if (why)
		return why;
	rsp_rx_reset(&gdb.rx);
	gdb.port = port;
	gdb.next_poll = rdtsc();
	gdb.p = p;
	log_info("gdb: stub for guest %s on the UART at 0x%x (gdb: target remote ...)", guest, port);
	return NULL;
}

const char *gdb_stub_stop(void)
{
	if (gdb.connected)
		return "gdb is attached: detach it first";
	gdb.p = NULL;
	return NULL;
}

const struct partition *gdb_stub_guest(uint16_t *port, bool *attached)
{
	*port = gdb.port;
	*attached = gdb.connected;
	return gdb.p;
}
