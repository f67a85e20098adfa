/*
 * Two CPUs and their local APICs (run with cpus=2): the AP starts with
 * INIT/SIPI, then fixed IPIs go between the CPUs with physical and logical
 * destinations and the all-excluding-self shorthand, in xAPIC mode, then in
 * x2APIC mode (where CPUID.1:ECX[21] offers it) with a cluster-logical one.
 * The APIC mode is per CPU: the AP switches its own. Between the two the AP
 * halts with interrupts off, is sent INIT and an NMI while it waits for its
 * SIPI, and must start again with INIT/SIPI.
 *
 * Last, the Hyper-V IPI hypercalls (TLFS 10.5.2-10.5.3), offered with the
 * cluster-IPI and ExProcessorMasks recommendations: HvCallSendSyntheticClusterIpi
 * (fast, a 64-VP mask) and its Ex form (memory, an HV_VP_SET, sparse or all)
 * reach exactly the VPs named; a vector below 16 is refused. Then the remote
 * TLB-flush hypercalls, each form flushing the AP's translations.
 *
 * The AP does what the BSP asks through smp_call().
 */
#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"

#define VEC_IPI      0x50
#define BSP          0
#define AP           1
#define IPI_WAIT_US  2000000 /* generous: only a failure waits this long */
#define SETTLE_US    2000 /* for a duplicate delivery to show */
#define PARK_WAIT_US 10000 /* the AP's call never returns: it halts */

/* xAPIC flat model (Intel SDM vol. 3, 11.6.2.2): LDR[31:24] is a bit per CPU */
#define DFR_FLAT     0xffffffff
#define FLAT_BIT(cpu) (1U << (cpu))

static volatile unsigned int ipi_count[GUEST_MAX_CPUS];
static uint32_t bsp_apic_id;
static volatile uint32_t ap_apic_id;
static volatile uint32_t ap_ldr;
static volatile bool ap_parking;

static void count_ipi(uint8_t vector)
{
	(void)vector;
	ipi_count[this_cpu_index()]++;
	apic_eoi();
}

static void reset_counts(void)
{
	for (unsigned int i = 0; i < GUEST_MAX_CPUS; i++)
		ipi_count[i] = 0;
}

/* Takes interrupts until the counts reach bsp and ap (or a timeout), then a little longer. */
static void wait_counts(unsigned int bsp, unsigned int ap)
{
	uint64_t end = tsc_after_us(IPI_WAIT_US);

	sti();
	while ((ipi_count[BSP] < bsp || ipi_count[AP] < ap) && rdtsc() < end)
		asm volatile("pause");
	udelay(SETTLE_US);
	cli();
}

static bool counts_are(unsigned int bsp, unsigned int ap)
{
	return ipi_count[BSP] == bsp && ipi_count[AP] == ap;
}

/* Runs fn on the AP; false if it did not finish in time. */
static bool run_on_ap(void (*fn)(void))
{
	return smp_call(ap_apic_id, fn, IPI_WAIT_US);
}

/*
 * The AP reports in before its start function runs: the calls to it wait
 * until that function has software-enabled its APIC, which drops fixed
 * interrupts until then.
 */
static volatile bool ap_ready;

static bool wait_ap_ready(void)
{
	return wait_for_flag(&ap_ready, IPI_WAIT_US);
}

/* The AP's APIC as the BSP's: software-enabled, flat logical ID FLAT_BIT(AP) */
static void ap_start(unsigned int cpu)
{
	(void)cpu;
	apic_enable();
	apic_write(APIC_DFR, DFR_FLAT);
	apic_write(APIC_LDR, FLAT_BIT(AP) << 24);
	ap_apic_id = apic_id();
	ap_ready = true;
}

static void ap_ipi_to_bsp(void)
{
	apic_send_ipi(bsp_apic_id, APIC_DM_FIXED | VEC_IPI);
}

static void ap_switch_x2apic(void)
{
	apic_mode_x2apic();
	ap_apic_id = apic_id();
	ap_ldr = apic_read(APIC_LDR);
}

