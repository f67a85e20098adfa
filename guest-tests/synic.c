/*
 * The Hyper-V interface as a guest sees it (TLFS chapters 2, 3 and 11), with
 * two vCPUs: the CPUID leaves, the synthetic MSRs and their #GP rules, the
 * hypercall page and the hypercall input checks, then SynIC messages and
 * event flags on every SINT to the own and to the other vCPU, a busy slot
 * with MessagePending, EOM and EOI redelivery, polling and masked SINTs, a
 * full queue, auto-EOI, and (with "apicv" on the command line and
 * exit-counters=on) the EOI exits APICv leaves.
 *
 * The module command line declares, for vCPU c and SINT n, the message
 * connection MSG_CONN(c, n) and the event connection EVENT_CONN(c, n) with
 * flag EVENT_FLAG(c, n) (tests/system/test_synic.py writes them).
 */
#include "lib/fmt.h"
#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"

#define NR_CPUS          2
#define BSP              0
#define AP               1
#define NR_SINTS         16
#define MSG_CONN(c, n)   (0x100 + 16 * (c) + (n))
#define EVENT_CONN(c, n) (0x200 + 16 * (c) + (n))
#define EVENT_FLAG(c, n) (64 * (n) + 7 * (c))
#define NO_CONN          0x300

#define VEC_SINT(n)      (0x31 + 12 * (n)) /* 0x31 ... 0xe5: every SINT its own class or so */
#define VEC_LOW          0x22 /* an ordinary vector below every SINT's */
#define WAIT_US          2000000 /* generous: only a failure waits this long */
#define SETTLE_US        3000    /* for a second, wrong interrupt to show */

/* CPUID */
#define HV_CPUID_VENDOR          0x40000000
#define HV_CPUID_INTERFACE       0x40000001
#define HV_CPUID_FEATURES        0x40000003
#define HV_CPUID_RECOMMENDATIONS 0x40000004
#define HV_SIGNATURE             0x31237648 /* "Hv#1" */
#define HV_HINT_DEPRECATING_AEOI (1U << 9)
#define HV_EBX_POST_MESSAGES     (1U << 4)
#define HV_EBX_SIGNAL_EVENTS     (1U << 5)
#define HV_EDX_HV_SINT_POLLING      (1U << 17)

/* MSRs */
#define MSR_EXIT_COUNTERS   0x4d480000
#define EXIT_EOI_INDUCED    17 /* the hypervisor's enum exit_reason */
#define EXIT_APIC_EOI       19

/* Hypercall status */
#define ST_SUCCESS        0x0
#define ST_INVALID_CODE   0x2
#define ST_INVALID_INPUT  0x3
#define ST_ALIGNMENT      0x4
#define ST_PARAMETER      0x5
#define ST_CONNECTION_ID  0x12
#define ST_BUFFERS        0x13
#define ST_SYNIC_STATE    0x18

