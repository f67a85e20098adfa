/*
 * Two partitions talking through the hypervisor, the demo of `make run` and
 * a test of connections between partitions. "ping" posts rounds=N messages
 * to "pong"; pong answers each with a message and an event flag; then ping
 * says bye. Each side keeps a synthetic-timer heartbeat (a periodic timer's
 * messages) and checks that the other's private connections are closed to it.
 *
 * The connections, declared on the module command lines (README, Makefile):
 *   ping: msg=0x10:vp=0:sint=2:from=pong event=0x11:vp=0:sint=3:flag=1:from=pong
 *         msg=0x12:vp=0:sint=2 (ping's own)
 *   pong: msg=0x20:vp=0:sint=2:from=ping event=0x21:vp=0:sint=3:flag=1 (pong's own)
 * Guest command line: "ping" or "pong", rounds=N, delay-ms=N (between rounds),
 * heartbeat-ms=N; or "mute", for a guest with send=off, which checks that it
 * may not send at all; or "listen", for tests/system/test_shell.py: with its
 * second vCPU started it waits for what the debug shell does to it (an
 * injected vector, a posted message, a typed line), reports, and idles.
 */
#include "lib/fmt.h"
#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"

#define SINT_MESSAGE  2
#define SINT_EVENT    3 /* auto-EOI */
#define SINT_TIMER    4
#define VEC_MESSAGE   0x52
#define VEC_EVENT     0x63
#define VEC_TIMER     0x74
#define EVENT_FLAG    1

#define TO_PING       0x10
#define TO_PING_EVENT 0x11
#define PING_OWN      0x12
#define TO_PONG       0x20
#define PONG_OWN      0x21

#define TYPE_ROUND    1
#define TYPE_BYE      2
#define WAIT_US       5000000
#define ST_SUCCESS        0x0
#define ST_ACCESS_DENIED  0x6
#define ST_CONNECTION_ID  0x12
#define ST_SYNIC_STATE    0x18

