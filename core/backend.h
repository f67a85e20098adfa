/*
 * What a virtualization backend (svm/, vmx/) offers core/: the same set of
 * operations for both, chosen once at boot from the CPU vendor.
 */
#ifndef HV_CORE_BACKEND_H
#define HV_CORE_BACKEND_H

#include "core/vcpu.h"

struct partition;

struct backend {
	const char *name;
	/* On each physical CPU that will run a vCPU: enable SVM / enter VMX root. */
	bool (*cpu_enable)(void);
	/* Builds the nested page tables mapping the partition's memory. */
	bool (*partition_init)(struct partition *p);
	/*
	 * Maps the RAM page at gpa to hpa, read-only unless writable (an overlay
	 * such as the hypercall page); the vCPUs must flush before they see it.
	 */
	bool (*partition_remap_page)(struct partition *p, uint64_t gpa, paddr_t hpa,
				     bool writable);
	/* On v's CPU: drops what its TLBs cache of the nested page tables. */
	void (*vcpu_flush_nested)(struct vcpu *v);
	/* The instruction a guest calls the hypervisor with: VMCALL or VMMCALL. */
	uint8_t hypercall_insn[3];
	/*
	 * APIC acceleration can make the EOI of chosen vectors exit (APICv's
	 * EOI-exit bitmap); AVIC cannot, only level-triggered EOIs trap there.
	 */
	bool eoi_exit_bitmap;
	/* Creates the VMCB/VMCS, in the state a multiboot loader leaves a kernel in. */
	bool (*vcpu_init)(struct vcpu *v, uint32_t entry);
	/* Enters the guest and returns the next exit, decoded. */
	void (*vcpu_run)(struct vcpu *v, struct exit_event *e);
	/* The guest's RIP at the last exit (for the exit trace). */
	uint64_t (*vcpu_rip)(struct vcpu *v);
	/* Moves RIP past the instruction that caused the exit. */
	void (*vcpu_skip_instruction)(struct vcpu *v, const struct exit_event *e);
	/* Moves RIP by len: for instructions core/ decoded itself (MMIO). */
	void (*vcpu_advance_rip)(struct vcpu *v, unsigned int len);
	void (*vcpu_inject_exception)(struct vcpu *v, uint8_t vector, bool has_error,
				      uint32_t error_code);
	/* The guest's view: EFER without the bits the backend itself needs set. */
	void (*vcpu_read_control)(struct vcpu *v, struct vcpu_control_regs *c);
	/* On v's CPU, for a debugger: the segment selectors and FS/GS bases; RIP, RSP and RFLAGS set. */
	void (*vcpu_read_segments)(struct vcpu *v, struct vcpu_segment_regs *s);
	void (*vcpu_write_frame)(struct vcpu *v, uint64_t rip, uint64_t rsp, uint64_t rflags);
	/*
	 * On v's CPU, for a debugger: #BP exits and MOV DR exits
	 * (EXIT_DR_ACCESS: the debugger owns the debug registers) on or off,
	 * and a single step (an EXIT_SINGLE_STEP, or a #DB exit, after the
	 * next instruction) or none; false if the CPU cannot step.
	 */
	bool (*vcpu_set_debug)(struct vcpu *v, bool breakpoints, bool step);
	/* On v's CPU: DR0-DR3 (its CPU's) and the guest's DR7 (VMCS, VMCB), read or set whole. */
	void (*vcpu_read_debug_regs)(struct vcpu *v, struct vcpu_debug_regs *d);
	void (*vcpu_write_debug_regs)(struct vcpu *v, const struct vcpu_debug_regs *d);
	/* On v's CPU: the guest's DR6 (VMX: its CPU's, SVM: the VMCB's). */
	uint64_t (*vcpu_read_dr6)(struct vcpu *v);
	void (*vcpu_write_dr6)(struct vcpu *v, uint64_t dr6);
	/* Takes a value core/ has already checked against the architecture. */
	void (*vcpu_write_efer)(struct vcpu *v, uint64_t efer);
	/* On v's CPU: the guest's IA32_PAT (VMCS guest PAT, VMCB G_PAT), already checked. */
	void (*vcpu_write_pat)(struct vcpu *v, uint64_t pat);
	/* On v's CPU: the guest's TSC becomes the host's plus offset (VMCS TSC offset, VMCB). */
	void (*vcpu_write_tsc_offset)(struct vcpu *v, uint64_t offset);
	/*
	 * Emulates the control-register access of an EXIT_CR_ACCESS (the bits the
	 * backend keeps for itself, such as CR4.VMXE); false if it cannot.
	 */
	bool (*vcpu_cr_access)(struct vcpu *v, const struct exit_event *e);
	/*
	 * Carries out the hardware task switch of an EXIT_TASK_SWITCH; NULL, or
	 * why the guest cannot go on. VMX's only: SVM does not intercept task
	 * switches, the CPU performs them in the guest.
	 */
	const char *(*vcpu_task_switch)(struct vcpu *v, const struct exit_event *e);
	/* Interrupt delivery without acceleration (SDM vol. 3, 6.8; APM vol. 2, 15.20-15.21). */
	/* The guest can take an external interrupt now: IF set, no shadow, nothing queued. */
	bool (*vcpu_interrupt_allowed)(struct vcpu *v);
	void (*vcpu_inject_interrupt)(struct vcpu *v, uint8_t vector);
	/* Exit with EXIT_INTERRUPT_WINDOW as soon as the guest can take an interrupt. */
	void (*vcpu_request_interrupt_window)(struct vcpu *v, bool on);
	/*
	 * The guest can take an NMI now: it is not in an NMI handler (from the
	 * NMI's delivery to the next IRET, SDM 6.7.1) and nothing is queued.
	 */
	bool (*vcpu_nmi_allowed)(struct vcpu *v);
	void (*vcpu_inject_nmi)(struct vcpu *v);
	/* Exit with EXIT_NMI_WINDOW once the guest can take an NMI (may be late, never early). */
	void (*vcpu_request_nmi_window)(struct vcpu *v, bool on);
	/*
	 * With APIC acceleration (vcpu->apic_accelerated): the highest
	 * requested and in-service vectors (-1: none), for the CPU to deliver.
	 */
	void (*vcpu_apic_update)(struct vcpu *v, int highest_irr, int highest_isr);
	/*
	 * With APIC acceleration: posted interrupts. post queues vector for v
	 * from any CPU (false: v does not use them); sync moves what was posted
	 * into v's IRR, on v's own CPU.
	 */
	bool (*vcpu_post_interrupt)(struct vcpu *v, uint8_t vector);
	/* With APIC acceleration: notifies v of a new IRR bit while it runs (AVIC doorbell); false if it does not run. */
	bool (*vcpu_doorbell)(struct vcpu *v);
	void (*vcpu_sync_posted)(struct vcpu *v);
	/*
	 * On v's CPU: turns APIC acceleration off or back on for v alone (the
	 * interrupt policies of the benchmarks); false if the backend cannot.
	 */
	bool (*vcpu_set_apic_accelerated)(struct vcpu *v, bool on);
	/* With APIC acceleration: the guest's APIC changed mode (xAPIC, x2APIC, off). */
	void (*vcpu_apic_mode_changed)(struct vcpu *v);
	/* With APIC acceleration: the vectors whose EOI must exit (256 bits). */
	void (*vcpu_set_eoi_exit_bitmap)(struct vcpu *v, const uint64_t bitmap[4]);
	/* How local APICs are delivered on this CPU, for the boot log. */
	const char *(*apic_mode)(void);
	/* After INIT, a SIPI starts the vCPU in real mode at vector << 12 (SDM 9.4.4). */
	void (*vcpu_start_at_sipi)(struct vcpu *v, uint8_t vector);
	/* Prints the hardware exit in the backend's own terms (for crash reports). */
	void (*describe_exit)(const struct exit_event *e, char *buf, size_t size);
	/* Logs the VMCB/VMCS guest state the CPU checks at entry (segments, control registers). */
	void (*vcpu_dump_state)(struct vcpu *v);
	/* Logs the VMCB/VMCS controls and the last exit's fields (the debug shell), on v's CPU. */
	void (*vcpu_dump_controls)(struct vcpu *v);
};

extern const struct backend svm_backend;
extern const struct backend vmx_backend;

/*
 * posted-intr=off on the command line: APICv without posted interrupts, for the
 * benchmarks' comparison; set before the first vCPU is created.
 */
extern bool backend_posted_intr_off;

/* The backend in use, set once by backend_select(). */
extern const struct backend *backend;

/* The backend for this machine's CPUs, or NULL (with the reason logged). */
const struct backend *backend_select(void);

/*
 * MSRs the guest owns outright (the backends do not intercept them):
 * SYSENTER_* and FS/GS base are switched with the guest state on both
 * backends; STAR/LSTAR/CSTAR/SFMASK and KERNEL_GS_BASE are switched by SVM's
 * VMLOAD/VMSAVE, and on VMX need no switching because the hypervisor never
 * uses SYSCALL or SWAPGS and has no user mode.
 */
extern const uint32_t msr_guest_owned[];
extern const unsigned int nr_msr_guest_owned;

#endif
