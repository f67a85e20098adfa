/* AVIC, AMD's accelerated virtual local APIC (AMD APM vol. 2, 15.29). */
#ifndef HV_SVM_AVIC_H
#define HV_SVM_AVIC_H

#include "core/partition.h"
#include "svm/vmcb.h"

bool avic_supported(void);

/* The partition's physical and logical APIC ID tables, and the APIC page in NPT. */
bool avic_partition_init(struct partition *p);

/* Points the VMCB at v's backing page (its APIC register page) and the tables. */
void avic_vcpu_init(struct vcpu *v, struct vmcb *vmcb);

/* AMD erratum 1235 on this CPU (avic_table.h): IsRunning is never set. */
bool avic_erratum(void);

/* IsRunning around VMRUN: senders ring the doorbell only while it is set. */
void avic_set_running(struct vcpu *v, bool running);
bool avic_doorbell(struct vcpu *v);

/* After an LDR or DFR write: the logical table follows every vCPU's LDR. */
void avic_update_logical_table(struct partition *p);

/* x2APIC mode needs x2AVIC, which this backend does not use: AVIC off, software delivery. */
void avic_mode_changed(struct vcpu *v, struct vmcb *vmcb);

#endif
