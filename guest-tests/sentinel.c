/*
 * The sentinel: a partition that runs beside a hostile one (guest-tests/fuzz/) and
 * watches for any change it did not make. It fills most of its memory with a pattern
 * derived from each word's address, checksums its own code and read-only data, and
 * keeps exchanging SynIC messages and event flags with itself; every round it checks
 * each message arrived once and unchanged, and every few rounds that no byte of the
 * pattern or of its image changed.
 *
 * Connections (module command line): msg=0x40:vp=0:sint=2 event=0x41:vp=0:sint=3:flag=9.
 * Guest command line: "seconds=N", the longest it runs (default 60), and "watch=ID", an
 * event connection into the watched partition (declared there with from=): once a signal
 * through it fails with HV_STATUS_INVALID_CONNECTION_ID that partition has ended, and so
 * does the sentinel.
 * Last line: "sentinel: done rounds=R messages=M events=E bytes-changed=B", then exit
 * code 0 if nothing changed and every message came, else 1.
 */
#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"

#define OWN_MESSAGE   0x40
#define OWN_EVENT     0x41
#define SINT_MESSAGE  2
#define SINT_EVENT    3
#define VEC_MESSAGE   0x52
#define VEC_EVENT     0x63
#define EVENT_FLAG    9
#define TYPE_ROUND    7
#define WAIT_US       2000000
#define VERIFY_EVERY  64        /* rounds between two checks of the pattern */
#define WATCH_EVERY   16        /* rounds between two signals to the watched partition */
#define ST_CONNECTION_ID 0x12   /* HV_STATUS_INVALID_CONNECTION_ID: it ended */
#define REPORT_EVERY  1024
#define MiB           (1024UL * 1024)

