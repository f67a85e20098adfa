/* A virtual CPU: its registers, its backend state, its exit counters. */
#ifndef HV_CORE_VCPU_H
#define HV_CORE_VCPU_H

#include "core/exit.h"
#include "core/guest_regs_asm.h"
#include "core/trace.h"
#include "apic/vlapic.h"

struct partition;
struct percpu;
struct hv_vcpu;

/* The general-purpose registers the backends' entry code saves and loads. */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(sizeof(struct guest_regs) == 15 * 8, "guest regs");
_Static_assert(__builtin_offsetof(struct guest_regs, rdi) == GUEST_RDI, "guest regs rdi");
_Static_assert(__builtin_offsetof(struct guest_regs, r8) == GUEST_R8, "guest regs r8");
_Static_assert(__builtin_offsetof(struct guest_regs, r15) == GUEST_R15, "guest regs r15");

enum vcpu_state {
	VCPU_WAIT_FOR_SIPI, /* an application processor before its start-up IPI */
	VCPU_RUNNING,
	VCPU_PARKED,        /* halted with interrupts off: only INIT or NMI wakes it */
	VCPU_STOPPED,       /* its partition has ended */
};

/* The control state a crash report and the instruction decoder need. */
struct vcpu_control_regs {
	uint64_t rip, rsp, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t cs_base;
	uint16_t cs_sel;
	bool cs_long; /* CS.L: 64-bit code */
	bool cs_db;   /* CS.D/B: 32-bit default operand size */
	uint8_t cpl;
};

/* What a debugger reads besides those (gdb/): the selectors and the FS/GS bases. */
struct vcpu_segment_regs {
	uint16_t cs, ss, ds, es, fs, gs;
	uint64_t fs_base, gs_base;
};

/* The debug registers a debugger owns while attached: DR0-DR3 and DR7. */
struct vcpu_debug_regs {
	uint64_t addr[4];
	uint64_t dr7;
};

/* Events another CPU posts to a vCPU; its own CPU takes them before entry. */
enum vcpu_pending_event {
	VCPU_PENDING_INIT = BIT(0),
	VCPU_PENDING_SIPI = BIT(1),
	VCPU_PENDING_NMI = BIT(2),
	VCPU_PENDING_FLUSH = BIT(3), /* the nested page tables changed */
	VCPU_PENDING_CALL = BIT(4),  /* run call_fn on the vCPU's CPU (the debug shell) */
	VCPU_PENDING_POLICY = BIT(5), /* look again at whether APIC acceleration stays on */
};
#define VCPU_SIPI_VECTOR_SHIFT 8 /* with VCPU_PENDING_SIPI: its vector, in bits 15:8 */
#define VCPU_SIPI_MASK (VCPU_PENDING_SIPI | 0xffu << VCPU_SIPI_VECTOR_SHIFT)

/*
 * The guest's model-specific registers that the hypervisor keeps (the MSR
 * table, cpumodel/msr_table.c, says which exist for a guest and their
 * rules); the backends load pat and tsc_offset into the VMCS or VMCB.
 */
#define VCPU_MTRR_VARIABLE 8  /* variable ranges: IA32_MTRRCAP.VCNT */
#define VCPU_MTRR_FIXED    11 /* fixed-range MTRRs: one 64K, two 16K, eight 4K */

struct vcpu_msrs {
	uint64_t tsc_offset;        /* the guest's TSC is the host's plus this, mod 2^64 */
	uint64_t tsc_adjust;        /* IA32_TSC_ADJUST */
	uint64_t tsc_aux;           /* IA32_TSC_AUX, loaded in the CPU while the vCPU runs */
	uint64_t pat;               /* IA32_PAT */
	uint64_t spec_ctrl;         /* IA32_SPEC_CTRL, in the CPU only while the guest runs */
	uint64_t spec_ctrl_valid;   /* the bits of it the guest's CPUID offers */
	uint64_t mtrr_def_type;     /* IA32_MTRR_DEF_TYPE */
	uint64_t mtrr_variable[2 * VCPU_MTRR_VARIABLE]; /* PHYSBASE0, PHYSMASK0, ... */
	uint64_t mtrr_fixed[VCPU_MTRR_FIXED];
	uint32_t offered;           /* the MSR features its CPUID offers (cpumodel/msr_table.h) */
	uint8_t phys_bits;          /* its MAXPHYADDR, CPUID.80000008H:EAX[7:0] */
};

