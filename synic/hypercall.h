/*
 * Hypercalls (TLFS chapter 3, "Hypercall Interface"): the table of calls and
 * the checks of the input value that every call shares. Pure logic.
 */
#ifndef HV_SYNIC_HYPERCALL_H
#define HV_SYNIC_HYPERCALL_H

#include "synic/hv_tlfs.h"

#define HV_CALL_INPUT_MAX 256 /* the largest memory input of a call here */

struct hv_call_desc {
	uint16_t code;
	uint16_t input_size;  /* bytes of its input in memory */
	bool fast;            /* may also come in registers (the fast form) */
};

/* The call with that code, or NULL. */
const struct hv_call_desc *hv_call_find(uint16_t code);

/*
 * What every call checks before its own work: the code is known; the
 * reserved bits of the input value are clear; no variable header and no
 * repetition (the calls here are simple ones); fast only where allowed; a
 * memory input 8-byte aligned and within one page. SUCCESS when it may go on.
 */
enum hv_status hv_call_check(const struct hv_call_desc *d, union hv_hypercall_input in,
			     uint64_t input_gpa);

#endif