/* Intel SDM vol. 3, 9.4.4.1: INIT, SIPI, SIPI; the AP has an APIC ID of its own. */
static bool check_ap_start(uint32_t target)
{
	int ret;

	ap_ready = false;
	ret = smp_start_ap(target, ap_start);
	check("ap-start", ret == 0 && wait_ap_ready(), "the AP with APIC ID %u did not report in",
	      target);
	if (ret)
		return false;
	check("ap-apic-id", ap_apic_id == target && ap_apic_id != bsp_apic_id,
	      "the AP reads APIC ID %u, expected %u, BSP %u", ap_apic_id, target, bsp_apic_id);
	return true;
}

/* With interrupts off, HLT waits for INIT or NMI only (Intel SDM vol. 3, 9.4.4). */
static void ap_park(void)
{
	ap_parking = true;
	for (;;) {
		cli();
		hlt();
	}
}

static void ap_restarted(unsigned int cpu)
{
	(void)cpu;
	apic_enable();
	ap_apic_id = apic_id();
	ap_ready = true;
}

static void ap_nothing(void) {}

/*
 * Regression checks (both found by guest-tests/fuzz): the hypervisor lost
 * the INIT to a vCPU halted so, and injected an NMI that came while the
 * vCPU waited for its SIPI into the real-mode code the SIPI started.
 */
static void check_ap_restart_after_hlt(void)
{
	uint32_t id = ap_apic_id;
	bool restarted, answers;

	smp_call(id, ap_park, PARK_WAIT_US);
	apic_send_ipi(id, APIC_DM_INIT | APIC_LEVEL_ASSERT);
	udelay(PARK_WAIT_US);
	apic_send_ipi(id, APIC_DM_NMI);
	ap_ready = false;
	restarted = ap_parking && smp_restart_ap(AP, id, ap_restarted) == 0 && wait_ap_ready();
	answers = restarted && run_on_ap(ap_nothing);
	check("ap-restart-after-hlt-with-interrupts-off", restarted && answers && ap_apic_id == id,
	      "halted %d, restarted %d, answers %d, APIC ID %u (was %u)", ap_parking, restarted,
	      answers, ap_apic_id, id);
}

/* One fixed IPI from the BSP to dest (icr_low: mode and shorthand); it reaches bsp and ap times */
static void check_bsp_ipi(const char *name, uint32_t dest, uint32_t icr_low,
			  unsigned int bsp, unsigned int ap)
{
	int ret;

	reset_counts();
	ret = apic_send_ipi(dest, icr_low | APIC_DM_FIXED | VEC_IPI);
	wait_counts(bsp, ap);
	check(name, ret == 0 && counts_are(bsp, ap),
	      "send %d, handled %u times on the BSP and %u on the AP, expected %u and %u",
	      ret, ipi_count[BSP], ipi_count[AP], bsp, ap);
}

static void check_ap_to_bsp(const char *name)
{
	bool called;

	reset_counts();
	called = run_on_ap(ap_ipi_to_bsp);
	wait_counts(1, 0);
	check(name, called && counts_are(1, 0),
	      "AP call %s, handled %u times on the BSP and %u on the AP",
	      called ? "done" : "timed out", ipi_count[BSP], ipi_count[AP]);
}

/* Intel SDM vol. 3, 11.6.2.1, 11.6.2.2 and 11.6.1, table 11-4 (shorthands) */
static void check_xapic_ipis(void)
{
	apic_write(APIC_DFR, DFR_FLAT);
	apic_write(APIC_LDR, FLAT_BIT(BSP) << 24);
	check_bsp_ipi("xapic-ipi-bsp-to-ap-physical", ap_apic_id, 0, 0, 1);
	check_ap_to_bsp("xapic-ipi-ap-to-bsp-physical");
	check_bsp_ipi("xapic-ipi-logical-flat", FLAT_BIT(AP), APIC_DEST_LOGICAL, 0, 1);
	check_bsp_ipi("xapic-ipi-logical-flat-both", FLAT_BIT(BSP) | FLAT_BIT(AP),
		      APIC_DEST_LOGICAL, 1, 1);
	check_bsp_ipi("xapic-ipi-all-but-self", 0, APIC_DEST_ALL_BUT_SELF, 0, 1);
}

