/*
 * The hostile-guest fuzzer: what its files share. main.c runs the loop;
 * each ops_*.c file does one kind of operation and checks its result where
 * the SDM or the TLFS (or, where they leave it open, the hypervisor's own
 * documentation) defines it; model.c keeps what the hypervisor should hold,
 * deny.c what the fuzzer must not do to itself.
 */
#ifndef GUEST_TESTS_FUZZ_FUZZ_H
#define GUEST_TESTS_FUZZ_FUZZ_H

#include "guest-tests/lib/guest.h"
#include "guest-tests/lib/hyperv.h"
#include "guest-tests/fuzz/rng.h"

#define BSP     0
#define AP      1
#define NR_VPS  2
#define PAGE    4096ULL
#define NOT_RUN (-2) /* an access that was not made (the AP is not there) */

/* The connections the module line declares from the partition to itself */
#define MSG_CONN   0x10 /* msg=0x10:vp=0:sint=2 */
#define MSG_VP     0
#define MSG_SINT   2
#define EVENT_CONN 0x11 /* event=0x11:vp=1:sint=3:flag=5 (vp=0 with cpus=1) */
#define EVENT_SINT 3
#define EVENT_FLAG 5

/* HV_STATUS (TLFS appendix B; INSUFFICIENT_BUFFERS is 0x13, see hyperv.md) */
enum hv_status_code {
	ST_SUCCESS = 0x0,
	ST_INVALID_CODE = 0x2,
	ST_INVALID_INPUT = 0x3,
	ST_ALIGNMENT = 0x4,
	ST_PARAMETER = 0x5,
	ST_ACCESS_DENIED = 0x6,
	ST_CONNECTION_ID = 0x12,
	ST_BUFFERS = 0x13,
	ST_SYNIC_STATE = 0x18,
};

#define HV_CPUID_VENDOR   0x40000000
#define HV_CPUID_FEATURES 0x40000003
#define HV_CPUID_RECOMMENDATIONS 0x40000004
#define HV_MSR_APIC_EOI   0x40000070 /* EOI, ICR, TPR: the APIC's (synic/hv_apic.c) */
#define HV_MSR_VP_ASSIST  0x40000073
#define HV_MSR_CRASH_P0   0x40000100 /* P0-P4, then CRASH_CTL (synic/hv_crash.c) */
#define HV_MSR_CRASH_CTL  0x40000105
#define HV_CRASH_CTL_CAPS 0xc000000000000000ULL

/* ---- main.c ---- */
struct fuzz {
	uint64_t seed, ops, op;
	const char *kind;          /* the operation running, for the reports */
	unsigned long mismatches;
	unsigned int cpus;
	bool intel;
	uint32_t msr_features;     /* MSR_HAS_*: what the guest's CPUID offers (ops_msr.c) */
	uint64_t mem_size;         /* the partition's RAM, 0 up to it (fw_cfg) */
	uint32_t ap_apic_id;
	bool ap_alive;             /* the AP answers ap_call() */
	bool msg_conn, event_conn; /* declared on the module line */
	unsigned int event_vp;     /* the vCPU EVENT_CONN signals */
	bool cr8;                  /* CR8 writes too ("cr8": QEMU 7.2's TCG aborts on them) */
};
extern struct fuzz fz;

/* One line per mismatch (the first ones only), always counted. */
void mismatch(const char *fmt, ...) GUEST_PRINTF(1, 2);

/* ---- ops_msr.c ---- */
void msr_features_detect(void);          /* fz.msr_features from the guest's CPUID */

/* ---- model.c: what the hypervisor should hold ---- */
struct timer_epoch {
	bool armed, periodic, direct;
	unsigned int sint;
	uint64_t count;
	uint64_t t_after;        /* TIME_REF_COUNT after the write that began it */
	uint64_t min_expiration; /* no expiration before this */
};

struct vp_model {
	uint64_t scontrol, simp, siefp, sint[16];
	struct timer_epoch epoch[4];
};

