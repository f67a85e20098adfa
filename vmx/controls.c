/* The pure part of choosing VMX controls, kept apart so host unit tests can build it. */
#include "vmx/controls.h"

uint32_t vmx_adjust_controls(uint32_t wanted, uint64_t cap)
{
	uint32_t must_be_1 = (uint32_t)cap;
	uint32_t may_be_1 = (uint32_t)(cap >> 32);

	return (wanted | must_be_1) & may_be_1;
}