/*
 * Intel SDM vol. 3, 11.12.10.1: in x2APIC mode logical destinations are
 * cluster-based, the LDR derived from the x2APIC ID (11.12.10.2); the
 * destination is the 32-bit ICR[63:32].
 */
static void check_x2apic_ipis(void)
{
	bool switched;

	apic_mode_x2apic();
	bsp_apic_id = apic_id();
	switched = run_on_ap(ap_switch_x2apic);
	check("x2apic-ap-switch", switched && ap_apic_id != bsp_apic_id,
	      "AP switch %s, AP x2APIC ID %u, BSP %u", switched ? "done" : "timed out",
	      ap_apic_id, bsp_apic_id);
	if (!switched)
		return;
	check_bsp_ipi("x2apic-ipi-bsp-to-ap-physical", ap_apic_id, 0, 0, 1);
	check_ap_to_bsp("x2apic-ipi-ap-to-bsp-physical");
	check_bsp_ipi("x2apic-ipi-cluster-logical", ap_ldr, APIC_DEST_LOGICAL, 0, 1);
	check_bsp_ipi("x2apic-ipi-all-but-self", 0, APIC_DEST_ALL_BUT_SELF, 0, 1);
}

/* ---- the Hyper-V IPI hypercalls ---- */

#define HV_CALL_SEND_IPI     0x000b
#define HV_CALL_SEND_IPI_EX  0x0015
#define HV_VAR_HEADER(n)     ((uint64_t)(n) << 17)
#define HV_HINT_CLUSTER_IPI  (1U << 10)
#define HV_HINT_EX_MASKS     (1U << 11)
#define HV_STATUS_INVALID_HYPERCALL_INPUT 3
#define VP_SET_SPARSE        0
#define VP_SET_ALL           1

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static struct {
	uint32_t vector, reserved;
	uint64_t format, valid_bank_mask, bank0;
} ipi_ex_input __attribute__((aligned(8)));

/* One call; it returns status and reaches bsp and ap times. */
static void check_hv_ipi(const char *name, uint64_t input, uint64_t param0, uint64_t param1,
			 uint64_t status, unsigned int bsp, unsigned int ap)
{
	uint64_t got;

	reset_counts();
	got = hv_hypercall(input, param0, param1);
	wait_counts(bsp, ap);
	check(name, got == status && counts_are(bsp, ap),
	      "status 0x%lx (want 0x%lx), handled %u times on the BSP and %u on the AP", got,
	      status, ipi_count[BSP], ipi_count[AP]);
}

static void check_hv_ipi_ex(const char *name, uint64_t format, uint64_t bank0,
			    unsigned int bsp, unsigned int ap)
{
	ipi_ex_input = (typeof(ipi_ex_input)){ VEC_IPI, 0, format, format == VP_SET_ALL ? 0 : 1,
					       bank0 };
	check_hv_ipi(name, HV_CALL_SEND_IPI_EX | HV_VAR_HEADER(format == VP_SET_ALL ? 0 : 1),
		     (uint64_t)(uintptr_t)&ipi_ex_input, 0, 0, bsp, ap);
}