struct hv_model {
	uint64_t guest_os_id, hypercall, ref_tsc;
	struct vp_model vp[NR_VPS];
	int outstanding;        /* messages posted to MSG_CONN not yet in a slot; -1 unknown */
	bool hc_clean, tsc_clean; /* the overlay alone on its page: its content is defined */
	uint32_t privileges;    /* CPUID 0x40000003.EBX */
	uint32_t hints;         /* CPUID 0x40000004.EAX: the IPI and flush calls need theirs */
	uint64_t tsc_hz, apic_hz;
	uint64_t last_ref;      /* the highest TIME_REF_COUNT read, on any vCPU */
};
extern struct hv_model hv;

enum page_role {
	ROLE_SIMP0 = 1, ROLE_SIEFP0 = 2, ROLE_SIMP1 = 4, ROLE_SIEFP1 = 8,
	ROLE_HYPERCALL = 16, ROLE_REF_TSC = 32,
};

static inline bool page_on(uint64_t msr) { return msr & HV_PAGE_ENABLE; }
static inline uint64_t page_gpa(uint64_t msr) { return msr & ~0xfffULL; }
static inline enum page_role role_simp(unsigned int vp) { return vp ? ROLE_SIMP1 : ROLE_SIMP0; }
static inline enum page_role role_siefp(unsigned int vp) { return vp ? ROLE_SIEFP1 : ROLE_SIEFP0; }

void model_init(void);
bool model_ram_page(uint64_t gpa);                  /* a whole page of the partition's RAM */
unsigned int model_roles(uint64_t gpa);             /* the enabled pages at gpa */
bool model_synic_page(unsigned int vp, uint64_t msr_value); /* SCONTROL and the page on */
bool model_is_hv_msr(uint32_t msr);                 /* implemented, as hv_msr.c lists them */
/* What a synthetic MSR access should raise (X86_GP or NO_EXCEPTION) */
int model_read_vector(uint32_t msr);
int model_write_vector(unsigned int vp, uint32_t msr, uint64_t val);
/* After a write that did not fault: the value that must read back (mask: the bits that must) */
uint64_t model_readback(unsigned int vp, uint32_t msr, uint64_t val, uint64_t *mask);
void model_written(unsigned int vp, uint32_t msr, uint64_t val);
uint64_t ref_count(void);                           /* TIME_REF_COUNT, checked monotonic */

/* ---- msr_access.c: MSR accesses on either vCPU ---- */
int msr_read_on(unsigned int vp, uint32_t msr, uint64_t *val);  /* vector or NOT_RUN */
int msr_write_on(unsigned int vp, uint32_t msr, uint64_t val);
/* The write, then lapic_sane() on that vCPU in the same call (an APIC register) */
int msr_write_then_sane_on(unsigned int vp, uint32_t msr, uint64_t val);
/* A synthetic MSR write checked against the model, which follows it; the vector */
int hv_msr_write_checked(unsigned int vp, uint32_t msr, uint64_t val);

/* ---- deny.c: what the fuzzer must not do to itself ---- */
bool deny_msr_write(uint32_t msr);
bool deny_port_write(uint16_t port);
bool deny_xapic_write(uint32_t offset);
/* The event operation's vector (ops_event.c): deny_fix_vector() keeps every other source off it */
#define EVENT_VECTOR 0xef
bool deny_ipi_vector(uint8_t vector);
uint8_t deny_fix_vector(uint8_t vector);  /* the vector, or an allowed one near it */
uint8_t deny_safe_sipi_vector(void);   /* a SIPI vector whose page parks the AP */
void deny_prepare_low_memory(void);    /* fills those pages */

/* ---- scratch.c: the pages the synthetic pages move over ---- */
#define SCRATCH_PAGES 64
uint64_t scratch_gpa(unsigned int i);
uint64_t scratch_random(void);
bool scratch_contains(uint64_t gpa);
bool scratch_is_dirty(uint64_t gpa);
void scratch_mark_dirty(uint64_t gpa);
bool scratch_zero(uint64_t gpa);       /* false: an overlay covers it, it stays as it is */
uint64_t outside_ram_gpa(void);        /* a page-aligned GPA that is no RAM of the partition */

