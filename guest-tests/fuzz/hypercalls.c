/*
 * Calling the hypervisor (TLFS 3.8): through the hypercall page, with the
 * vendor's VMCALL/VMMCALL directly (the hypervisor takes it once the guest
 * OS id is set, as KVM does), or with the other vendor's (#UD). In 64-bit
 * mode RCX is the input value, RDX and R8 the parameters, RAX the result.
 * Every call is caught: a call that faults is a result like another.
 */
#include "guest-tests/fuzz/fuzz.h"

static const uint8_t vmcall_page[] = { 0x0f, 0x01, 0xc1, 0xc3 };  /* VMCALL; RET */
static const uint8_t vmmcall_page[] = { 0x0f, 0x01, 0xd9, 0xc3 }; /* VMMCALL; RET */

static void call_page(void *arg)
{
	struct hcall *c = arg;
	register uint64_t r8 asm("r8") = c->param1;
	uint64_t rcx = c->input, rdx = c->param0, rax;

	asm volatile("call *%[page]"
		     : "=a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8)
		     : [page] "r"(page_gpa(hv.hypercall))
		     : "memory", "r9", "r10", "r11");
	c->result = rax;
}

static void call_vmcall(void *arg)
{
	struct hcall *c = arg;
	register uint64_t r8 asm("r8") = c->param1;
	uint64_t rcx = c->input, rdx = c->param0, rax = 0;

	asm volatile("vmcall" : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8) :: "memory");
	c->result = rax;
}

static void call_vmmcall(void *arg)
{
	struct hcall *c = arg;
	register uint64_t r8 asm("r8") = c->param1;
	uint64_t rcx = c->input, rdx = c->param0, rax = 0;

	asm volatile("vmmcall" : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8) :: "memory");
	c->result = rax;
}

/* TLFS 3.13: the page holds the vendor's call instruction and a RET. */
bool hcall_page_holds_code(void)
{
	const uint8_t *want = fz.intel ? vmcall_page : vmmcall_page;
	const volatile uint8_t *page = (const volatile uint8_t *)(uintptr_t)page_gpa(hv.hypercall);

	for (unsigned int i = 0; i < sizeof(vmcall_page); i++)
		if (page[i] != want[i])
			return false;
	return true;
}

bool hcall_page_usable(void)
{
	return page_on(hv.hypercall) && hv.hc_clean && hv.guest_os_id;
}

void hcall(struct hcall *c, enum hcall_way way)
{
	bool intel = fz.intel;
	void (*fn)(void *) = intel ? call_vmcall : call_vmmcall;

	if (way == VIA_PAGE && hcall_page_usable()) {
		if (hcall_page_holds_code())
			fn = call_page;
		else
			mismatch("the hypercall page at 0x%lx does not hold the call",
				 page_gpa(hv.hypercall));
	} else if (way == VIA_WRONG_INSN) {
		fn = intel ? call_vmmcall : call_vmcall;
	}
	c->result = ~0ULL;
	c->vector = guest_try(fn, c).vector;
}
