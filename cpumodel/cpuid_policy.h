/* What CPUID tells a guest. */
#ifndef HV_CPUMODEL_CPUID_POLICY_H
#define HV_CPUMODEL_CPUID_POLICY_H

#include "core/vcpu.h"
#include "lib/x86.h"

/* The guest's view of CPUID leaf/subleaf, built from the host's. */
struct cpuid_regs cpuid_guest(struct vcpu *v, uint32_t leaf, uint32_t subleaf);

/*
 * The same without the bits that follow the guest's state (OSXSAVE, OSPKE, APIC):
 * the features offered, for a vCPU whose backend state is not made yet.
 */
struct cpuid_regs cpuid_guest_offered(struct vcpu *v, uint32_t leaf, uint32_t subleaf);

struct cpu_model_leaves;

/* The feature leaves of cpuid_guest_offered(), at the vCPU's creation. */
void cpuid_guest_feature_leaves(struct vcpu *v, struct cpu_model_leaves *l);

/* EXIT_CPUID */
void cpuid_guest_exit(struct vcpu *v, const struct exit_event *e);

struct partition;

/*
 * The boot log's line for a guest: "guest NAME: CPU model: base, sse/avx,
 * ...; hidden: pmu, ...", the feature groups it is offered and those the
 * host has but the guest is denied. Call it after backend_select().
 */
void cpu_model_log(const struct partition *p);

#endif
