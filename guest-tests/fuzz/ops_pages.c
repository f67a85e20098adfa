/*
 * The synthetic pages: SIMP and SIEFP of each vCPU, the hypercall page and
 * the reference TSC page moved over the scratch region, onto each other,
 * disabled, enabled again and put outside RAM (#GP, TLFS 3.13 and 11.8),
 * while messages and timers are in flight. After each move what the guest
 * sees is checked: an overlay's content where it is alone on its page
 * (read-only: a write #GPs), the RAM back where it left.
 */
#include "guest-tests/fuzz/fuzz.h"

#define REF_SLACK 10000 /* 1 ms of reference time */

struct ref_tsc_page {
	uint32_t sequence, reserved;
	uint64_t scale;
	int64_t offset;
};

static void poke(void *arg)
{
	volatile uint8_t *b = arg;

	*b = *b;
}

static int poke_vector(uint64_t gpa)
{
	return guest_try(poke, (void *)(uintptr_t)gpa).vector;
}

bool pages_is_page_msr(uint32_t msr)
{
	return msr == HV_MSR_HYPERCALL || msr == HV_MSR_REFERENCE_TSC || msr == HV_MSR_SIMP ||
	       msr == HV_MSR_SIEFP;
}

static uint64_t current(unsigned int vp, uint32_t msr)
{
	switch (msr) {
	case HV_MSR_HYPERCALL:
		return hv.hypercall;
	case HV_MSR_REFERENCE_TSC:
		return hv.ref_tsc;
	case HV_MSR_SIMP:
		return hv.vp[vp].simp;
	default:
		return hv.vp[vp].siefp;
	}
}

/* An enabled page in RAM goes to the scratch region: anywhere else it would hit the fuzzer. */
static uint64_t keep_off_image(uint64_t val)
{
	if (!page_on(val) || !model_ram_page(page_gpa(val)) || scratch_contains(page_gpa(val)))
		return val;
	return (val & (PAGE - 1)) | scratch_random();
}

/* TLFS 11.8: the guest clears a message or event page before it gives it to the SynIC. */
static void prepare_synic_page(unsigned int vp, uint32_t msr, uint64_t val)
{
	uint64_t old = current(vp, msr);

	if (!page_on(val) || !scratch_contains(page_gpa(val)))
		return;
	if (page_on(old) && page_gpa(old) == page_gpa(val))
		return;
	scratch_zero(page_gpa(val));
}

/* ---- what the guest sees of an overlay ---- */

