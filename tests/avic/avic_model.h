/*
 * A model of AMD's AVIC (AMD APM vol. 2, 15.29, "Advanced Virtual Interrupt
 * Controller"), for the host: what the CPU holds (the backing pages, the
 * physical and logical APIC ID tables, the VMCB's table pointers, which
 * vCPU is in guest mode on which physical CPU) and what it does for the
 * guest operations that matter: an ICR write, an EOI, a TPR write, a read
 * of an accelerated register, a doorbell, and the delivery of the highest
 * requested vector when the guest can take it. The hypervisor's own AVIC
 * code (svm/avic_table.c) and APIC model (apic/) run against it in
 * tests/unit/test_avic_model.c, the model standing in for VMRUN.
 *
 * Where the manual leaves the order open the model makes a choice, marked
 * "model's choice" below; a real CPU may differ there.
 */
#ifndef HV_TESTS_AVIC_MODEL_H
#define HV_TESTS_AVIC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define AVIC_MODEL_VCPUS 8
#define AVIC_MODEL_PCPUS 4
#define AVIC_MODEL_NONE  (-1)

/* #VMEXIT codes of AVIC (APM appendix C) */
#define AVIC_MODEL_EXIT_INCOMPLETE_IPI 0x401
#define AVIC_MODEL_EXIT_NOACCEL        0x402

struct avic_model_exit {
	uint32_t code; /* 0: none, or one of the two above */
	uint64_t info1, info2;
};

struct avic_model {
	/* What the VMCB of every vCPU points at (one partition: the same tables) */
	uint64_t *physical;     /* the physical APIC ID table */
	unsigned int max_index; /* the table pointer's bits 7:0: its last index */
	uint32_t *logical;      /* the logical APIC ID table */
	/* The backing page at a host physical address (the table's bits 51:12), or NULL */
	uint32_t *(*backing_page)(void *ctx, uint64_t pa);
	void *ctx;
	/*
	 * The VMCB's AVIC enable bit clear for a vCPU (its APIC in x2APIC mode,
	 * which needs x2AVIC): the CPU neither evaluates its backing page nor
	 * answers a doorbell for it; its interrupts come by EVENTINJ.
	 */
	bool avic_off[AVIC_MODEL_VCPUS];
	/* Which vCPU is in guest mode on each physical CPU (by host APIC ID), or NONE */
	int in_guest[AVIC_MODEL_PCPUS];
	/* What the model's guests took: per vCPU and vector, how many times */
	unsigned int taken[AVIC_MODEL_VCPUS][256];
	unsigned int doorbells_taken;  /* doorbells that found their vCPU in guest mode */
	unsigned int doorbells_missed; /* doorbells to a physical CPU with no vCPU in guest mode */
};

/* VMRUN of vcpu on the physical CPU host_id: in guest mode, it takes what it can (15.29.2.2). */
void avic_model_vmrun(struct avic_model *m, unsigned int vcpu, unsigned int host_id);
/*
 * VMRUN with an event in EVENTINJ (APM 15.20): vector taken as the guest
 * enters, its IRR and ISR untouched (the hypervisor's auto-EOI delivery).
 */
void avic_model_vmrun_inject(struct avic_model *m, unsigned int vcpu, unsigned int host_id,
			     uint8_t vector);
/* #VMEXIT: vcpu leaves guest mode (any exit: the model's or the hypervisor's host interrupt). */
void avic_model_vmexit(struct avic_model *m, unsigned int vcpu);
/* The doorbell MSR written with host_id: the vCPU in guest mode there evaluates its IRR. */
void avic_model_doorbell(struct avic_model *m, unsigned int host_id);

/* The guest of vcpu (in guest mode) writes its ICR: ICRH, then ICRL (15.29.3.2, 15.29.5). */
struct avic_model_exit avic_model_icr_write(struct avic_model *m, unsigned int vcpu,
					    uint32_t icr_lo, uint32_t icr_hi);
/* An EOI: the highest in-service vector retired, or the NOACCEL trap when its TMR bit is set. */
struct avic_model_exit avic_model_eoi(struct avic_model *m, unsigned int vcpu);
/* A TPR write: accelerated, the PPR follows and a vector it unmasks is taken. */
void avic_model_tpr_write(struct avic_model *m, unsigned int vcpu, uint8_t tpr);
/* A read of an accelerated register: the backing page's value. */
uint32_t avic_model_read(struct avic_model *m, unsigned int vcpu, uint32_t offset);

#endif
