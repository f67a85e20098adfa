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
 * else EDX:EAX, EBX:ECX, EDI:ESI. The result goes to RAX, or EDX:EAX: the
 * status in bits 15:0, a rep call's repetitions completed in 43:32.
 */
struct hv_call hv_call_read(const struct guest_regs *r, bool long_mode);
void hv_call_write_result(struct guest_regs *r, bool long_mode, uint64_t result);

#define HV_CALL_VAR_HEADER_MAX 64 /* 8-byte units: an HV_VP_SET's 64 banks */
/* The largest memory input header of a call here, fixed part and variable header */
#define HV_CALL_INPUT_MAX (sizeof(struct hv_flush_ex_input) + 8 * HV_CALL_VAR_HEADER_MAX)

struct hv_call_desc {
	uint16_t code;
	uint16_t input_size;  /* bytes of its fixed input in memory */
	bool fast;            /* may also come in registers (the fast form) */
	bool var_header;      /* takes a variable header (TLFS 3.7): 8-byte units after the fixed input */
	uint8_t rep_size;     /* a rep call's element, after them: bytes; 0 for a simple call */
	uint32_t privilege;   /* the CPUID 0x40000003.EBX bit it needs */
	uint32_t hint;        /* the 0x40000004.EAX recommendation it needs */
};

/*
 * Its memory input's header, the fixed part and the variable header the
 * input value gives (at most HV_CALL_INPUT_MAX bytes), and its whole input,
 * the repetitions after them included.
 */
size_t hv_call_header_size(const struct hv_call_desc *d, union hv_hypercall_input in);
size_t hv_call_input_size(const struct hv_call_desc *d, union hv_hypercall_input in);

/*
 * The VPs 0-63 of an HV_VP_SET (TLFS 7.8.7.6) of var_count banks after its
 * format and valid_bank_mask: all of them, or bank 0's mask (higher banks
 * name VPs a partition here never has). False: an unknown format, or
 * var_count not the number of banks the mask names.
 */
bool hv_vp_set_low(uint64_t format, uint64_t valid_bank_mask, const uint64_t *banks,
		   unsigned int var_count, uint64_t *vps);

/* The call with that code, or NULL. */
const struct hv_call_desc *hv_call_find(uint16_t code);

/*
 * What every call checks before its own work: the code is known; the caller
 * has its privilege and recommendation (privileges and hints: the
 * partition's CPUID 0x40000003.EBX and 0x40000004.EAX; the TLFS prefers
 * ACCESS_DENIED to any other error); the reserved bits of the input value
 * are clear; a variable header only where the call takes one, and in memory;
 * repetitions only for a rep call, which takes at least one, its start
 * before its count (TLFS 3.7.1); fast only where allowed; a memory input
 * 8-byte aligned and within one page. SUCCESS when it may go on.
 */
enum hv_status hv_call_check(const struct hv_call_desc *d, union hv_hypercall_input in,
			     uint64_t input_gpa, uint32_t privileges, uint32_t hints);

#endif
