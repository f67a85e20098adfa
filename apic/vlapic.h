/*
 * The virtual local APIC of one vCPU: pure logic over a 4 KiB register page
 * laid out like the APIC's MMIO space (and a VMX virtual-APIC page), so that
 * it compiles freestanding in the hypervisor and on the host.
 *
 * References: Intel SDM vol. 3, chapter 11 "Advanced Programmable Interrupt
 * Controller (APIC)"; AMD APM vol. 2, chapter 16.
 */
#ifndef HV_APIC_VLAPIC_H
#define HV_APIC_VLAPIC_H

#include "lib/types.h"

#define VLAPIC_DEFAULT_BASE 0xfee00000UL
#define VLAPIC_VERSION      0x14   /* version of the modelled APIC; LVT count in bits 23:16 = 6 (7 LVT entries: CMCI..ERROR) */

struct vlapic;

/* What the model needs from the rest of the hypervisor. */
struct vlapic_hooks {
	void (*kick)(struct vlapic *target);                    /* target has a new pending interrupt */
	void (*deliver_init)(struct vlapic *target);            /* INIT IPI (edge, assert) reached target */
	void (*deliver_sipi)(struct vlapic *target, uint8_t vector);
	void (*deliver_nmi)(struct vlapic *target);
	uint64_t (*now)(void);                                  /* the TSC */
	void (*timer_changed)(struct vlapic *apic);             /* vlapic_timer_deadline() may have changed */
	/* Optional: queue an edge-triggered vector for target without touching its
	 * IRR (posted interrupts); false: the model sets IRR and kicks itself. */
	bool (*post)(struct vlapic *target, uint8_t vector);
	/*
	 * Optional: the guest retired vector, by an EOI write or an EOI-induced
	 * exit; level: it was accepted level-triggered (TMR set), so an EOI
	 * message goes to the I/O APICs (SDM 11.8.5).
	 */
	void (*eoi)(struct vlapic *apic, uint8_t vector, bool level);
};

/* The APICs of one partition: IPIs are resolved among them. */
struct vlapic_group {
	struct vlapic **members;
	unsigned int count;
	const struct vlapic_hooks *hooks;
	uint64_t tsc_khz;    /* TSC frequency */
	uint64_t timer_khz;  /* the APIC timer's input clock before the divider */
};

struct vlapic {
	uint32_t *regs;            /* the 4 KiB register page */
	struct vlapic_group *group;
	uint32_t id;               /* APIC ID = the vCPU index */
	uint64_t apic_base;        /* IA32_APIC_BASE */
	/* timer state */
	uint64_t timer_start;      /* TSC at the last initial-count write */
	uint64_t timer_deadline;   /* TSC of the next expiry, 0: none */
	uint64_t tsc_deadline;     /* IA32_TSC_DEADLINE */
	/*
	 * The LVT timer's mode is TSC-deadline: kept apart from the register,
	 * which an APICv write has overwritten before the model sees it.
	 */
	bool deadline_mode;
	/*
	 * Auto-EOI vectors waiting (SynIC): requested like IRR bits but kept
	 * apart, since acknowledging them must not set the ISR and the CPU's
	 * virtual-interrupt delivery or AVIC would (see vlapic_accept_auto_eoi).
	 */
	uint64_t auto_eoi_irr[4];
	void *owner;               /* the vCPU, for the hooks */
};

void vlapic_init(struct vlapic *a, struct vlapic_group *g, uint32_t *regs, uint32_t id, bool bsp, void *owner);
void vlapic_reset(struct vlapic *a);                 /* INIT: the state after INIT (SDM 11.4.7.3), apic_base kept */

/* IA32_APIC_BASE (SDM 11.4.4, 11.12.5): false = #GP (reserved bits, illegal mode transition x2APIC->xAPIC, enable x2APIC while disabled, ...). Base relocation allowed in xAPIC mode. */
uint64_t vlapic_get_base(const struct vlapic *a);
bool vlapic_set_base(struct vlapic *a, uint64_t val);
bool vlapic_xapic_enabled(const struct vlapic *a);  /* MMIO decoding active: enabled and not x2APIC */
bool vlapic_x2apic_enabled(const struct vlapic *a);