static void check_hv_ipis(void)
{
	uint32_t hints = cpuid(0x40000004, 0).eax;

	if ((hints & (HV_HINT_CLUSTER_IPI | HV_HINT_EX_MASKS)) !=
	    (HV_HINT_CLUSTER_IPI | HV_HINT_EX_MASKS)) {
		check("hv-ipi-offered", false, "0x40000004.EAX is 0x%x", hints);
		return;
	}
	hv_enable_hypercalls(hypercall_page);
	check_hv_ipi("hv-ipi-to-ap", HV_CALL_SEND_IPI | HV_CALL_FAST, VEC_IPI, 1u << AP, 0, 0, 1);
	check_hv_ipi("hv-ipi-to-both", HV_CALL_SEND_IPI | HV_CALL_FAST, VEC_IPI, 3, 0, 1, 1);
	check_hv_ipi("hv-ipi-absent-vp-ignored", HV_CALL_SEND_IPI | HV_CALL_FAST, VEC_IPI,
		     1ULL << 40 | 1u << BSP, 0, 1, 0);
	check_hv_ipi("hv-ipi-low-vector-refused", HV_CALL_SEND_IPI | HV_CALL_FAST, 15, 3,
		     HV_STATUS_INVALID_HYPERCALL_INPUT, 0, 0);
	check_hv_ipi_ex("hv-ipi-ex-sparse", VP_SET_SPARSE, 1u << AP, 0, 1);
	check_hv_ipi_ex("hv-ipi-ex-all", VP_SET_ALL, 0, 1, 1);
}

/*
 * ---- the Hyper-V remote TLB flush (TLFS 7.8.7.1-7.8.7.4) ----
 * TEST_VA (the second PML4 entry, which the library leaves empty) maps one
 * of two pages through tables of this program's. The AP reads it, caching
 * the translation; the BSP points the PTE at the other page, with no INVLPG
 * anywhere, and flushes the AP's translations by hypercall: the AP then reads
 * the other page. Each form once: the space, the list (one range; all
 * repetitions completed) and the space's Ex form (a sparse VP set).
 */
#define HV_CALL_FLUSH_SPACE    0x0002
#define HV_CALL_FLUSH_LIST     0x0003
#define HV_CALL_FLUSH_SPACE_EX 0x0013
#define HV_HINT_REMOTE_FLUSH   (1U << 2)
#define HV_REP_COUNT(n)        ((uint64_t)(n) << 32)
#define TEST_VA                0x8000000000ULL
#define PTE_P_RW               0x3ULL

static uint64_t flush_pdpt[512] __attribute__((aligned(4096)));
static uint64_t flush_pd[512] __attribute__((aligned(4096)));
static uint64_t flush_pt[512] __attribute__((aligned(4096)));
static uint8_t flush_pages[2][4096] __attribute__((aligned(4096)));
static volatile uint8_t ap_read;
static struct {
	uint64_t address_space, flags, mask_or_format, valid_bank_mask, bank0_or_range;
} flush_input __attribute__((aligned(8)));

static void ap_read_test_va(void) { ap_read = *(volatile uint8_t *)TEST_VA; }

static void map_test_va(unsigned int page)
{
	flush_pt[0] = (uint64_t)(uintptr_t)flush_pages[page] | PTE_P_RW;
}

static void setup_test_va(void)
{
	uint64_t cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	flush_pages[0][0] = 0xa;
	flush_pages[1][0] = 0xb;
	flush_pdpt[0] = (uint64_t)(uintptr_t)flush_pd | PTE_P_RW;
	flush_pd[0] = (uint64_t)(uintptr_t)flush_pt | PTE_P_RW;
	map_test_va(0);
	((uint64_t *)(uintptr_t)(cr3 & ~0xfffULL))[1] = (uint64_t)(uintptr_t)flush_pdpt | PTE_P_RW;
}

/* The AP caches page from's translation; the PTE moves to page to; the call flushes; the AP reads to. */
static void check_flush(const char *name, uint64_t input, unsigned int from, unsigned int to)
{
	bool read_before, read_after;
	uint8_t before;
	uint64_t result;

	map_test_va(from);
	read_before = run_on_ap(ap_read_test_va);
	before = ap_read;
	map_test_va(to);
	result = hv_hypercall(input, (uint64_t)(uintptr_t)&flush_input, 0);
	read_after = run_on_ap(ap_read_test_va);
	check(name, read_before && read_after && before == flush_pages[from][0] &&
		    ap_read == flush_pages[to][0] && result == (input & HV_REP_COUNT(0xfff)),
	      "the AP read 0x%x then 0x%x (want 0x%x then 0x%x), result 0x%lx", before, ap_read,
	      flush_pages[from][0], flush_pages[to][0], result);
}

