/*
 * The second vCPU: IPIs to it with random vectors, delivery modes and
 * destination forms (SDM 11.6), NMIs, INIT/SIPI storms after which it must
 * start again through the library's INIT/SIPI path and answer a call
 * (SDM 9.4.4), its message slots, and a burst of hypercalls it makes while
 * the BSP goes on (their statuses must be ones the TLFS defines for them).
 * Nothing here runs with cpus=1.
 */
#include "guest-tests/fuzz/fuzz.h"

#define ICR_DM(dm)       ((uint32_t)(dm) << 8)
#define DM_FIXED         0
#define DM_LOWEST        1
#define DM_NMI           4
#define DM_INIT          5
#define DM_SIPI          6
#define ICR_LEVEL_ASSERT (1U << 14)
#define ICR_TRIGGER_LEVEL (1U << 15)
#define WAIT_US          500000 /* only a failure waits so long: an emulator on a loaded machine */
#define BURST_CALLS      32
#define TASK_WAIT_US     2000000
#define S(status)        (1U << (status))

/* ---- IPIs ---- */

static uint8_t legal_vector(void)
{
	return deny_fix_vector((uint8_t)rng_range(32, 255));
}

/* Physically to its ID, or with the all-but-self shorthand: it alone is the target. */
static void send_to_ap(uint32_t icr)
{
	if (rng_percent(30))
		apic_send_ipi(0, icr | APIC_DEST_ALL_BUT_SELF);
	else
		apic_send_ipi(fz.ap_apic_id, icr);
}

static void fixed_ipi(void)
{
	uint8_t v = rng_percent(90) ? legal_vector() : (uint8_t)rng_below(16);
	uint32_t before = irq_seen(AP, v);

	lapic_esr();
	send_to_ap(ICR_DM(rng_percent(80) ? DM_FIXED : DM_LOWEST) | v);
	if (v >= 16 && !irq_wait(AP, v, before, WAIT_US))
		mismatch("IPI on vector 0x%x to the AP not delivered", v);
	else if (v < 16 && !(lapic_esr() & (1U << 5)))
		mismatch("IPI on illegal vector 0x%x: no send-illegal-vector error (SDM 11.5.3)", v);
}

static void nmi_ipi(void)
{
	uint32_t before = nmi_seen(AP);

	send_to_ap(ICR_DM(DM_NMI));
	if (!nmi_wait(AP, before, WAIT_US))
		mismatch("NMI to the AP not delivered");
}

/* To everybody, self included: each takes it once (or more, merged in IRR never less). */
static void broadcast_ipi(void)
{
	uint8_t v = legal_vector();
	uint32_t ap = irq_seen(AP, v), bsp = irq_seen(BSP, v);

	apic_send_ipi(0, APIC_DEST_ALL | ICR_DM(DM_FIXED) | v);
	if (!irq_wait(BSP, v, bsp, WAIT_US) || !irq_wait(AP, v, ap, WAIT_US))
		mismatch("broadcast IPI on vector 0x%x: BSP %u -> %u, AP %u -> %u", v, bsp,
			 irq_seen(BSP, v), ap, irq_seen(AP, v));
}

/* ---- INIT and SIPI ---- */

static void storm_one(void)
{
	switch (rng_below(6)) {
	case 0:
	case 1:
		send_to_ap(ICR_DM(DM_INIT) | ICR_LEVEL_ASSERT);
		break;
	case 2:
		send_to_ap(ICR_DM(DM_INIT) | ICR_TRIGGER_LEVEL); /* de-assert (SDM 11.6.1) */
		break;
	case 3:
	case 4:
		send_to_ap(ICR_DM(DM_SIPI) | deny_safe_sipi_vector());
		break;
	default:
		send_to_ap(rng_percent(50) ? ICR_DM(DM_NMI) : ICR_DM(DM_FIXED) | legal_vector());
	}
	udelay(rng_below(200));
}

/*
 * Twice before it counts: code the storm's own SIPI to the trampoline
 * started may still run while the first restart begins, and report or
 * answer for the AP that restart has yet to start.
 */
static void init_sipi_storm(void)
{
	unsigned int n = (unsigned int)rng_range(1, 8);

	for (unsigned int i = 0; i < n; i++)
		storm_one();
	if (!ap_restart() && !ap_restart())
		mismatch("the AP did not come back after %u INIT/SIPI/IPIs", n);
}