/* xAPIC MMIO, offset within the 4 KiB page; 32-bit aligned accesses (others: reads give 0, writes ignored). */
uint32_t vlapic_mmio_read(struct vlapic *a, uint32_t offset);
void vlapic_mmio_write(struct vlapic *a, uint32_t offset, uint32_t val);

/* x2APIC MSRs 0x800-0x8ff (SDM 11.12.1-11.12.10): false = #GP (not in x2APIC mode, reserved/write-only/read-only register, reserved bits, ...). ICR is one 64-bit MSR 0x830; SELF_IPI 0x83f; LDR read-only and derived from the ID; no DFR. */
bool vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t *val);
bool vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t val);
/*
 * Hyper-V's synthetic APIC MSRs (TLFS, "Synthetic APIC MSRs"): EOI, the ICR
 * and the TPR in either APIC mode, the ICR as one 64-bit value (in xAPIC
 * mode ICR_HI in bits 63:32, its destination in 63:56); false (#GP) while
 * the APIC is globally disabled or for a reserved bit.
 */
bool vlapic_hv_eoi(struct vlapic *a);
bool vlapic_hv_icr_read(struct vlapic *a, uint64_t *val);
bool vlapic_hv_icr_write(struct vlapic *a, uint64_t val);
bool vlapic_hv_tpr_read(struct vlapic *a, uint64_t *val);
bool vlapic_hv_tpr_write(struct vlapic *a, uint64_t val);
/*
 * IA32_TSC_DEADLINE (0x6e0), val in the guest's TSC; due is when it is
 * reached on the clock the hooks' now() reads (the host's TSC), which the
 * caller computes from the guest's TSC offset.
 */
uint64_t vlapic_tsc_deadline_read(const struct vlapic *a);
void vlapic_tsc_deadline_write(struct vlapic *a, uint64_t val, uint64_t due);

/* Interrupt flow */
void vlapic_accept_irq(struct vlapic *a, uint8_t vector, bool level);  /* into IRR (any CPU), then hooks->kick; vectors 0-15 set ESR "received illegal vector" and are dropped */
/*
 * An interrupt message from the bus (I/O APIC redirection entry or MSI, SDM
 * 11.11.1 / 82093AA datasheet): delivered to the matching APICs of group g.
 * dest is 8 bits (matched against the target's APIC ID in physical mode, or
 * its logical ID in logical mode, in whatever mode - xAPIC or x2APIC - that
 * target is in); lowest priority goes to the first match (as vlapic_send_ipi
 * does); fixed/lowest with vector < 16 are dropped; NMI, INIT are delivered
 * through the hooks; level = trigger mode (sets TMR, see vlapic_accept_irq).
 */
void vlapic_deliver_msg(struct vlapic_group *g, uint32_t dest, bool logical,
			unsigned int delivery_mode, uint8_t vector, bool level);
int vlapic_pending_vector(struct vlapic *a);  /* highest IRR vector whose class beats the PPR's, or -1 (also when software-disabled) */
/* For APICv (RVI, SVI): the highest IRR and ISR vectors, -1 when empty. */
int vlapic_highest_irr(const struct vlapic *a);
int vlapic_highest_isr(const struct vlapic *a);
/*
 * APICv's APIC-write exit (SDM 29.4.3.3): the CPU has stored the guest's value
 * in the register page; apply what the write does (send the IPI, start the
 * timer, keep only the writable bits, ...).
 */