/*
 * The AP keeps reading TEST_VA, in the guest all along (its call never
 * returns until told), so that its translation stays cached: the flush must
 * make it exit and drop it; the BSP then sees the AP read the other page.
 */
#define LIVE_CALL_US 10000
#define LIVE_WAIT_US 500000

static volatile bool ap_stop_reading, ap_loop_done;
static volatile uint8_t ap_live;

/* Interrupts on while it reads: Bochs's SVM keeps a host interrupt from a guest with IF clear. */
static void ap_read_loop(void)
{
	sti();
	while (!ap_stop_reading)
		ap_live = *(volatile uint8_t *)TEST_VA;
	cli();
	ap_loop_done = true;
}

static bool live_read_is(uint8_t want)
{
	uint64_t end = tsc_after_us(LIVE_WAIT_US);

	while (ap_live != want && rdtsc() < end)
		asm volatile("pause");
	return ap_live == want;
}

static void check_flush_running_vcpu(uint64_t input)
{
	bool saw_old, saw_new;
	uint64_t result;

	map_test_va(0);
	ap_stop_reading = ap_loop_done = false;
	ap_live = 0;
	smp_call(ap_apic_id, ap_read_loop, LIVE_CALL_US); /* returns; the AP reads on */
	saw_old = live_read_is(flush_pages[0][0]);
	map_test_va(1);
	result = hv_hypercall(input, (uint64_t)(uintptr_t)&flush_input, 0);
	saw_new = live_read_is(flush_pages[1][0]);
	ap_stop_reading = true;
	live_read_is(0xff); /* some time for the loop to end */
	udelay(SETTLE_US);
	check("hv-flush-running-vcpu", saw_old && saw_new && ap_loop_done && result == 0,
	      "the reading AP saw the old page: %d, the new one after the flush: %d (last 0x%x), "
	      "loop ended %d, result 0x%lx", saw_old, saw_new, ap_live, ap_loop_done, result);
}

static void check_hv_flushes(void)
{
	uint64_t cr3;

	if (!(cpuid(0x40000004, 0).eax & HV_HINT_REMOTE_FLUSH)) {
		check("hv-flush-offered", false, "0x40000004.EAX is 0x%x", cpuid(0x40000004, 0).eax);
		return;
	}
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	setup_test_va();
	flush_input = (typeof(flush_input)){ cr3, 0, 1u << AP, 0, TEST_VA };
	check_flush_running_vcpu(HV_CALL_FLUSH_SPACE);
	check_flush("hv-flush-space", HV_CALL_FLUSH_SPACE, 0, 1);
	check_flush("hv-flush-list", HV_CALL_FLUSH_LIST | HV_REP_COUNT(1), 1, 0);
	flush_input = (typeof(flush_input)){ cr3, 0, VP_SET_SPARSE, 1, 1u << AP };
	check_flush("hv-flush-space-ex", HV_CALL_FLUSH_SPACE_EX | HV_VAR_HEADER(1), 0, 1);
}

/* The AP's APIC ID: ap-apic-id=N on the command line, else the first one not the BSP's */
static uint32_t ap_target(const char *cmdline)
{
	uint64_t id;

	if (cmdline_uint(cmdline, "ap-apic-id", &id))
		return (uint32_t)id;
	return bsp_apic_id == 0 ? 1 : 0;
}

void test_main(const char *cmdline)
{
	apic_mode_xapic();
	apic_enable();
	bsp_apic_id = apic_id();
	irq_set_handler(VEC_IPI, count_ipi);
	if (fw_cfg_present() && fw_cfg_cpu_count() < 2) {
		check("cpus", false, "fw_cfg reports %u CPU(s), the test needs 2",
		      fw_cfg_cpu_count());
		return;
	}
	if (!check_ap_start(ap_target(cmdline)))
		return;
	check_xapic_ipis();
	check_ap_restart_after_hlt();
	if (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC)
		check_x2apic_ipis();
	else
		skip("x2apic", "no x2APIC (CPUID.1:ECX[21])");
	check_hv_ipis();
	check_hv_flushes();
}
