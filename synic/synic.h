/*
 * The synthetic interrupt controller of one vCPU (TLFS chapter 11): its MSRs,
 * the message and event-flags pages in guest memory, the SINTs and their
 * vectors, message queues with the MessagePending protocol, EOM.
 *
 * Pure logic: guest memory and the local APIC are reached through struct
 * synic_env, so it compiles on the host for the unit tests.
 *
 * Concurrency: synic_post_message() and synic_signal_event() may run on any
 * CPU (the sender's); everything else runs on the vCPU's own CPU while the
 * vCPU is out of the guest. Whoever writes a message slot holds the lock,
 * under which SCONTROL and SIMP change too; the guest only frees slots.
 */
#ifndef HV_SYNIC_SYNIC_H
#define HV_SYNIC_SYNIC_H

#include "lib/spinlock.h"
#include "synic/hv_tlfs.h"

/* What the SynIC needs from the rest of the hypervisor (or a unit test). */
struct synic_env {
	/* The 4 KiB guest page at gpa, NULL when it is not entirely the guest's RAM. */
	void *(*guest_page)(void *ctx, uint64_t gpa);
	/*
	 * Raises vector on the vCPU's local APIC, from any CPU. An auto-EOI
	 * vector is acknowledged without entering the ISR (TLFS 11.8.4).
	 */
	void (*raise)(void *ctx, uint8_t vector, bool auto_eoi);
	/* Makes the vCPU's CPU call synic_deliver() before it next enters the guest. */
	void (*kick)(void *ctx);
};

#define SYNIC_BUFFERS_PER_CONNECTION 16 /* TLFS 11.4: the message buffers of a port */

/* A message waiting, and the count of buffers in use of the connection it came by. */
struct synic_queued {
	struct hv_message msg;
	uint32_t *buffers;
};

/* A SINT's messages, oldest first, in a ring the owner sized for its connections. */
struct synic_queue {
	unsigned int head, count, size;
	struct synic_queued *ring;
};

struct synic {
	struct spinlock lock;       /* the queues, which senders fill from any CPU */
	uint64_t scontrol;
	union hv_page_msr simp, siefp;
	union hv_sint sint[HV_SINT_COUNT];
	uint64_t vectors[4];        /* vectors of SINTs that interrupt: their EOI must be seen */
	uint64_t auto_eoi[4];       /* those of auto-EOI SINTs */
	volatile uint32_t queued;   /* bit n: SINT n has messages waiting */
	volatile bool posted;       /* a message came since the owner last tried to deliver */
	struct synic_queue *queues; /* HV_SINT_COUNT of them */
	const struct synic_env *env;
	void *ctx;
};

/* queues: HV_SINT_COUNT of them, their rings set; emptied here. */
void synic_init(struct synic *s, struct synic_queue *queues, const struct synic_env *env,
		void *ctx);

/* SCONTROL, SVERSION, SIEFP, SIMP, EOM, SINT0-15 */
bool synic_is_msr(uint32_t msr);
/* false: #GP */
bool synic_msr_read(const struct synic *s, uint32_t msr, uint64_t *val);
bool synic_msr_write(struct synic *s, uint32_t msr, uint64_t val);

/*
 * In the two calls below sint is below HV_SINT_COUNT: the connections that
 * name it are checked when they are declared.
 *
 * Puts msg into SINT sint's slot and raises the SINT, from any CPU, when the
 * slot is free and no message waits before it; else queues it for the owner,
 * taking one of the sending connection's SYNIC_BUFFERS_PER_CONNECTION buffers
 * (*buffers counts those in use; the owner gives it back when the message goes
 * into the slot):
 * INVALID_SYNIC_STATE when the SynIC or its message page is disabled,
 * INSUFFICIENT_BUFFERS when the connection has none left, else SUCCESS (also
 * into a busy slot: the message waits). The message's type is never 0
 * (HvMessageTypeNone, in the TLFS a free slot): every caller refuses it first.
 */
enum hv_status synic_post_message(struct synic *s, unsigned int sint,
				  const struct hv_message *msg, uint32_t *buffers);

/*
 * Sets event flag `flag` of SINT sint, from any CPU, interrupting only when
 * the flag was clear: INVALID_SYNIC_STATE when the SynIC or its event page
 * is disabled or the SINT masked, INVALID_PARAMETER for a flag past 2047.
 */
enum hv_status synic_signal_event(struct synic *s, unsigned int sint, unsigned int flag);

/*
 * On the owner's CPU: moves waiting messages into free slots. Also what EOM
 * and every SCONTROL, SIMP, SIEFP and SINT write do, so that a message waits
 * no longer than the state that held it back.
 */
void synic_deliver(struct synic *s);

/*
 * On the owner's CPU before it enters the guest: synic_deliver() if a message
 * came since the last try. A message behind a busy slot is not retried on
 * every entry: EOM or the EOI of the SINT's vector says the slot is free.
 */
void synic_deliver_posted(struct synic *s);

/* The guest retired vector (EOI, either path): if a SINT uses it, synic_deliver(). */
void synic_eoi(struct synic *s, uint8_t vector);

/*
 * On the owner's CPU: puts a message of the hypervisor's own (a timer's) into
 * SINT sint's slot now and interrupts; false when the SynIC or its page is
 * off or the slot is busy (MessagePending is then set there).
 */
bool synic_deliver_now(struct synic *s, unsigned int sint, const struct hv_message *msg);

/* The SINTs (a bit each) that interrupt on vector. */
uint32_t synic_sints_of_vector(const struct synic *s, uint8_t vector);

/* Whether vector is an auto-EOI SINT's. */
bool synic_vector_is_auto_eoi(const struct synic *s, uint8_t vector);

#endif