/* A SIPI to a running processor is ignored (SDM 9.4.4): it still answers. */
static void sipi_while_running(void)
{
	send_to_ap(ICR_DM(DM_SIPI) | deny_safe_sipi_vector());
	udelay(200);
	if (fz.ap_alive && !ap_call(lapic_sane))
		mismatch("the AP stopped answering after a SIPI while it ran");
}

/* ---- the AP's own work ---- */

static struct {
	unsigned int bad;
	uint64_t input, result;
	int vector;
} burst;
static uint8_t ap_input[PAGE] __attribute__((aligned(PAGE)));

static uint32_t burst_statuses(bool post)
{
	if (!(post ? fz.msg_conn : fz.event_conn))
		return S(ST_CONNECTION_ID);
	return S(ST_SUCCESS) | S(ST_SYNIC_STATE) | (post ? S(ST_BUFFERS) : 0);
}

static void burst_call(unsigned int i)
{
	uint32_t *in = (uint32_t *)ap_input;
	bool post = i & 1;
	struct hcall c = { .input = 0x5d | HV_CALL_FAST, .param0 = EVENT_CONN };

	if (post) {
		in[0] = MSG_CONN, in[1] = 0, in[2] = 1 + i, in[3] = 8 + 7 * i; /* id, 0, type, size */
		messages_fill_payload(ap_input + 16, in[3], POST_MARKER_AP);
		c = (struct hcall){ .input = 0x5c, .param0 = (uint64_t)(uintptr_t)ap_input };
	}
	hcall(&c, VIA_INSN);
	if (c.vector == X86_UD || (c.vector == NO_EXCEPTION && c.result < 32 &&
				   (burst_statuses(post) & S(c.result))))
		return; /* #UD: the BSP took the guest OS id away for a moment */
	if (!burst.bad++)
		burst.input = c.input, burst.result = c.result, burst.vector = c.vector;
}

static void burst_task(void)
{
	for (unsigned int i = 0; i < BURST_CALLS; i++)
		burst_call(i);
}

static void check_burst(void)
{
	if (!ap_task_done(TASK_WAIT_US))
		mismatch("the AP's hypercall burst did not end in %u us", TASK_WAIT_US);
	else if (burst.bad)
		mismatch("the AP's hypercalls: %u bad, the first 0x%lx raised %s, result 0x%lx",
			 burst.bad, burst.input, exception_name(burst.vector), burst.result);
	burst.bad = 0;
}

static void start_burst(void)
{
	check_burst();
	hv.outstanding = -1; /* its posts fill MSG_CONN's buffers meanwhile */
	ap_run_task(burst_task);
}

/* TLFS 12.3.3 on the AP: a direct-mode timer due now interrupts it. */
static void ap_direct_timer(void)
{
	uint8_t v = (uint8_t)rng_range(0x20, 0xef);
	uint32_t before = irq_seen(AP, v);

	timer_write(AP, HV_MSR_STIMER_CONFIG(2), 0);
	timer_write(AP, HV_MSR_STIMER_COUNT(2), hv.last_ref);
	timer_write(AP, HV_MSR_STIMER_CONFIG(2), HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE |
						 HV_STIMER_APIC_VECTOR(v));
	if (fz.ap_alive && !irq_wait(AP, v, before, WAIT_US))
		mismatch("the AP's direct-mode timer 2 on vector 0x%x did not fire", v);
	timer_write(AP, HV_MSR_STIMER_CONFIG(2), 0);
}

/* Before a delivery is checked: no timer of the fuzzer's own storms the AP (or the BSP). */
static void quiet(void)
{
	timers_off(AP);
	timers_off(BSP);
	ap_call(lapic_sane);
}

void op_smp(void)
{
	if (fz.cpus < 2)
		return;
	if (!fz.ap_alive && !ap_restart())
		return;
	ap_call(lapic_sane);
	switch (rng_below(12)) {
	case 0: case 1: case 2: quiet(); fixed_ipi(); break;
	case 3: quiet(); nmi_ipi(); break;
	case 4: quiet(); broadcast_ipi(); break;
	case 5: case 6: init_sipi_storm(); break;
	case 7: sipi_while_running(); break;
	case 8: start_burst(); break;
	case 9: quiet(); ap_direct_timer(); break;
	default: messages_drain(AP);
	}
}
