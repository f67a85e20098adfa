/*
 * Hypercalls (TLFS chapter 3, "Hypercall Interface"): who may call, the
 * registers of a call, the table of calls and the checks of the input value
 * that every call shares. Pure logic.
 */
#ifndef HV_SYNIC_HYPERCALL_H
#define HV_SYNIC_HYPERCALL_H

#include "core/vcpu.h"
#include "synic/hv_tlfs.h"

struct hv_call {
	union hv_hypercall_input input;
	uint64_t param0; /* the input GPA, or the fast call's first 8 bytes */
	uint64_t param1; /* the output GPA, or the next 8 bytes */
};

/*
 * Only CPL 0 in protected or long mode may call, and only once the guest has
 * said who it is (GUEST_OS_ID): else VMCALL/VMMCALL is the #UD it is without
 * a hypervisor interface (false).
 */
bool hv_call_allowed(uint8_t cpl, uint64_t cr0, uint64_t guest_os_id);

/*
 * The call in the caller's registers (TLFS 3.8): in 64-bit mode RCX, RDX, R8;
 * else EDX:EAX, EBX:ECX, EDI:ESI. The result goes to RAX, or EDX:EAX.
 */
struct hv_call hv_call_read(const struct guest_regs *r, bool long_mode);
void hv_call_write_result(struct guest_regs *r, bool long_mode, uint64_t result);

#define HV_CALL_INPUT_MAX 256 /* the largest memory input of a call here */

struct hv_call_desc {
	uint16_t code;
	uint16_t input_size;  /* bytes of its input in memory */
	bool fast;            /* may also come in registers (the fast form) */
	uint32_t privilege;   /* the CPUID 0x40000003.EBX bit it needs */
};

/* The call with that code, or NULL. */
const struct hv_call_desc *hv_call_find(uint16_t code);

/*
 * What every call checks before its own work: the code is known; the caller
 * has its privilege (privileges: the partition's CPUID 0x40000003.EBX; the
 * TLFS prefers ACCESS_DENIED to any other error); the reserved bits of the
 * input value are clear; no variable header and no repetition (the calls
 * here are simple ones); fast only where allowed; a memory input 8-byte
 * aligned and within one page. SUCCESS when it may go on.
 */
enum hv_status hv_call_check(const struct hv_call_desc *d, union hv_hypercall_input in,
			     uint64_t input_gpa, uint32_t privileges);

#endif
