/*
 * The guest crash MSRs (TLFS, "Guest Crash Enlightenment"; CPUID
 * 0x40000003.EDX bit 10): HV_X64_MSR_CRASH_P0-P4 hold what the guest wants
 * said of its crash, partition-wide; CRASH_CTL reads what the hypervisor
 * does with them (CrashNotify, and CrashMessage: P3 the guest-physical
 * address of a message, P4 its length). Writing CrashNotify reports the
 * crash: the parameters, and the message's lines, go to the console, and
 * the guest ends (exit code 255).
 */
#include "synic/hv.h"
#include "console/log.h"
#include "core/guest_mem.h"
#include "lib/spinlock.h"

#define HV_CRASH_NOTIFY_MSG  BIT(62) /* P3/P4 give a message */
#define HV_CRASH_NOTIFY      BIT(63)
#define HV_CRASH_CTL_CAPS    (HV_CRASH_NOTIFY | HV_CRASH_NOTIFY_MSG)
#define MESSAGE_MAX          4096    /* a page, as Linux writes it */

bool hv_crash_is_msr(uint32_t msr)
{
	return msr >= HV_MSR_CRASH_P0 && msr <= HV_MSR_CRASH_CTL;
}

/* hv-crash=off: the MSRs are not there (#GP), as the feature is not offered. */
static bool withheld(const struct vcpu *v)
{
	return v->partition->config.hv_withheld & GUEST_HV_CRASH;
}

bool hv_crash_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct hv_partition *hv = v->partition->hv;

	if (withheld(v))
		return false;
	*val = msr == HV_MSR_CRASH_CTL ? HV_CRASH_CTL_CAPS
				       : __atomic_load_n(&hv->crash[msr - HV_MSR_CRASH_P0],
							 __ATOMIC_RELAXED);
	return true;
}

/* One console line per line of the message, unprintable bytes as '.'. */
static void say_message(const struct partition *p, char *text, size_t len)
{
	char *line = text;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n') {
			if (text[i] < ' ' || text[i] > '~')
				text[i] = '.';
			continue;
		}
		if (i < len)
			text[i] = '\0';
		if (*line)
			log_info("guest %s panic: %s", p->name, line);
		line = text + i + 1;
	}
}

/* One message buffer for every partition: crash reports are rare, they take turns. */
static char message[MESSAGE_MAX + 1];
static struct spinlock message_lock = SPINLOCK_INIT;

static void report_crash(struct vcpu *v, uint64_t ctl)
{
	struct partition *p = v->partition;
	const uint64_t *c = p->hv->crash;
	size_t len = MIN(c[4], MESSAGE_MAX);
	uint64_t flags;

	log_info("guest %s panicked on vcpu %u: CRASH_P0-P4 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx", p->name,
		 v->index, c[0], c[1], c[2], c[3], c[4]);
	flags = spin_lock_irqsave(&message_lock);
	if ((ctl & HV_CRASH_NOTIFY_MSG) && len && gpa_read(p, c[3], message, len)) {
		message[len] = '\0';
		say_message(p, message, len);
	}
	spin_unlock_irqrestore(&message_lock, flags);
	partition_end(p, GUEST_CRASH_EXIT_CODE, "the guest reported a crash");
}

bool hv_crash_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct hv_partition *hv = v->partition->hv;

	if (withheld(v))
		return false;
	if (msr != HV_MSR_CRASH_CTL) {
		__atomic_store_n(&hv->crash[msr - HV_MSR_CRASH_P0], val, __ATOMIC_RELAXED);
		return true;
	}
	if (val & ~HV_CRASH_CTL_CAPS)
		return false;
	if (val & HV_CRASH_NOTIFY)
		report_crash(v, val);
	return true;
}
