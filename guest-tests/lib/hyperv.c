/* The Hyper-V interface for guest programs: hypercalls and SynIC set-up (TLFS). */
#include "guest-tests/lib/hyperv.h"

struct post_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t type;
	uint32_t payload_size;
	uint8_t payload[240];
};

static void *hypercall_page;
/* One input page per CPU: 8-byte aligned and within a page, as the TLFS wants */
static struct post_input post_inputs[GUEST_MAX_CPUS] __attribute__((aligned(4096)));

void hv_enable_hypercalls(void *page)
{
	wrmsr(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID);
	wrmsr(HV_MSR_HYPERCALL, (uint64_t)(uintptr_t)page | HV_PAGE_ENABLE);
	hypercall_page = page;
}

uint64_t hv_hypercall(uint64_t input, uint64_t param0, uint64_t param1)
{
	register uint64_t r8 asm("r8") = param1;
	uint64_t status;

	asm volatile("call *%[page]"
		     : "=a"(status), "+c"(input), "+d"(param0), "+r"(r8)
		     : [page] "r"(hypercall_page)
		     : "memory", "r9", "r10", "r11");
	return status;
}

uint16_t hv_post_message(uint32_t connection, uint32_t type, const void *payload, uint32_t size)
{
	struct post_input *in = &post_inputs[this_cpu_index()];

	in->connection_id = connection;
	in->reserved = 0;
	in->type = type;
	in->payload_size = size;
	for (uint32_t i = 0; i < size && i < sizeof(in->payload); i++)
		in->payload[i] = ((const uint8_t *)payload)[i];
	return (uint16_t)hv_hypercall(HV_CALL_POST_MESSAGE, (uint64_t)(uintptr_t)in, 0);
}

uint16_t hv_signal_event(uint32_t connection)
{
	return (uint16_t)hv_hypercall(HV_CALL_SIGNAL_EVENT | HV_CALL_FAST, connection, 0);
}

void hv_synic_enable(struct hv_message *message_page, void *event_page)
{
	wrmsr(HV_MSR_SIMP, (uint64_t)(uintptr_t)message_page | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SIEFP, (uint64_t)(uintptr_t)event_page | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SCONTROL, 1);
}

/* Type first, then the flag: a MessagePending set in between is not missed. */
void hv_message_done(struct hv_message *slot)
{
	__atomic_store_n(&slot->type, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&slot->flags, __ATOMIC_SEQ_CST) & HV_MESSAGE_PENDING)
		wrmsr(HV_MSR_EOM, 0);
}
