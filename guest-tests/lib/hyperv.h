/*
 * The Hyper-V interface for guest programs (TLFS): the synthetic MSRs, the
 * message slot, and hypercalls through the hypercall page.
 */
#ifndef GUEST_TESTS_LIB_HYPERV_H
#define GUEST_TESTS_LIB_HYPERV_H

#include "guest-tests/lib/guest.h"

#define HV_MSR_GUEST_OS_ID     0x40000000
#define HV_MSR_HYPERCALL       0x40000001
#define HV_MSR_VP_INDEX        0x40000002
#define HV_MSR_TIME_REF_COUNT  0x40000020
#define HV_MSR_REFERENCE_TSC   0x40000021
#define HV_MSR_TSC_FREQUENCY   0x40000022
#define HV_MSR_APIC_FREQUENCY  0x40000023
#define HV_MSR_SCONTROL        0x40000080
#define HV_MSR_SVERSION        0x40000081
#define HV_MSR_SIEFP           0x40000082
#define HV_MSR_SIMP            0x40000083
#define HV_MSR_EOM             0x40000084
#define HV_MSR_SINT(n)         (0x40000090 + (n))
#define HV_MSR_STIMER_CONFIG(n) (0x400000b0 + 2 * (n))
#define HV_MSR_STIMER_COUNT(n)  (0x400000b1 + 2 * (n))

#define HV_SINT_MASKED    (1ULL << 16)
#define HV_SINT_AUTO_EOI  (1ULL << 17)
#define HV_SINT_POLLING   (1ULL << 18)
#define HV_PAGE_ENABLE    1ULL
#define HV_GUEST_OS_ID    0x8100000000000001ULL /* open source, Linux-like */

#define HV_STIMER_ENABLE         (1ULL << 0)
#define HV_STIMER_PERIODIC       (1ULL << 1)
#define HV_STIMER_LAZY           (1ULL << 2)
#define HV_STIMER_AUTO_ENABLE    (1ULL << 3)
#define HV_STIMER_APIC_VECTOR(v) ((uint64_t)(v) << 4) /* the vector of direct mode */
#define HV_STIMER_DIRECT_MODE    (1ULL << 12)
#define HV_STIMER_SINT(n)        ((uint64_t)(n) << 16)

#define HV_CALL_POST_MESSAGE 0x5c
#define HV_CALL_SIGNAL_EVENT 0x5d
#define HV_CALL_FAST         (1ULL << 16)

#define HV_MESSAGE_TIMER_EXPIRED 0x80000010u
#define HV_MESSAGE_PENDING       1 /* flags bit 0 */

struct hv_message {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;
	uint16_t reserved;
	uint64_t origin;
	uint64_t payload[30];
};

/* GUEST_OS_ID, then the hypercall page at page (a page of the guest's, 4 KiB-aligned). */
void hv_enable_hypercalls(void *page);
/* A hypercall in 64-bit mode: RCX, RDX, R8; the status comes back. */
uint64_t hv_hypercall(uint64_t input, uint64_t param0, uint64_t param1);
/* HvPostMessage with size bytes of payload (memory form); the status. */
uint16_t hv_post_message(uint32_t connection, uint32_t type, const void *payload, uint32_t size);
/* HvSignalEvent (fast form); the status. */
uint16_t hv_signal_event(uint32_t connection);
/* SIMP and SIEFP at these pages (4 KiB-aligned), then SCONTROL on. */
void hv_synic_enable(struct hv_message *message_page, void *event_page);
/* The guest's side of the MessagePending protocol: free the slot, EOM if more wait. */
void hv_message_done(struct hv_message *slot);

#endif