static struct hv_message sim[16] __attribute__((aligned(4096)));
static uint8_t sief[16][256] __attribute__((aligned(4096)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

extern char guest_ro_end[]; /* guest.ld: the end of the code and read-only data */

static volatile unsigned int messages, events;
static volatile uint64_t last_payload;
static volatile uint32_t last_type;
static uint64_t *pattern_start, *pattern_end;
static uint64_t image_sum;
static unsigned int failures;

static void message_handler(uint8_t vector)
{
	struct hv_message *slot = &sim[SINT_MESSAGE];

	(void)vector;
	last_type = slot->type;
	last_payload = slot->payload[0];
	hv_message_done(slot);
	messages++;
	apic_eoi();
}

static void event_handler(uint8_t vector)
{
	(void)vector;
	events++;
	apic_eoi();
}

/* splitmix64 of the word's address: no two words alike, nothing to store. */
static uint64_t pattern_word(const uint64_t *w)
{
	uint64_t z = (uintptr_t)w + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int bytes_differing(uint64_t a, uint64_t b)
{
	unsigned int n = 0;

	for (uint64_t x = a ^ b; x; x >>= 8)
		n += (x & 0xff) != 0;
	return n;
}

static uint64_t pattern_bytes_changed(void)
{
	uint64_t changed = 0;

	for (uint64_t *w = pattern_start; w < pattern_end; w++)
		changed += bytes_differing(*w, pattern_word(w));
	return changed;
}

static uint64_t checksum(const char *from, const char *to)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (const char *p = from; p < to; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	return h;
}

/* The end of the free memory from start: the next boot information, or the end of RAM. */
static uint64_t free_until(uint64_t start)
{
	uint64_t end = boot_memory_size();

	for (unsigned int i = 0; i < boot.nr_loader_data; i++)
		if (boot.loader_data[i].start >= start && boot.loader_data[i].start < end)
			end = boot.loader_data[i].start;
	return end;
}

/* The largest free range above the image: from its end or from the end of some boot
 * information, to the next boot information or the end of RAM. */
static void fill_pattern(void)
{
	uint64_t best = (uintptr_t)guest_image_end;

	for (unsigned int i = 0; i < boot.nr_loader_data; i++) {
		uint64_t s = (boot.loader_data[i].end + 4095) & ~4095UL;

		if (s >= (uintptr_t)guest_image_end && free_until(s) - s > free_until(best) - best)
			best = s;
	}
	pattern_start = (uint64_t *)best;
	pattern_end = (uint64_t *)(free_until(best) & ~7UL);
	for (uint64_t *w = pattern_start; w < pattern_end; w++)
		*w = pattern_word(w);
	image_sum = checksum(guest_image_start, guest_ro_end);
}

/* The check must see one changed byte, or its silence proves nothing. */
static bool verify_sees_a_change(void)
{
	volatile uint8_t *b = (volatile uint8_t *)pattern_start + 4097;
	uint8_t old = *b;
	bool seen;

	*b = old ^ 0x5a;
	seen = pattern_bytes_changed() == 1;
	*b = old;
	return seen && pattern_bytes_changed() == 0;
}

static void setup_synic(void)
{
	irq_set_handler(VEC_MESSAGE, message_handler);
	irq_set_handler(VEC_EVENT, event_handler);
	apic_enable();
	hv_enable_hypercalls(hypercall_page);
	hv_synic_enable(sim, sief);
	wrmsr(HV_MSR_SINT(SINT_MESSAGE), VEC_MESSAGE);
	wrmsr(HV_MSR_SINT(SINT_EVENT), VEC_EVENT);
}

static bool wait_count(volatile unsigned int *count, unsigned int old)
{
	uint64_t end = tsc_after_us(WAIT_US);

	while (*count == old && rdtsc() < end)
		asm volatile("sti; hlt; cli" ::: "memory");
	return *count != old;
}

static void fail(uint64_t round, const char *what, uint64_t value)
{
	failures++;
	guest_printf("sentinel: FAIL round %lu: %s (0x%lx)\n", round, what, value);
}

/* One message to itself (memory form) and one event flag (fast form). */
static void exchange(uint64_t round)
{
	unsigned int m = messages, e = events;
	uint16_t st = hv_post_message(OWN_MESSAGE, TYPE_ROUND, &round, sizeof(round));

	if (st)
		fail(round, "HvPostMessage to itself failed, status", st);
	else if (!wait_count(&messages, m))
		fail(round, "its message did not come, messages", messages);
	else if (last_type != TYPE_ROUND || last_payload != round)
		fail(round, "its message came changed, payload", last_payload);
	else if (messages != m + 1)
		fail(round, "one message raised several interrupts", messages - m);
	sief[SINT_EVENT][EVENT_FLAG / 8] &= ~(1U << (EVENT_FLAG % 8));
	st = hv_signal_event(OWN_EVENT);
	if (st)
		fail(round, "HvSignalEvent to itself failed, status", st);
	else if (!wait_count(&events, e))
		fail(round, "its event flag raised no interrupt, events", events);
}

static uint64_t verify(uint64_t round)
{
	uint64_t changed = pattern_bytes_changed();

	if (changed)
		fail(round, "bytes of its memory changed", changed);
	if (checksum(guest_image_start, guest_ro_end) != image_sum)
		fail(round, "its code or read-only data changed, checksum", image_sum);
	return changed;
}

/* True once the watched partition has ended. */
static bool watched_ended(uint64_t watch, uint64_t round)
{
	return round % WATCH_EVERY == 0 && watch && hv_signal_event(watch) == ST_CONNECTION_ID;
}

void test_main(const char *cmdline)
{
	uint64_t seconds = 60, watch = 0, round = 0, changed = 0, end;
	bool ended = false;

	cmdline_uint(cmdline, "seconds", &seconds);
	cmdline_uint(cmdline, "watch", &watch);
	fill_pattern();
	if (!verify_sees_a_change())
		fail(0, "the memory check missed a byte changed on purpose", 1);
	setup_synic();
	guest_printf("sentinel: watching %lu MiB of its memory, for at most %lu s\n",
		     (uint64_t)((uintptr_t)pattern_end - (uintptr_t)pattern_start) / MiB, seconds);
	end = tsc_after_us(seconds * 1000000);
	while (rdtsc() < end && !ended) {
		exchange(++round);
		ended = watched_ended(watch, round);
		if (round % VERIFY_EVERY == 0)
			changed += verify(round);
		if (round % REPORT_EVERY == 0)
			guest_printf("sentinel: round %lu, %u messages, %u events\n", round,
				     messages, events);
	}
	changed += verify(round);
	guest_printf("sentinel: done rounds=%lu messages=%u events=%u bytes-changed=%lu%s\n",
		     round, messages, events, changed, ended ? " (the watched guest ended)" : "");
	guest_exit(failures ? 1 : 0);
}