/* ---- interrupts.c ---- */
void irq_setup(void);
void irq_window(void);                  /* takes what is pending: sti, nop, cli */
uint32_t irq_seen(unsigned int cpu, uint8_t vector);
uint32_t nmi_seen(unsigned int cpu);
uint64_t irq_total(void);
/* Interrupts on, until vector's count on cpu passes before (true) or us pass */
bool irq_wait(unsigned int cpu, uint8_t vector, uint32_t before, uint64_t us);
bool nmi_wait(unsigned int cpu, uint32_t before, uint64_t us);
void irq_pause(uint64_t us);            /* interrupts on for us */
void quench(void);                      /* this CPU: every timer off, I/O APIC pins masked */
unsigned long quench_count(void);       /* storms quenched */
void irq_ap_progress(void);             /* the AP served an SMP call */

/* ---- lapic.c: the local APIC of this CPU between operations ---- */
void lapic_sane(void);                  /* enabled, TPR 0, LVTs masked, timer off */
uint32_t lapic_esr(void);               /* ESR, latched by a write first (SDM 11.5.3) */
void lapic_self_ipi(uint8_t vector);

/* ---- messages.c: the SynIC's message slots and event flags ---- */
void messages_drain(unsigned int vp);  /* checks and empties the slots that can be seen */
void messages_posted(void);            /* a post to MSG_CONN succeeded */
void messages_fill_payload(uint8_t *payload, uint32_t size, uint64_t marker);
void messages_garbage_posted(void);    /* a post of unknown content may have succeeded */
void messages_epoch_begins(unsigned int vp, unsigned int timer);
int messages_take_event_flag(void);    /* EVENT_CONN's flag: 1 was set, 0 clear, -1 unknown */
#define POST_MARKER_BSP 0xb5ULL
#define POST_MARKER_AP  0xa9ULL

/* ---- hypercalls.c: calling the hypervisor ---- */
struct hcall {
	uint64_t input, param0, param1;
	int vector;      /* raised by the call, or NO_EXCEPTION */
	uint64_t result; /* RAX */
};
enum hcall_way { VIA_PAGE, VIA_INSN, VIA_WRONG_INSN };
void hcall(struct hcall *c, enum hcall_way way);
bool hcall_page_usable(void);
void hypercall_probe(void);             /* which connections the module line declared */
void hypercall_post_one(void);          /* a well-formed message to MSG_CONN, checked */
bool hcall_page_holds_code(void);

/* ---- ap.c: the partner vCPU ---- */
void ap_start(void);
bool ap_call(void (*fn)(void));         /* false: the AP did not answer */
bool ap_restart(void);
void ap_entry(unsigned int cpu);
void ap_run_task(void (*task)(void));   /* the AP runs it from its idle loop, the BSP goes on */
bool ap_task_done(uint64_t us);
bool ap_task_idle(void);                /* no task runs on the AP now */

/* ---- the operations ---- */
void op_msr(void);
void op_hypercall(void);
void op_pages(void);
void op_io(void);
void op_mmio(void);
void op_cpuid(void);
void op_apic(void);
void op_timer(void);
void op_smp(void);
void op_xsetbv(void);
void op_event(void);
void event_report(void);                /* what the event operations saw (ops_event.c) */
void op_cr0(void);
void op_cr4(void);
void op_efer(void);
void op_dr(void);
void cr_options(const char *cmdline);   /* skip=RULE words (ops_cr.c) */
void cr_report(void);
void pages_setup(void);
void pages_write(unsigned int vp, uint32_t msr, uint64_t val); /* checked, content too */
void timer_write(unsigned int vp, uint32_t msr, uint64_t val); /* checked, epoch kept */
void timers_off(unsigned int vp);
void mmio_unmapped_last(void);          /* ends the guest, by design */
void apic_msr_access(unsigned int vp, uint32_t msr); /* 0x800-0x8ff, checked (SDM 11.12.1) */
bool pages_is_page_msr(uint32_t msr);

#endif