static struct hv_message sim[16] __attribute__((aligned(4096)));
static uint8_t sief[16][256] __attribute__((aligned(4096)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

/* The last message taken from the message slot, and how many came */
static volatile unsigned int messages, heartbeats;
static volatile uint32_t last_type;
static volatile uint64_t last_payload[2];
static volatile uint64_t last_heartbeat_due;

static void message_handler(uint8_t vector)
{
	struct hv_message *slot = &sim[SINT_MESSAGE];

	(void)vector;
	last_type = slot->type;
	last_payload[0] = slot->payload[0];
	last_payload[1] = slot->payload[1];
	hv_message_done(slot);
	messages++;
	apic_eoi();
}

/* Auto-EOI: no EOI; the flag itself says what came */
static void event_handler(uint8_t vector)
{
	(void)vector;
}

static void timer_handler(uint8_t vector)
{
	struct hv_message *slot = &sim[SINT_TIMER];

	(void)vector;
	last_heartbeat_due = slot->payload[1]; /* expiration time, after index and reserved */
	hv_message_done(slot);
	heartbeats++;
	apic_eoi();
}

static bool event_flag_set(void)
{
	return sief[SINT_EVENT][EVENT_FLAG / 8] & (1U << (EVENT_FLAG % 8));
}

/* Takes interrupts until the event flag is set (it interrupts when it is), or the time is up. */
static bool wait_event_flag(void)
{
	uint64_t end = tsc_after_us(WAIT_US);

	while (!event_flag_set() && rdtsc() < end)
		asm volatile("sti; hlt; cli" ::: "memory");
	return event_flag_set();
}

static bool same_text(const volatile uint64_t *payload, const char *text)
{
	const volatile char *p = (const volatile char *)payload;
	unsigned int i = 0;

	while (text[i] && p[i] == text[i])
		i++;
	return !text[i] && !p[i];
}

/* Takes interrupts (HLT between them) until *count passes old, or the time is up. */
static bool wait_more(volatile unsigned int *count, unsigned int old)
{
	uint64_t end = tsc_after_us(WAIT_US);

	while (*count == old && rdtsc() < end)
		asm volatile("sti; hlt; cli" ::: "memory");
	return *count != old;
}

static void setup(uint64_t heartbeat_ms)
{
	apic_mode_xapic();
	apic_enable();
	irq_set_handler(VEC_MESSAGE, message_handler);
	irq_set_handler(VEC_EVENT, event_handler);
	irq_set_handler(VEC_TIMER, timer_handler);
	hv_enable_hypercalls(hypercall_page);
	/* SINTs first: a message that comes to a masked SINT raises no interrupt (TLFS 11.8.4) */
	wrmsr(HV_MSR_SINT(SINT_MESSAGE), VEC_MESSAGE);
	wrmsr(HV_MSR_SINT(SINT_EVENT), VEC_EVENT | HV_SINT_AUTO_EOI);
	wrmsr(HV_MSR_SINT(SINT_TIMER), VEC_TIMER);
	hv_synic_enable(sim, sief);
	wrmsr(HV_MSR_STIMER_COUNT(0), heartbeat_ms * 10000);
	wrmsr(HV_MSR_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_PERIODIC |
					       HV_STIMER_SINT(SINT_TIMER));
}

/* The peer may not have its SynIC up yet: INVALID_SYNIC_STATE until it has. */
static uint16_t post_when_ready(uint32_t connection, uint32_t type, const char *text)
{
	uint64_t end = tsc_after_us(WAIT_US);
	uint64_t payload[2] = { 0, 0 };
	uint16_t st;

	fmt_snprintf((char *)payload, sizeof(payload), "%s", text);
	while ((st = hv_post_message(connection, type, payload, sizeof(payload))) ==
		       ST_SYNIC_STATE && rdtsc() < end)
		udelay(1000);
	return st;
}

static unsigned int heartbeats_seen;

static void say_heartbeats(const char *who)
{
	if (heartbeats == heartbeats_seen)
		return;
	heartbeats_seen = heartbeats;
	guest_printf("%s: heartbeat %u (timer due at %lu.%07lu s)\n", who, heartbeats_seen,
		     last_heartbeat_due / 10000000, last_heartbeat_due % 10000000);
}

/* What a private connection of the other side answers: it is not ours to use. */
static void check_closed(const char *name, uint32_t connection)
{
	uint16_t st = hv_post_message(connection, TYPE_ROUND, "x", 1);

	check(name, st == ST_CONNECTION_ID, "HvPostMessage on 0x%x: status 0x%x", connection, st);
}

static bool ping_round(unsigned int k)
{
	char text[16];
	unsigned int before = messages;
	uint16_t st;
	bool answered, flag;

	fmt_snprintf(text, sizeof(text), "ping %u", k);
	st = post_when_ready(TO_PONG, TYPE_ROUND, text);
	guest_printf("ping: sent '%s' (status 0x%x)\n", text, st);
	answered = st == ST_SUCCESS && wait_more(&messages, before);
	flag = answered && wait_event_flag();
	fmt_snprintf(text, sizeof(text), "pong %u", k);
	answered = answered && last_type == TYPE_ROUND && same_text(last_payload, text);
	guest_printf("ping: got '%s', event flag %s\n", answered ? text : "nothing",
		     flag ? "set" : "clear");
	answered = answered && flag;
	__atomic_fetch_and(&sief[SINT_EVENT][EVENT_FLAG / 8], (uint8_t)~(1U << EVENT_FLAG),
			   __ATOMIC_SEQ_CST);
	return answered;
}

static void run_ping(uint64_t rounds, uint64_t delay_ms)
{
	unsigned int answered = 0;

	for (unsigned int k = 1; k <= rounds; k++) {
		answered += ping_round(k);
		say_heartbeats("ping");
		udelay(delay_ms * 1000);
	}
	post_when_ready(TO_PONG, TYPE_BYE, "bye");
	check("ping-rounds-answered", answered == rounds, "%u of %lu rounds answered",
	      answered, rounds);
	check_closed("ping-cannot-use-pong-own", PONG_OWN);
}

/* Answers each round with a message and the event flag until bye. */
static void run_pong(void)
{
	unsigned int rounds = 0, seen = 0;
	uint16_t msg = ST_SUCCESS, event = ST_SUCCESS;
	char text[16] = { 0 };

	while (wait_more(&messages, seen) && last_type == TYPE_ROUND) {
		seen = messages;
		fmt_snprintf(text, sizeof(text), "pong %u", ++rounds);
		msg |= hv_post_message(TO_PING, TYPE_ROUND, text, sizeof(text));
		event |= hv_signal_event(TO_PING_EVENT);
		guest_printf("pong: got '%s', answered '%s'\n", (const char *)(uintptr_t)last_payload,
			     text);
		say_heartbeats("pong");
	}
	check("pong-got-bye", last_type == TYPE_BYE, "after %u rounds, message type %u", rounds,
	      last_type);
	check("pong-answers-accepted", msg == ST_SUCCESS && event == ST_SUCCESS,
	      "HvPostMessage 0x%x, HvSignalEvent 0x%x", msg, event);
	check_closed("pong-cannot-use-ping-own", PING_OWN);
	check_closed("pong-cannot-use-its-own-from-ping", TO_PONG);
}

/* send=off: CPUID 0x40000003.EBX offers neither call, and both answer ACCESS_DENIED. */
static void run_mute(void)
{
	uint32_t ebx = cpuid(0x40000003, 0).ebx;
	uint16_t post, signal;

	hv_enable_hypercalls(hypercall_page);
	post = hv_post_message(PING_OWN, TYPE_ROUND, "x", 1);
	signal = hv_signal_event(TO_PING_EVENT);
	check("mute-no-send-privileges", !(ebx & (3U << 4)), "0x40000003.EBX 0x%x", ebx);
	check("mute-post-access-denied", post == ST_ACCESS_DENIED, "status 0x%x", post);
	check("mute-signal-access-denied", signal == ST_ACCESS_DENIED, "status 0x%x", signal);
}

#define VEC_INJECT   0x66
#define TYPE_SHELL   7
#define SHELL_WORD   0x00c0ffee
#define COM1         0x3f8
#define LINE_MAX     32

static volatile unsigned int injected;

static void inject_handler(uint8_t vector)
{
	(void)vector;
	injected++;
	apic_eoi();
}

static void ap_idle(unsigned int cpu)
{
	(void)cpu;
	apic_enable();
}

/* Reads what the console typed to this guest, up to a line. */
static bool read_line(char *line, unsigned int *len)
{
	while (inb(COM1 + 5) & 1) {
		char c = (char)inb(COM1);

		if (c == '\r' || c == '\n')
			return *len > 0;
		if (*len < LINE_MAX - 1)
			line[(*len)++] = c;
	}
	return false;
}

static void run_listen(void)
{
	char line[LINE_MAX] = { 0 };
	unsigned int len = 0;
	bool typed = false;

	irq_set_handler(VEC_INJECT, inject_handler);
	check("listen-second-vcpu", smp_start_ap(apic_id() == 0 ? 1 : 0, ap_idle) == 0,
	      "the AP did not start");
	guest_printf("listen: ready\n");
	while (!injected || !messages || !typed) {
		asm volatile("sti; hlt; cli" ::: "memory");
		typed = typed || read_line(line, &len);
	}
	guest_printf("listen: got input '%s'\n", line);
	check("listen-injected-vector", injected == 1, "%u interrupts on 0x%x", injected, VEC_INJECT);
	check("listen-posted-message", last_type == TYPE_SHELL && last_payload[0] == SHELL_WORD,
	      "type %u, payload 0x%lx", last_type, last_payload[0]);
	for (;;)
		asm volatile("sti; hlt; cli" ::: "memory");
}

void test_main(const char *cmdline)
{
	uint64_t rounds = 10, delay_ms = 0, heartbeat_ms = 100;

	cmdline_uint(cmdline, "rounds", &rounds);
	cmdline_uint(cmdline, "delay-ms", &delay_ms);
	cmdline_uint(cmdline, "heartbeat-ms", &heartbeat_ms);
	if (cmdline_has(cmdline, "mute")) {
		run_mute();
		return;
	}
	setup(heartbeat_ms);
	if (cmdline_has(cmdline, "listen"))
		run_listen();
	if (cmdline_has(cmdline, "ping"))
		run_ping(rounds, delay_ms);
	else
		run_pong();
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	check("heartbeat", heartbeats > 0, "no timer message in the whole run");
	guest_printf("%s: %u messages, %u heartbeats\n", cmdline_has(cmdline, "ping") ? "ping" : "pong",
		     messages, heartbeats);
}