void vlapic_apic_write_trap(struct vlapic *a, uint32_t offset);
/* APICv's EOI-induced exit (SDM 29.1.2): the CPU retired vector; finish what EOI does. */
void vlapic_eoi_induced(struct vlapic *a, uint8_t vector);
/* The TMR as 4 x 64 bits: the level-triggered vectors, whose EOI must be seen. */
void vlapic_tmr(const struct vlapic *a, uint64_t tmr[4]);
void vlapic_ack(struct vlapic *a, uint8_t vector);  /* IRR -> ISR, PPR updated */
void vlapic_eoi(struct vlapic *a);              /* write of EOI: retire the highest ISR vector (and its TMR bit) */
/* vector (just acknowledged) is the only one in service, edge-triggered, and nothing else is requested. */
bool vlapic_lone_edge_in_service(const struct vlapic *a, uint8_t vector);

/*
 * Auto-EOI delivery (Hyper-V SynIC, TLFS 11.8.4): the vector is requested
 * like a fixed edge interrupt (any CPU, then hooks->kick) but never enters
 * IRR or ISR: whoever injects it calls vlapic_ack_auto_eoi(), which leaves
 * the ISR and so the PPR as they were. It competes by priority with the IRR:
 * vlapic_pending_auto_eoi() gives it only when its class beats the PPR's and
 * no IRR vector is above it; vlapic_highest_auto_eoi() whether one waits.
 */
void vlapic_accept_auto_eoi(struct vlapic *a, uint8_t vector);
int vlapic_pending_auto_eoi(const struct vlapic *a);
int vlapic_highest_auto_eoi(const struct vlapic *a);
void vlapic_ack_auto_eoi(struct vlapic *a, uint8_t vector);
uint8_t vlapic_ppr(const struct vlapic *a);
/* CR8, the TPR's 64-bit alias: TPR[7:4] (SDM vol. 3, 11.8.6); a write above 15 is #GP (false). */
uint64_t vlapic_cr8_read(const struct vlapic *a);
bool vlapic_cr8_write(struct vlapic *a, uint64_t val);

/* Timer (SDM 11.5.4): one-shot, periodic, TSC-deadline; current count computed from now(); divide configuration. */
uint64_t vlapic_timer_deadline(const struct vlapic *a);   /* TSC of the next expiry, 0: none */
void vlapic_timer_expired(struct vlapic *a);              /* call when now() >= deadline: fires the LVT timer vector unless masked, re-arms periodic */

/* ---- Within apic/ (and its tests) only ---- */

/* Register offsets in the page (SDM table 11-1). */
enum vlapic_reg {
	APIC_ID          = 0x020,
	APIC_VERSION     = 0x030,
	APIC_TPR         = 0x080,
	APIC_APR         = 0x090,
	APIC_PPR         = 0x0a0,
	APIC_EOI         = 0x0b0,
	APIC_LDR         = 0x0d0,
	APIC_DFR         = 0x0e0,
	APIC_SVR         = 0x0f0,
	APIC_ISR         = 0x100,	/* 8 registers of 32 vectors each */
	APIC_TMR         = 0x180,
	APIC_IRR         = 0x200,
	APIC_ESR         = 0x280,
	APIC_LVT_CMCI    = 0x2f0,
	APIC_ICR_LO      = 0x300,
	APIC_ICR_HI      = 0x310,
	APIC_LVT_TIMER   = 0x320,
	APIC_LVT_THERMAL = 0x330,
	APIC_LVT_PERF    = 0x340,
	APIC_LVT_LINT0   = 0x350,
	APIC_LVT_LINT1   = 0x360,
	APIC_LVT_ERROR   = 0x370,
	APIC_TIMER_ICR   = 0x380,	/* initial count */
	APIC_TIMER_CCR   = 0x390,	/* current count */
	/*
	 * A reserved offset that holds the model's accumulated errors until a
	 * write to ESR latches them (SDM 11.5.3). Neither the MMIO nor the MSR
	 * interface serves it, and APIC-register virtualization does not map it.
	 */
	APIC_ESR_PENDING = 0x3d0,
	APIC_TIMER_DCR   = 0x3e0,	/* divide configuration */
	APIC_SELF_IPI    = 0x3f0,	/* x2APIC only */
};