struct vcpu_stats {
	uint64_t exits[EXIT_REASON_COUNT];
	/*
	 * Posted interrupts (APICv): the vectors other CPUs posted to this vCPU's
	 * descriptor, and the notification IPIs they sent for them (the others found
	 * a notification outstanding). Other CPUs add to them, atomically.
	 */
	uint64_t posted;
	uint64_t notified;
};

struct vcpu {
	struct guest_regs regs; /* first: the entry code addresses it directly */
	struct partition *partition;
	unsigned int index;     /* within the partition: the VP index */
	struct percpu *cpu;     /* the physical CPU it is pinned to */
	volatile enum vcpu_state state;
	uint32_t boot_entry;    /* where the boot vCPU starts */
	volatile uint32_t pending_events; /* enum vcpu_pending_event, and a SIPI's vector */
	volatile bool in_guest; /* between the last look at pending_events and the exit (core/vcpu.c) */
	bool window_requested;  /* an interrupt-window exit is armed */
	bool nmi_pending;       /* an NMI the guest cannot take yet (its handler runs) */
	bool nmi_window_requested; /* an NMI-window exit is armed */
	bool apic_accelerated;  /* the CPU delivers this vCPU's interrupts (APICv, AVIC) */
	bool eoi_assisted;      /* the guest may skip the EOI of the vector in service (APIC assist) */
	volatile bool debug_held; /* the debugger keeps it out of the guest while another steps */
	uint64_t eoi_exit_bitmap[4];/* as last given to the backend */
	/*
	 * The CR4 and EFER bits the guest may set, those of the features its
	 * CPUID offers: set once at creation (boot/guests.c, by
	 * cpumodel/cr_policy.c), read by the backends' CR4 writes and the MSR
	 * policy's EFER writes, which raise #GP for any other bit.
	 */
	uint64_t cr4_valid;
	uint64_t efer_valid;
	struct vcpu_msrs msrs;
	struct vlapic apic;
	struct hv_vcpu *hv;     /* the Hyper-V interface, SynIC (synic/hv_state.h) */
	struct vcpu_stats stats;
	struct vcpu_trace trace;
	void (*volatile call_fn)(struct vcpu *v, void *arg); /* VCPU_PENDING_CALL */
	void *call_arg;
	volatile bool call_done;
	void *arch;             /* the backend's state (VMCB or VMCS) */
};

/*
 * A general register by its number in an instruction (0 RAX, 1 RCX, 2 RDX,
 * 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15); NULL for RSP, which
 * lives in the VMCS or VMCB.
 */
uint64_t *vcpu_gpr(struct vcpu *v, unsigned int n);

/*
 * The guest's time-stamp counter (core/guest_tsc.c): the host's TSC plus the
 * vCPU's offset, which the backend applies to RDTSC, RDTSCP and RDMSR in the
 * guest (SDM vol. 3, 26.6.5 "TSC offsetting"; APM vol. 2, 15.30.3).
 * Everything the guest times against its TSC (the TSC-deadline timer, the
 * Hyper-V reference TSC page) is converted with these.
 */

/* What RDTSC in v reads now. */
uint64_t guest_tsc_now(const struct vcpu *v);

/*
 * The host TSC at which v's TSC reaches guest_tsc (the TSC-deadline rule:
 * due once TSC >= deadline, SDM vol. 3, 11.5.4.1): now if it already has,
 * UINT64_MAX if that lies beyond the host's counter.
 */
uint64_t guest_tsc_to_host(const struct vcpu *v, uint64_t guest_tsc);

/*
 * On v's CPU: v's TSC becomes the host's plus offset, and what follows it
 * (the APIC's TSC deadline, the enlightenment's TSC page) is moved along.
 */
void guest_tsc_set_offset(struct vcpu *v, uint64_t offset);

#endif
