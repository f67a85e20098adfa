/* What a crash report says of a VMX vCPU: the exit, the guest state and the controls. */
#include "lib/fmt.h"
#include "console/log.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* SDM 26.8 table: what the qualification of a VM-entry failure exit says. */
static const char *entry_failure_detail(uint64_t qual)
{
	switch (qual) {
	case 2: return "PDPTE loading";
	case 3: return "NMI injection";
	case 4: return "invalid VMCS link pointer";
	default: return "invalid guest state";
	}
}

void vmx_describe_exit(const struct exit_event *e, char *buf, size_t size)
{
	if (e->hw_reason == VMX_HW_REASON_ENTRY_FAILED) {
		if (e->hw_info2)
			fmt_snprintf(buf, size, "VMLAUNCH/VMRESUME failed (VMfailValid): "
				     "VM-instruction error %lu (%s)",
				     e->hw_info1, vmx_insn_error_name(e->hw_info1));
		else
			fmt_snprintf(buf, size, "VMLAUNCH/VMRESUME failed (VMfailInvalid: no current VMCS)");
		return;
	}
	uint32_t basic = VMX_EXIT_REASON_BASIC(e->hw_reason);
	if (e->hw_reason & VMX_EXIT_ENTRY_FAILURE) {
		fmt_snprintf(buf, size, "VMX exit reason %u (VM entry failed: %s), qualification 0x%lx",
			     basic, basic == VMX_EXIT_INVALID_GUEST ? entry_failure_detail(e->hw_info1)
								    : vmx_exit_name(basic),
			     e->hw_info1);
		return;
	}
	fmt_snprintf(buf, size, "VMX exit reason %u (%s), qualification 0x%lx, guest-physical 0x%lx",
		     basic, vmx_exit_name(basic), e->hw_info1, e->hw_info2);
}

/*
 * The guest state VM entry checks (SDM vol. 3, 26.3.1): segments as
 * selector, access rights, limit and base, then the control state.
 */
void vmx_vcpu_dump_state(struct vcpu *v)
{
	static const char *const names[] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

	(void)v;
	log_err("  VMCS: cr0 %lx cr3 %lx cr4 %lx efer %lx rflags %lx entry-controls %lx",
		vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_GUEST_CR3), vmcs_read(VMCS_GUEST_CR4),
		vmcs_read(VMCS_GUEST_EFER), vmcs_read(VMCS_GUEST_RFLAGS),
		vmcs_read(VMCS_ENTRY_CONTROLS));
	log_err("  activity %lu interruptibility %lx gdtr %lx/%lx idtr %lx/%lx",
		vmcs_read(VMCS_GUEST_ACTIVITY_STATE), vmcs_read(VMCS_GUEST_INTERRUPTIBILITY),
		vmcs_read(VMCS_GUEST_GDTR_BASE), vmcs_read(VMCS_GUEST_GDTR_LIMIT),
		vmcs_read(VMCS_GUEST_IDTR_BASE), vmcs_read(VMCS_GUEST_IDTR_LIMIT));
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		log_err("  %-4s sel %04lx ar %05lx limit %08lx base %016lx", names[i],
			vmcs_read(VMCS_GUEST_ES_SEL + 2 * i), vmcs_read(VMCS_GUEST_ES_AR + 2 * i),
			vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * i), vmcs_read(VMCS_GUEST_ES_BASE + 2 * i));
}

/* The execution, exit and entry controls and the last exit (SDM vol. 3, 25.6-25.9). */
void vmx_vcpu_dump_controls(struct vcpu *v)
{
	(void)v;
	log_err("  VMCS controls: pin %lx proc %lx proc2 %lx exit %lx entry %lx exceptions %lx",
		vmcs_read(VMCS_PIN_CONTROLS), vmcs_read(VMCS_PROC_CONTROLS),
		vmcs_read(VMCS_PROC_CONTROLS2), vmcs_read(VMCS_EXIT_CONTROLS),
		vmcs_read(VMCS_ENTRY_CONTROLS), vmcs_read(VMCS_EXCEPTION_BITMAP));
	log_err("  VMCS vpid %lx eptp %lx interruptibility %lx intr status %lx tpr threshold %lx",
		vmcs_read(VMCS_VPID), vmcs_read(VMCS_EPT_POINTER),
		vmcs_read(VMCS_GUEST_INTERRUPTIBILITY), vmcs_read(VMCS_GUEST_INTR_STATUS),
		vmcs_read(VMCS_TPR_THRESHOLD));
	log_err("  VMCS exit: reason %lx qualification %lx intr info %lx idt vectoring %lx entry intr %lx",
		vmcs_read(VMCS_EXIT_REASON), vmcs_read(VMCS_EXIT_QUALIFICATION),
		vmcs_read(VMCS_EXIT_INTR_INFO), vmcs_read(VMCS_IDT_VECTORING_INFO),
		vmcs_read(VMCS_ENTRY_INTR_INFO));
}