static uint64_t mul_hi(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

/* TLFS 12.7: sequence 0 says "use TIME_REF_COUNT"; otherwise the page tells the time. */
static void check_ref_tsc_content(void)
{
	const volatile struct ref_tsc_page *pg = (const void *)(uintptr_t)page_gpa(hv.ref_tsc);
	uint32_t seq = pg->sequence;
	uint64_t t1, t2, ref;

	if (!seq)
		return;
	t1 = ref_count();
	ref = mul_hi(rdtsc(), pg->scale) + (uint64_t)pg->offset;
	t2 = ref_count();
	if (pg->sequence == seq && (ref + REF_SLACK < t1 || ref > t2 + REF_SLACK))
		mismatch("reference TSC page (sequence %u) says 0x%lx, TIME_REF_COUNT 0x%lx..0x%lx",
			 seq, ref, t1, t2);
}

static void check_overlay_read_only(const char *what, uint64_t gpa)
{
	int v = poke_vector(gpa + PAGE - 8);

	if (v != X86_GP)
		mismatch("a write to the %s page at 0x%lx raised %s, expected #GP", what, gpa,
			 exception_name(v));
}

static void check_overlays(void)
{
	if (page_on(hv.hypercall) && hv.hc_clean) {
		if (!hcall_page_holds_code())
			mismatch("the hypercall page at 0x%lx does not hold the call",
				 page_gpa(hv.hypercall));
		check_overlay_read_only("hypercall", page_gpa(hv.hypercall));
	}
	if (page_on(hv.ref_tsc) && hv.tsc_clean) {
		check_ref_tsc_content();
		check_overlay_read_only("reference TSC", page_gpa(hv.ref_tsc));
	}
}

/* An overlay that left a page gives the RAM back, writable (TLFS "GPA Overlay Pages"). */
static void check_ram_back(uint64_t old, uint64_t now)
{
	uint64_t gpa = page_gpa(old);
	int v;

	if (!page_on(old) || (page_on(now) && page_gpa(now) == gpa) ||
	    (model_roles(gpa) & (ROLE_HYPERCALL | ROLE_REF_TSC)))
		return;
	v = poke_vector(gpa + PAGE - 8);
	if (v != NO_EXCEPTION)
		mismatch("the page at 0x%lx an overlay left raised %s on a write", gpa,
			 exception_name(v));
}

/* ---- writes ---- */

/*
 * A page enabled where another one is: what either shows is undefined from
 * now (TLFS: overlapping pages), until a SynIC page is cleared there anew.
 */
static void note_overlap(uint64_t old, uint64_t val)
{
	if (page_on(val) && !(page_on(old) && page_gpa(old) == page_gpa(val)) &&
	    model_roles(page_gpa(val)))
		scratch_mark_dirty(page_gpa(val));
}

void pages_write(unsigned int vp, uint32_t msr, uint64_t val)
{
	uint64_t old = current(vp, msr);

	val = keep_off_image(val);
	if (msr == HV_MSR_SIMP || msr == HV_MSR_SIEFP)
		prepare_synic_page(vp, msr, val);
	note_overlap(old, val);
	if (hv_msr_write_checked(vp, msr, val) != NO_EXCEPTION)
		return;
	if (msr == HV_MSR_HYPERCALL || msr == HV_MSR_REFERENCE_TSC)
		check_ram_back(old, current(vp, msr));
	check_overlays();
}

static uint64_t other_page(void)
{
	uint64_t pages[] = { hv.vp[BSP].simp, hv.vp[BSP].siefp, hv.vp[AP].simp, hv.vp[AP].siefp,
			     hv.hypercall, hv.ref_tsc };

	return page_gpa(RNG_PICK(pages));
}

/* A new value for the page MSR whose value is now old */
static uint64_t new_value(uint64_t old)
{
	uint64_t low = rng_percent(10) ? rng_u64() & 0xffe : old & 0xffe; /* RsvdP, kept */

	switch (rng_below(10)) {
	case 0:
		return low | page_gpa(old);                      /* disable */
	case 1:
		return low | page_gpa(old) | HV_PAGE_ENABLE;     /* (re-)enable where it is */
	case 2:
		return low | outside_ram_gpa() | HV_PAGE_ENABLE; /* #GP */
	case 3:
	case 4:
		return low | other_page() | HV_PAGE_ENABLE;      /* onto another page */
	default:
		return low | scratch_random() | HV_PAGE_ENABLE;
	}
}

static uint32_t pick_page_msr(unsigned int *vp)
{
	static const uint32_t msrs[] = { HV_MSR_SIMP, HV_MSR_SIEFP, HV_MSR_HYPERCALL,
					 HV_MSR_REFERENCE_TSC };

	*vp = fz.ap_alive && rng_percent(30) ? AP : BSP;
	return RNG_PICK(msrs);
}

/* The guest OS id goes to 0 (the hypercall page with it) and comes back. */
static void guest_os_id_cycle(void)
{
	hv_msr_write_checked(BSP, HV_MSR_GUEST_OS_ID, 0);
	pages_write(BSP, HV_MSR_HYPERCALL, hv.hypercall | HV_PAGE_ENABLE); /* stays off */
	hv_msr_write_checked(BSP, HV_MSR_GUEST_OS_ID, rng_percent(50) ? HV_GUEST_OS_ID : rng_u64() | 1);
	pages_write(BSP, HV_MSR_HYPERCALL, hv.hypercall | HV_PAGE_ENABLE);
}

static void toggle_scontrol(unsigned int vp)
{
	hv_msr_write_checked(vp, HV_MSR_SCONTROL, hv.vp[vp].scontrol ^ 1);
}

void op_pages(void)
{
	unsigned int vp;
	uint32_t msr = pick_page_msr(&vp);

	if (rng_percent(30))
		hypercall_post_one(); /* in flight during the move */
	switch (rng_below(20)) {
	case 0:
		guest_os_id_cycle();
		break;
	case 1:
		toggle_scontrol(vp);
		break;
	default:
		pages_write(vp, msr, new_value(current(vp, msr)));
	}
	if (rng_percent(50))
		messages_drain(BSP);
}

/*
 * The start: hypercalls on (guest OS id, then the page), each vCPU's SynIC
 * with its own pages, SINT 2 (messages) and SINT 3 (events) unmasked, the
 * reference TSC page on; then which connections exist.
 */
static void synic_setup(unsigned int vp, unsigned int first_page)
{
	pages_write(vp, HV_MSR_SIMP, scratch_gpa(first_page) | HV_PAGE_ENABLE);
	pages_write(vp, HV_MSR_SIEFP, scratch_gpa(first_page + 1) | HV_PAGE_ENABLE);
	hv_msr_write_checked(vp, HV_MSR_SINT(MSG_SINT), 0x40 + vp);
	hv_msr_write_checked(vp, HV_MSR_SINT(EVENT_SINT), 0x50 + vp);
	hv_msr_write_checked(vp, HV_MSR_SCONTROL, 1);
}

void pages_setup(void)
{
	hv_msr_write_checked(BSP, HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID);
	pages_write(BSP, HV_MSR_HYPERCALL, scratch_gpa(0) | HV_PAGE_ENABLE);
	pages_write(BSP, HV_MSR_REFERENCE_TSC, scratch_gpa(1) | HV_PAGE_ENABLE);
	synic_setup(BSP, 2);
	if (fz.ap_alive)
		synic_setup(AP, 4);
	hypercall_probe();
}