static struct hv_message sim[NR_CPUS][NR_SINTS] __attribute__((aligned(4096)));
static uint8_t sief[NR_CPUS][NR_SINTS][256] __attribute__((aligned(4096)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static uint8_t spare_page[2][4096] __attribute__((aligned(4096)));

/* What the SINT handlers saw, per vCPU and SINT */
struct sint_log {
	volatile unsigned int count;
	uint32_t type;
	uint8_t size;       /* the payload size */
	uint64_t payload0;
	bool isr_set;       /* the vector was in service in its handler */
	bool pending;       /* MessagePending was set in the slot */
};

static struct sint_log logs[NR_CPUS][NR_SINTS];
static volatile bool consume = true;  /* handlers empty the slot (and EOM if pending) */
static bool sint_auto_eoi[NR_SINTS];
static volatile uint32_t ap_apic_id;
static bool apicv;

static int sint_of(uint8_t vector)
{
	for (int n = 0; n < NR_SINTS; n++)
		if (VEC_SINT(n) == vector)
			return n;
	return -1;
}

/* The guest's side of TLFS 11.9.3: empty the slot, then EOM if more wait. */
static void consume_slot(struct hv_message *slot, struct sint_log *log)
{
	log->type = slot->type;
	log->size = slot->payload_size;
	log->payload0 = slot->payload[0];
	log->pending = slot->flags & HV_MESSAGE_PENDING;
	__atomic_store_n(&slot->type, 0, __ATOMIC_SEQ_CST);
	if (log->pending)
		wrmsr(HV_MSR_EOM, 0);
}

static void sint_handler(uint8_t vector)
{
	unsigned int cpu = this_cpu_index();
	int n = sint_of(vector);
	struct sint_log *log = &logs[cpu][n];

	log->isr_set = apic_isr_in_service(vector);
	if (consume && sim[cpu][n].type)
		consume_slot(&sim[cpu][n], log);
	log->count++;
	if (!sint_auto_eoi[n])
		apic_eoi();
}

static void reset_logs(void)
{
	for (unsigned int c = 0; c < NR_CPUS; c++)
		for (unsigned int n = 0; n < NR_SINTS; n++)
			logs[c][n] = (struct sint_log){ 0 };
}

/* Takes interrupts until logs[cpu][n] reaches count or the time is up. */
static bool wait_count(unsigned int cpu, unsigned int n, unsigned int count)
{
	uint64_t end = tsc_after_us(WAIT_US);

	sti();
	while (logs[cpu][n].count < count && rdtsc() < end)
		asm volatile("pause");
	udelay(SETTLE_US);
	cli();
	return logs[cpu][n].count == count;
}

static void settle(void)
{
	sti();
	udelay(SETTLE_US);
	cli();
}

/* ---- The AP does what the BSP asks ---- */

static bool run_on_ap(void (*fn)(void))
{
	return smp_call(ap_apic_id, fn, WAIT_US);
}

/* The AP reports in before this runs: the BSP waits for ap_ready before it calls the AP. */
static volatile bool ap_ready;

static void ap_start(unsigned int cpu)
{
	(void)cpu;
	apic_enable();
	ap_apic_id = apic_id();
	ap_ready = true;
}

/* ---- Hypercalls ---- */

static uint16_t post_message(uint32_t conn, uint32_t type, uint32_t size, uint64_t word)
{
	uint64_t payload[30] = { word };

	return hv_post_message(conn, type, payload, size);
}

static uint64_t payload_word(unsigned int to, unsigned int from, unsigned int n)
{
	return 0x5ec0000000000000ULL | to << 16 | from << 8 | n;
}

/* ---- CPUID (TLFS 2.4) ---- */

static void cpuid_sig(char *out, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t w[3] = { a, b, c };

	for (unsigned int i = 0; i < 12; i++)
		out[i] = (char)(w[i / 4] >> (8 * (i % 4)));
	out[12] = '\0';
}

/* Each privilege bit of 0x40000003.EAX set exactly when its MSR is there (TLFS 2.4.2). */
static const struct {
	unsigned int bit;
	uint32_t msr;
} privileges[] = {
	{ 0, 0x40000010 }, { 1, 0x40000020 }, { 2, HV_MSR_SCONTROL }, { 3, 0x400000b0 },
	{ 4, 0x40000073 }, { 5, HV_MSR_GUEST_OS_ID }, { 6, HV_MSR_VP_INDEX }, { 7, 0x40000003 },
	{ 9, 0x40000021 }, { 11, 0x40000022 },
};

static void check_privileges(uint32_t eax)
{
	char name[48];
	uint64_t val;

	for (unsigned int i = 0; i < sizeof(privileges) / sizeof(privileges[0]); i++) {
		bool offered = eax & (1U << privileges[i].bit);
		int v = rdmsr_safe(privileges[i].msr, &val);

		fmt_snprintf(name, sizeof(name), "cpuid-privilege-%u-msr-0x%x", privileges[i].bit,
			     privileges[i].msr);
		check(name, offered == (v == NO_EXCEPTION), "privilege %s, rdmsr raised %s",
		      offered ? "offered" : "not offered", exception_name(v));
	}
}

static void check_cpuid(void)
{
	struct cpuid_regs r = cpuid(HV_CPUID_VENDOR, 0);
	struct cpuid_regs f = cpuid(HV_CPUID_FEATURES, 0);
	uint32_t hints = cpuid(HV_CPUID_RECOMMENDATIONS, 0).eax;
	char vendor[13];

	cpuid_sig(vendor, r.ebx, r.ecx, r.edx);
	check("cpuid-vendor", r.eax >= 0x40000005 && !__builtin_memcmp(vendor, "Microsoft Hv", 12),
	      "max leaf 0x%x, vendor '%s'", r.eax, vendor);
	check("cpuid-interface", cpuid(HV_CPUID_INTERFACE, 0).eax == HV_SIGNATURE,
	      "0x40000001.EAX 0x%x", cpuid(HV_CPUID_INTERFACE, 0).eax);
	check("cpuid-post-signal", (f.ebx & (HV_EBX_POST_MESSAGES | HV_EBX_SIGNAL_EVENTS)) ==
					   (HV_EBX_POST_MESSAGES | HV_EBX_SIGNAL_EVENTS),
	      "0x40000003.EBX 0x%x", f.ebx);
	check("cpuid-sint-polling", f.edx & HV_EDX_HV_SINT_POLLING, "0x40000003.EDX 0x%x", f.edx);
	check_privileges(f.eax);
	guest_printf("Hyper-V: privileges 0x%x:%x, features 0x%x, hints 0x%x (auto-EOI %s)\n",
		     f.ebx, f.eax, f.edx, hints,
		     hints & HV_HINT_DEPRECATING_AEOI ? "deprecated" : "recommended");
}

/* ---- Synthetic MSRs ---- */

static void check_msr_value(const char *name, uint32_t msr, uint64_t expect)
{
	uint64_t val = 0;
	int v = rdmsr_safe(msr, &val);

	check(name, v == NO_EXCEPTION && val == expect, "rdmsr 0x%x: %s, 0x%lx (expected 0x%lx)",
	      msr, exception_name(v), val, expect);
}

static void check_write_gp(const char *name, uint32_t msr, uint64_t val)
{
	int v = wrmsr_safe(msr, val);

	check(name, v == X86_GP, "wrmsr 0x%x <- 0x%lx raised %s", msr, val, exception_name(v));
}

static const char *cpu_name(const char *what)
{
	static char buf[2][64];
	unsigned int cpu = this_cpu_index();

	fmt_snprintf(buf[cpu], sizeof(buf[cpu]), "cpu%u-%s", cpu, what);
	return buf[cpu];
}

/* TLFS 11.8: reset values */
static void check_synic_reset(void)
{
	check_msr_value(cpu_name("scontrol-reset"), HV_MSR_SCONTROL, 0);
	check_msr_value(cpu_name("sversion"), HV_MSR_SVERSION, 1);
	check_msr_value(cpu_name("siefp-reset"), HV_MSR_SIEFP, 0);
	check_msr_value(cpu_name("simp-reset"), HV_MSR_SIMP, 0);
	check_msr_value(cpu_name("eom-reads-0"), HV_MSR_EOM, 0);
	for (unsigned int n = 0; n < NR_SINTS; n++) {
		char name[32];

		fmt_snprintf(name, sizeof(name), "sint%u-reset", n);
		check_msr_value(cpu_name(name), HV_MSR_SINT(n), HV_SINT_MASKED);
	}
	check_msr_value(cpu_name("vp-index"), HV_MSR_VP_INDEX, this_cpu_index());
}

static void ap_check_reset(void) { check_synic_reset(); }

/* TLFS 11.8.4 and 11.8.2-3: the #GP rules and what reads back */
static void check_synic_msr_rules(void)
{
	uint64_t beyond = (boot.ram_end + 0xfff) & ~0xfffULL;

	check_write_gp("sversion-write-gp", HV_MSR_SVERSION, 1);
	check_write_gp("vp-index-write-gp", HV_MSR_VP_INDEX, 0);
	check_write_gp("sint-vector-15-unmasked-gp", HV_MSR_SINT(0), 15);
	check_msr_value("sint-after-gp-unchanged", HV_MSR_SINT(0), HV_SINT_MASKED);
	wrmsr(HV_MSR_SINT(0), HV_SINT_MASKED | 5);
	check_msr_value("sint-masked-vector-5-accepted", HV_MSR_SINT(0), HV_SINT_MASKED | 5);
	wrmsr(HV_MSR_SINT(0), HV_SINT_MASKED | 0xab00 | (1ULL << 40) | 0x40);
	check_msr_value("sint-reserved-bits-kept", HV_MSR_SINT(0),
			HV_SINT_MASKED | 0xab00 | (1ULL << 40) | 0x40);
	wrmsr(HV_MSR_SINT(0), HV_SINT_MASKED);
	check_write_gp("simp-outside-ram-gp", HV_MSR_SIMP, beyond | HV_PAGE_ENABLE);
	check_write_gp("siefp-outside-ram-gp", HV_MSR_SIEFP, beyond | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SIMP, beyond | 0x2);
	check_msr_value("simp-disabled-any-page-reserved-kept", HV_MSR_SIMP, beyond | 0x2);
	wrmsr(HV_MSR_SIMP, 0);
	wrmsr(HV_MSR_EOM, 0);
	check_msr_value("eom-write-then-read-0", HV_MSR_EOM, 0);
}

/* ---- The hypercall page (TLFS 3.13) ---- */

static bool is_intel(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	return r.ebx == 0x756e6547; /* "Genu" */
}

static void raw_hypercall(void *arg)
{
	(void)arg;
	if (is_intel())
		asm volatile("vmcall" ::"c"(0xbeefUL) : "rax", "memory");
	else
		asm volatile("vmmcall" ::"c"(0xbeefUL) : "rax", "memory");
}

static void write_hypercall_page(void *arg)
{
	(void)arg;
	*(volatile uint8_t *)hypercall_page = 0x90;
}

static uint64_t hypercall_msr_value(void)
{
	return (uint64_t)(uintptr_t)hypercall_page | HV_PAGE_ENABLE;
}

static void check_hypercall_enable(void)
{
	uint64_t beyond = (boot.ram_end + 0xfff) & ~0xfffULL;
	struct exception x = guest_try(raw_hypercall, NULL);

	check_msr_value("guest-os-id-reset", HV_MSR_GUEST_OS_ID, 0);
	check("hypercall-before-guest-os-id-ud", x.vector == X86_UD, "VMCALL/VMMCALL raised %s",
	      exception_name(x.vector));
	wrmsr(HV_MSR_HYPERCALL, hypercall_msr_value());
	check_msr_value("hypercall-enable-refused-without-os-id", HV_MSR_HYPERCALL,
			(uint64_t)(uintptr_t)hypercall_page);
	wrmsr(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID);
	check_msr_value("guest-os-id", HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID);
	check_write_gp("hypercall-page-outside-ram-gp", HV_MSR_HYPERCALL, beyond | HV_PAGE_ENABLE);
	hypercall_page[0] = 0xf4;
	hv_enable_hypercalls(hypercall_page);
	check_msr_value("hypercall-enabled", HV_MSR_HYPERCALL, hypercall_msr_value());
}

/* An overlay: the page reads as VMCALL/VMMCALL; RET, writes #GP, the RAM under it returns. */
static void check_hypercall_page(void)
{
	static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1, 0xc3 }, vmmcall[] = { 0x0f, 0x01, 0xd9, 0xc3 };
	const uint8_t *want = is_intel() ? vmcall : vmmcall;
	volatile uint8_t *page = hypercall_page;
	struct exception x = guest_try(write_hypercall_page, NULL);
	bool code = true;

	for (unsigned int i = 0; i < 4; i++)
		code &= page[i] == want[i];
	check("hypercall-page-code", code, "page starts %02x %02x %02x %02x", page[0], page[1],
	      page[2], page[3]);
	check("hypercall-page-write-gp", x.vector == X86_GP, "a write raised %s",
	      exception_name(x.vector));
	check("hypercall-unknown-code", hv_hypercall(0xbeef, 0, 0) == ST_INVALID_CODE,
	      "call 0xbeef: status 0x%lx", hv_hypercall(0xbeef, 0, 0));
	wrmsr(HV_MSR_GUEST_OS_ID, 0);
	check("guest-os-id-0-disables-hypercall-page",
	      !(rdmsr(HV_MSR_HYPERCALL) & HV_PAGE_ENABLE) && page[0] == 0xf4,
	      "HYPERCALL 0x%lx, RAM under the page reads 0x%02x (0xf4 written)",
	      rdmsr(HV_MSR_HYPERCALL), page[0]);
	hv_enable_hypercalls(hypercall_page);
}

struct status_case {
	const char *name;
	uint64_t input, param0;
	uint16_t expect;
};

/* TLFS 3.7-3.8 and 11.10: the input value and parameter checks */
static void check_hypercall_inputs(void)
{
	uint64_t in = (uint64_t)(uintptr_t)spare_page[1];
	uint64_t across = (uint64_t)(uintptr_t)spare_page[0] + 4096 - 128;
	const struct status_case cases[] = {
		{ "call-reserved-bit-27", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST | 1ULL << 27, EVENT_CONN(0, 0), ST_INVALID_INPUT },
		{ "call-nested-bit-31", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST | 1ULL << 31, EVENT_CONN(0, 0), ST_INVALID_INPUT },
		{ "call-reserved-bit-44", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST | 1ULL << 44, EVENT_CONN(0, 0), ST_INVALID_INPUT },
		{ "call-reserved-bit-60", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST | 1ULL << 60, EVENT_CONN(0, 0), ST_INVALID_INPUT },
		{ "call-rep-count-on-simple", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST | 1ULL << 32, EVENT_CONN(0, 0), ST_INVALID_INPUT },
		{ "call-var-header-on-simple", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST | 1ULL << 17, EVENT_CONN(0, 0), ST_INVALID_INPUT },
		{ "post-fast-refused", HV_CALL_POST_MESSAGE | HV_CALL_FAST, MSG_CONN(0, 0), ST_INVALID_INPUT },
		{ "post-misaligned", HV_CALL_POST_MESSAGE, in + 4, ST_ALIGNMENT },
		{ "post-crossing-page", HV_CALL_POST_MESSAGE, across, ST_ALIGNMENT },
		{ "post-outside-ram", HV_CALL_POST_MESSAGE, (boot.ram_end + 0xfff) & ~0xfffULL, ST_ALIGNMENT },
		{ "signal-unknown-connection", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST, NO_CONN, ST_CONNECTION_ID },
		{ "signal-message-connection", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST, MSG_CONN(0, 0), ST_CONNECTION_ID },
		{ "signal-reserved-bits", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST, EVENT_CONN(0, 0) | 1ULL << 48, ST_INVALID_INPUT },
		{ "signal-flag-number-beyond", HV_CALL_SIGNAL_EVENT | HV_CALL_FAST, EVENT_CONN(0, 0) | 1ULL << 32, ST_PARAMETER },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t st = (uint16_t)hv_hypercall(cases[i].input, cases[i].param0, 0);

		check(cases[i].name, st == cases[i].expect, "status 0x%x, expected 0x%x", st,
		      cases[i].expect);
	}
}

static void check_post_parameters(void)
{
	uint16_t type0 = post_message(MSG_CONN(0, 0), 0, 8, 0);
	uint16_t type_hv = post_message(MSG_CONN(0, 0), 0x80000010u, 8, 0);
	uint16_t big = post_message(MSG_CONN(0, 0), 1, 241, 0);
	uint16_t unknown = post_message(NO_CONN, 1, 8, 0);
	uint16_t event = post_message(EVENT_CONN(0, 0), 1, 8, 0);
	uint16_t disabled = post_message(MSG_CONN(0, 0), 1, 8, 0);

	check("post-type-0", type0 == ST_PARAMETER, "status 0x%x", type0);
	check("post-hypervisor-type", type_hv == ST_PARAMETER, "status 0x%x", type_hv);
	check("post-payload-241", big == ST_PARAMETER, "status 0x%x", big);
	check("post-unknown-connection", unknown == ST_CONNECTION_ID, "status 0x%x", unknown);
	check("post-event-connection", event == ST_CONNECTION_ID, "status 0x%x", event);
	check("post-synic-disabled", disabled == ST_SYNIC_STATE, "status 0x%x", disabled);
}

/* ---- SynIC set-up ---- */

static void program_sints(void)
{
	for (unsigned int n = 0; n < NR_SINTS; n++)
		wrmsr(HV_MSR_SINT(n), VEC_SINT(n) | (sint_auto_eoi[n] ? HV_SINT_AUTO_EOI : 0));
}

static void synic_enable(void)
{
	unsigned int cpu = this_cpu_index();

	wrmsr(HV_MSR_SIMP, (uint64_t)(uintptr_t)sim[cpu] | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SIEFP, (uint64_t)(uintptr_t)sief[cpu] | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SCONTROL, 1);
	program_sints();
}

static void ap_synic_enable(void) { synic_enable(); }

/* ---- Messages and events on every SINT ---- */

static volatile unsigned int post_to;
static volatile uint16_t post_status[NR_SINTS];

static void post_all(void)
{
	for (unsigned int n = 0; n < NR_SINTS; n++)
		post_status[n] = post_message(MSG_CONN(post_to, n), 1, 8,
					      payload_word(post_to, this_cpu_index(), n));
}

static void signal_all(void)
{
	for (unsigned int n = 0; n < NR_SINTS; n++)
		post_status[n] = hv_signal_event(EVENT_CONN(post_to, n));
}

static void send_all(unsigned int from, unsigned int to, void (*fn)(void))
{
	post_to = to;
	if (from == this_cpu_index())
		fn();
	else
		run_on_ap(fn);
}

/* Every SINT of `to` got one interrupt on its vector with the message sent to it. */
static int first_bad_message(unsigned int from, unsigned int to)
{
	for (unsigned int n = 0; n < NR_SINTS; n++) {
		const struct sint_log *l = &logs[to][n];

		if (post_status[n] != ST_SUCCESS || !wait_count(to, n, 1) || l->type != 1 ||
		    l->size != 8 || l->payload0 != payload_word(to, from, n) || sim[to][n].type)
			return (int)n;
	}
	return -1;
}

static void check_messages(unsigned int from, unsigned int to)
{
	char name[40];
	int bad;

	reset_logs();
	send_all(from, to, post_all);
	bad = first_bad_message(from, to);
	fmt_snprintf(name, sizeof(name), "message-cpu%u-to-cpu%u-every-sint", from, to);
	check(name, bad < 0, "SINT %d: status 0x%x, %u interrupts, type %u, size %u, payload 0x%lx",
	      bad, bad < 0 ? 0 : post_status[bad], bad < 0 ? 0 : logs[to][bad].count,
	      bad < 0 ? 0 : logs[to][bad].type, bad < 0 ? 0 : logs[to][bad].size,
	      bad < 0 ? 0 : logs[to][bad].payload0);
}

static bool flag_set(unsigned int cpu, unsigned int n)
{
	unsigned int f = EVENT_FLAG(cpu, n);

	return sief[cpu][n][f / 8] & (1U << (f % 8));
}

static void clear_flag(unsigned int cpu, unsigned int n)
{
	unsigned int f = EVENT_FLAG(cpu, n);

	__atomic_fetch_and(&sief[cpu][n][f / 8], (uint8_t)~(1U << (f % 8)), __ATOMIC_SEQ_CST);
}

/* TLFS 11.5: the flag set, one interrupt; signalling a set flag interrupts no more. */
static int first_bad_event(unsigned int from, unsigned int to)
{
	for (unsigned int n = 0; n < NR_SINTS; n++)
		if (post_status[n] != ST_SUCCESS || !wait_count(to, n, 1) || !flag_set(to, n))
			return (int)n;
	send_all(from, to, signal_all);
	settle();
	for (unsigned int n = 0; n < NR_SINTS; n++)
		if (post_status[n] != ST_SUCCESS || logs[to][n].count != 1)
			return (int)n;
	return -1;
}

static void check_events(unsigned int from, unsigned int to)
{
	char name[40];
	int bad;

	reset_logs();
	send_all(from, to, signal_all);
	bad = first_bad_event(from, to);
	for (unsigned int n = 0; n < NR_SINTS; n++)
		clear_flag(to, n);
	fmt_snprintf(name, sizeof(name), "event-cpu%u-to-cpu%u-every-sint", from, to);
	check(name, bad < 0, "SINT %d: status 0x%x, %u interrupts, flag %s", bad,
	      bad < 0 ? 0 : post_status[bad], bad < 0 ? 0 : logs[to][bad].count,
	      bad >= 0 && flag_set(to, bad) ? "set" : "clear");
}

/* The memory form of HvSignalEvent, 8 bytes at an 8-byte aligned GPA */
static void check_signal_memory_form(void)
{
	uint64_t *in = (uint64_t *)spare_page[1];
	uint16_t st;
	bool taken;

	reset_logs();
	*in = EVENT_CONN(BSP, 2);
	st = (uint16_t)hv_hypercall(HV_CALL_SIGNAL_EVENT, (uint64_t)(uintptr_t)in, 0);
	taken = wait_count(BSP, 2, 1);
	check("signal-memory-form", st == ST_SUCCESS && taken && flag_set(BSP, 2),
	      "status 0x%x, %u interrupts", st, logs[BSP][2].count);
	clear_flag(BSP, 2);
}

/* ---- The MessagePending protocol (TLFS 11.9.3) ---- */

/* A busy slot: success, the message waits, MessagePending set, no interrupt; EOM delivers it. */
static void check_busy_slot_and_eom(void)
{
	const unsigned int n = 3;
	uint16_t first, second;
	bool one, pending, kept;

	reset_logs();
	consume = false;
	first = post_message(MSG_CONN(BSP, n), 1, 8, 0xa);
	one = wait_count(BSP, n, 1);
	second = post_message(MSG_CONN(BSP, n), 2, 8, 0xb);
	settle();
	pending = sim[BSP][n].flags & HV_MESSAGE_PENDING;
	kept = sim[BSP][n].type == 1 && sim[BSP][n].payload[0] == 0xa;
	check("busy-slot-queues", first == ST_SUCCESS && second == ST_SUCCESS && one &&
				  logs[BSP][n].count == 1 && pending && kept,
	      "status 0x%x then 0x%x, %u interrupts, MessagePending %d, first message kept %d",
	      first, second, logs[BSP][n].count, pending, kept);
	sim[BSP][n].type = 0;
	wrmsr(HV_MSR_EOM, 0);
	one = wait_count(BSP, n, 2);
	check("eom-redelivers", one && sim[BSP][n].type == 2 &&
				sim[BSP][n].payload[0] == 0xb,
	      "%u interrupts, slot type %u payload 0x%lx", logs[BSP][n].count, sim[BSP][n].type,
	      sim[BSP][n].payload[0]);
	sim[BSP][n].type = 0;
	consume = true;
}

/* The guest frees the slot without EOM; the EOI of the SINT's vector redelivers. */
static void check_eoi_redelivers(void)
{
	const unsigned int n = 4;
	uint16_t second;
	bool third;

	reset_logs();
	consume = false;
	post_message(MSG_CONN(BSP, n), 1, 8, 0xc);
	wait_count(BSP, n, 1);
	second = post_message(MSG_CONN(BSP, n), 2, 8, 0xd);
	settle();
	sim[BSP][n].type = 0;
	apic_self_ipi(VEC_SINT(n)); /* its handler's EOI is the acknowledge */
	third = wait_count(BSP, n, 3);
	check("eoi-redelivers", second == ST_SUCCESS && third &&
				sim[BSP][n].type == 2 && sim[BSP][n].payload[0] == 0xd,
	      "status 0x%x, %u interrupts (3 expected), slot type %u payload 0x%lx", second,
	      logs[BSP][n].count, sim[BSP][n].type, sim[BSP][n].payload[0]);
	sim[BSP][n].type = 0;
	consume = true;
}

/* TLFS 11.8.4: polling and masked SINTs get the message in the slot, no interrupt. */
static void check_quiet_sint(const char *name, unsigned int n, uint64_t bits)
{
	uint16_t st;

	reset_logs();
	wrmsr(HV_MSR_SINT(n), VEC_SINT(n) | bits);
	st = post_message(MSG_CONN(BSP, n), 3, 8, 0xe);
	settle();
	check(name, st == ST_SUCCESS && logs[BSP][n].count == 0 && sim[BSP][n].type == 3,
	      "status 0x%x, %u interrupts, slot type %u", st, logs[BSP][n].count, sim[BSP][n].type);
	sim[BSP][n].type = 0;
	wrmsr(HV_MSR_SINT(n), VEC_SINT(n));
}

static void check_masked_event(void)
{
	uint16_t st;

	wrmsr(HV_MSR_SINT(5), VEC_SINT(5) | HV_SINT_MASKED);
	st = hv_signal_event(EVENT_CONN(BSP, 5));
	check("event-masked-sint", st == ST_SYNIC_STATE, "status 0x%x", st);
	wrmsr(HV_MSR_SINT(5), VEC_SINT(5));
}

/* 16 messages wait behind a busy slot; the 17th finds no buffer; they come in order. */
static void check_queue_full(void)
{
	const unsigned int n = 6;
	uint16_t st = ST_SUCCESS, last;
	bool in_order = true;

	reset_logs();
	consume = false;
	post_message(MSG_CONN(BSP, n), 1, 8, 100);
	wait_count(BSP, n, 1);
	for (unsigned int i = 1; i <= 16 && st == ST_SUCCESS; i++)
		st = post_message(MSG_CONN(BSP, n), 1, 8, 100 + i);
	last = post_message(MSG_CONN(BSP, n), 1, 8, 117);
	check("queue-full", st == ST_SUCCESS && last == ST_BUFFERS,
	      "16 queued: status 0x%x, the 17th 0x%x", st, last);
	for (unsigned int i = 1; i <= 16 && in_order; i++) {
		sim[BSP][n].type = 0;
		wrmsr(HV_MSR_EOM, 0);
		in_order = wait_count(BSP, n, 1 + i) && sim[BSP][n].payload[0] == 100 + i;
	}
	check("queue-drains-in-order", in_order, "at message %lu, %u interrupts",
	      sim[BSP][n].payload[0], logs[BSP][n].count);
	sim[BSP][n].type = 0;
	consume = true;
}

static void check_disabled_pages(void)
{
	uint16_t simp_off, scontrol_off, siefp_off;

	wrmsr(HV_MSR_SIMP, (uint64_t)(uintptr_t)sim[BSP]);
	simp_off = post_message(MSG_CONN(BSP, 7), 1, 8, 0);
	wrmsr(HV_MSR_SIMP, (uint64_t)(uintptr_t)sim[BSP] | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SIEFP, (uint64_t)(uintptr_t)sief[BSP]);
	siefp_off = hv_signal_event(EVENT_CONN(BSP, 7));
	wrmsr(HV_MSR_SIEFP, (uint64_t)(uintptr_t)sief[BSP] | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SCONTROL, 0);
	scontrol_off = post_message(MSG_CONN(BSP, 7), 1, 8, 0);
	wrmsr(HV_MSR_SCONTROL, 1);
	check("post-simp-disabled", simp_off == ST_SYNIC_STATE, "status 0x%x", simp_off);
	check("signal-siefp-disabled", siefp_off == ST_SYNIC_STATE, "status 0x%x", siefp_off);
	check("post-scontrol-disabled", scontrol_off == ST_SYNIC_STATE, "status 0x%x",
	      scontrol_off);
}

/* ---- Auto-EOI (TLFS 11.8.4): never in the ISR, never EOIed ---- */

static bool isr_empty(void)
{
	for (unsigned int i = 0; i < 8; i++)
		if (apic_read(APIC_ISR + 0x10 * i))
			return false;
	return true;
}

/* Four of 16 SINTs auto-EOI, all 16 firing at once: each handled once, ISR empty after. */
static void check_auto_eoi_burst(void)
{
	static const unsigned int aeoi[] = { 2, 7, 11, 15 };
	int bad = -1;

	for (unsigned int i = 0; i < 4; i++)
		sint_auto_eoi[aeoi[i]] = true;
	program_sints();
	reset_logs();
	post_to = BSP;
	post_all(); /* interrupts are off: all 16 wait */
	settle();
	udelay(SETTLE_US);
	for (unsigned int n = 0; n < NR_SINTS && bad < 0; n++)
		if (logs[BSP][n].count != 1 || logs[BSP][n].isr_set == sint_auto_eoi[n])
			bad = (int)n;
	check("auto-eoi-burst-each-once", bad < 0, "SINT %d (auto-EOI %d): %u interrupts, ISR %s",
	      bad, bad >= 0 && sint_auto_eoi[bad], bad < 0 ? 0 : logs[BSP][bad].count,
	      bad >= 0 && logs[BSP][bad].isr_set ? "set" : "clear");
	check("auto-eoi-burst-isr-empty", isr_empty(), "an ISR bit is left");
}

static volatile bool nested_ok;

/* In service: the low vector; an auto-EOI message on a higher vector must preempt it. */
static void low_handler(uint8_t vector)
{
	const unsigned int n = 11; /* auto-EOI, vector 0xb5 */

	post_message(MSG_CONN(BSP, n), 1, 8, 0xf);
	sti();
	udelay(SETTLE_US);
	cli();
	nested_ok = logs[BSP][n].count == 1 && !logs[BSP][n].isr_set &&
		    apic_isr_in_service(vector);
	apic_eoi();
}

static void check_auto_eoi_preempts(void)
{
	reset_logs();
	nested_ok = false;
	irq_set_handler(VEC_LOW, low_handler);
	apic_self_ipi(VEC_LOW);
	settle();
	check("auto-eoi-while-lower-in-service", nested_ok && isr_empty(),
	      "auto-EOI SINT 11: %u interrupts, ISR %s", logs[BSP][11].count,
	      isr_empty() ? "empty" : "not empty");
}

/* ---- Exit counts under APICv (exit-counters=on) ---- */

static uint64_t eoi_exits(void)
{
	return rdmsr(MSR_EXIT_COUNTERS + EXIT_EOI_INDUCED) + rdmsr(MSR_EXIT_COUNTERS + EXIT_APIC_EOI);
}

static void ordinary_handler(uint8_t vector)
{
	(void)vector;
	apic_eoi();
}

/* SDM 29.1.2: only vectors of the EOI-exit bitmap exit on EOI; SynIC's are all there. */
static void check_eoi_exit_counts(void)
{
	uint64_t before, ordinary, synic, auto_eoi;

	irq_set_handler(VEC_LOW, ordinary_handler);
	before = eoi_exits();
	apic_self_ipi(VEC_LOW);
	settle();
	ordinary = eoi_exits() - before;
	reset_logs();
	before = eoi_exits();
	post_message(MSG_CONN(BSP, 1), 1, 8, 0);
	wait_count(BSP, 1, 1);
	synic = eoi_exits() - before;
	before = eoi_exits();
	post_message(MSG_CONN(BSP, 2), 1, 8, 0); /* SINT 2 is auto-EOI */
	wait_count(BSP, 2, 1);
	auto_eoi = eoi_exits() - before;
	check("apicv-ordinary-eoi-no-exit", ordinary == 0, "%lu EOI exits", ordinary);
	check("apicv-synic-eoi-one-exit", synic == 1, "%lu EOI exits", synic);
	check("apicv-auto-eoi-no-exit", auto_eoi == 0, "%lu EOI exits", auto_eoi);
}

/* ---- The run ---- */

static bool start_ap(void)
{
	int ret = smp_start_ap(apic_id() == 0 ? 1 : 0, ap_start);
	bool ready = ret == 0 && wait_for_flag(&ap_ready, SMP_READY_US);

	check("ap-start", ready, "the AP did not report in and enable its APIC");
	return ready;
}

static void check_delivery(void)
{
	check_messages(BSP, BSP);
	check_messages(BSP, AP);
	check_messages(AP, AP);
	check_messages(AP, BSP);
	check_events(BSP, BSP);
	check_events(BSP, AP);
	check_events(AP, AP);
	check_events(AP, BSP);
	check_signal_memory_form();
}

static void check_protocol(void)
{
	check_busy_slot_and_eom();
	check_eoi_redelivers();
	check_quiet_sint("polling-sint-no-interrupt", 5, HV_SINT_POLLING);
	check_quiet_sint("masked-sint-no-interrupt", 5, HV_SINT_MASKED);
	check_masked_event();
	check_queue_full();
	check_disabled_pages();
}

void test_main(const char *cmdline)
{
	apicv = cmdline_has(cmdline, "apicv");
	apic_mode_xapic();
	apic_enable();
	for (unsigned int n = 0; n < NR_SINTS; n++)
		irq_set_handler(VEC_SINT(n), sint_handler);
	if (!start_ap())
		return;
	check_cpuid();
	check_synic_reset();
	run_on_ap(ap_check_reset);
	check_synic_msr_rules();
	check_hypercall_enable();
	check_hypercall_page();
	check_hypercall_inputs();
	check_post_parameters();
	synic_enable();
	run_on_ap(ap_synic_enable);
	check_delivery();
	check_protocol();
	check_auto_eoi_burst();
	check_auto_eoi_preempts();
	if (apicv)
		check_eoi_exit_counts();
	else
		skip("apicv-eoi-exit-counts", "no 'apicv' on the command line");
}