#define APIC_MSR_BASE           0x800
#define APIC_MSR_LAST           0x8ff

#define APIC_BASE_BSP           BIT(8)
#define APIC_BASE_EXTD          BIT(10)
#define APIC_BASE_EN            BIT(11)
#define APIC_BASE_ADDR_MASK     0x000ffffffffff000ULL	/* MAXPHYADDR 52 */

#define APIC_FIRST_LEGAL_VECTOR 16	/* 0-15 are reserved (SDM 11.5.2) */
#define APIC_SVR_ENABLE         BIT(8)
#define APIC_DFR_FLAT           0xffffffffu
#define APIC_DFR_CLUSTER        0x0fffffffu

#define APIC_LVT_VECTOR         0xffu
#define APIC_LVT_MASKED         BIT(16)
#define APIC_LVT_TIMER_MODE(v)  (((v) >> 17) & 3)
#define APIC_TIMER_ONESHOT      0
#define APIC_TIMER_PERIODIC     1
#define APIC_TIMER_TSC_DEADLINE 2

/* ICR fields (SDM 11.6.1) */
#define APIC_ICR_VECTOR(v)      ((v) & 0xff)
#define APIC_ICR_DM(v)          (((v) >> 8) & 7)
#define APIC_ICR_LOGICAL        BIT(11)
#define APIC_ICR_LEVEL_ASSERT   BIT(14)
#define APIC_ICR_TRIGGER_LEVEL  BIT(15)
#define APIC_ICR_SHORTHAND(v)   (((v) >> 18) & 3)
#define APIC_ICR_WRITABLE       0x000ccfffu	/* delivery status (bit 12) reads 0 */

enum vlapic_delivery_mode {
	APIC_DM_FIXED   = 0,
	APIC_DM_LOWEST  = 1,
	APIC_DM_SMI     = 2,
	APIC_DM_NMI     = 4,
	APIC_DM_INIT    = 5,
	APIC_DM_SIPI    = 6,
};

enum vlapic_shorthand {
	APIC_DEST_NO_SHORTHAND = 0,
	APIC_DEST_SELF         = 1,
	APIC_DEST_ALL          = 2,
	APIC_DEST_ALL_BUT_SELF = 3,
};

/* ESR bits (SDM 11.5.3) */
#define APIC_ESR_SEND_ILLEGAL_VECTOR  BIT(5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR  BIT(6)
#define APIC_ESR_ILLEGAL_REGISTER     BIT(7)

/* Registers are read and written whole; the IRR may change under us from another CPU. */
static inline uint32_t vlapic_get_reg(const struct vlapic *a, uint32_t reg)
{
	return __atomic_load_n(&a->regs[reg >> 2], __ATOMIC_RELAXED);
}

static inline void vlapic_set_reg(struct vlapic *a, uint32_t reg, uint32_t val)
{
	__atomic_store_n(&a->regs[reg >> 2], val, __ATOMIC_RELAXED);
}

uint32_t vlapic_x2apic_ldr(uint32_t id);
bool vlapic_sw_enabled(const struct vlapic *a);
void vlapic_update_ppr(struct vlapic *a);
void vlapic_set_error(struct vlapic *a, uint32_t esr_bit);
void vlapic_send_ipi(struct vlapic *a, uint32_t icr_lo, uint32_t dest);
/*
 * The targets of the xAPIC ICR a holds (a fixed IPI whose vector a CPU's
 * APIC virtualization has already put into their IRRs) kicked, their IRRs
 * left alone.
 */
void vlapic_wake_ipi_targets(struct vlapic *a);

void vlapic_timer_reset(struct vlapic *a);
void vlapic_timer_write_lvt(struct vlapic *a, uint32_t val);
void vlapic_timer_write_initial_count(struct vlapic *a, uint32_t count);
void vlapic_timer_write_divide(struct vlapic *a, uint32_t val);
uint32_t vlapic_timer_current_count(const struct vlapic *a);

#endif
