/* VMX control fields from what the capability MSRs allow (SDM appendix A.3-A.5). */
#ifndef HV_VMX_CONTROLS_H
#define HV_VMX_CONTROLS_H

#include <stdint.h>

/*
 * cap is a control capability MSR: bits 31:0 are the allowed-0 settings
 * (a 1 there means the control must be 1), bits 63:32 the allowed-1
 * settings (a 0 there means the control must be 0). Returns wanted with
 * the required bits forced on and the unsupported ones dropped.
 */
uint32_t vmx_adjust_controls(uint32_t wanted, uint64_t cap);

#endif
