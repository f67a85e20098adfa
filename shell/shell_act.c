/* The debug shell's commands that act: SynIC and APIC by hand, guests, the log, the machine. */
#include "core/guest_apic.h"
#include "core/guest_mem.h"
#include "host/integrity.h"
#include "console/log.h"
#include "host/panic.h"
#include "shell/shell.h"
#include "shell/shell_cmds.h"
#include "shell/shell_parse.h"
#include "synic/hv_state.h"
#include "lib/string.h"
#include "lib/x86.h"

#define CALL_TIMEOUT_US 100000
#define RESET_CONTROL   0xcf9
#define KBD_COMMAND     0x64

struct post_request {
	unsigned int sint;
	struct hv_message msg;
	bool delivered;
};

/* On the vCPU's CPU: the SynIC's slots are its own to write. */
static void post_on_vcpu(struct vcpu *v, void *arg)
{
	struct post_request *r = arg;

	r->delivered = synic_deliver_now(&v->hv->synic, r->sint, &r->msg);
}

void cmd_post(int argc, char **argv)
{
	struct vcpu *v = shell_vcpu(argv[1]);
	struct post_request r = { 0 };
	uint64_t sint, type;
	int size;

	(void)argc;
	if (!v || !shell_number(argv[2], HV_SINT_COUNT - 1, &sint) ||
	    !shell_number(argv[3], UINT32_MAX, &type))
		return;
	size = shell_parse_hex_bytes(argv[4], r.msg.payload, HV_MESSAGE_PAYLOAD_MAX);
	if (size < 0 || !type) {
		shell_printf("usage: post VCPU SINT TYPE HEXPAYLOAD (type not 0, up to 240 bytes)\n");
		return;
	}
	r.sint = (unsigned int)sint;
	r.msg.type = (uint32_t)type;
	r.msg.payload_size = (uint8_t)size;
	if (!vcpu_call(v, post_on_vcpu, &r, CALL_TIMEOUT_US))
		shell_printf("%s:%u did not answer\n", v->partition->name, v->index);
	else
		shell_printf("%s\n", r.delivered ? "delivered"
				     : "not delivered: the slot is busy or the SynIC or its page is off");
}

#define POKE_MAX 64

void cmd_poke(int argc, char **argv)
{
	struct partition *p = shell_guest(argv[1]);
	uint8_t buf[POKE_MAX];
	uint64_t gpa;
	int len;

	(void)argc;
	if (!p || !shell_number(argv[2], UINT64_MAX, &gpa))
		return;
	len = shell_parse_hex_bytes(argv[3], buf, sizeof(buf));
	if (len <= 0) {
		shell_printf("usage: poke GUEST GPA HEXBYTES (1 to %u bytes)\n", POKE_MAX);
		return;
	}
	if (!gpa_write(p, gpa, buf, (size_t)len)) {
		shell_printf("0x%lx+%d is not all in guest %s's RAM (0-0x%lx)\n", gpa, len, p->name,
			     p->mem_size - 1);
		return;
	}
	shell_printf("%d bytes written at 0x%lx\n", len, gpa);
}

void cmd_signal(int argc, char **argv)
{
	struct vcpu *v = shell_vcpu(argv[1]);
	uint64_t sint, flag;

	(void)argc;
	if (!v || !shell_number(argv[2], HV_SINT_COUNT - 1, &sint) ||
	    !shell_number(argv[3], HV_EVENT_FLAGS_PER_SINT - 1, &flag))
		return;
	shell_printf("status 0x%x\n", synic_signal_event(&v->hv->synic, (unsigned int)sint,
							  (unsigned int)flag));
}

void cmd_inject(int argc, char **argv)
{
	struct vcpu *v = shell_vcpu(argv[1]);
	uint64_t vector;

	(void)argc;
	if (!v || !shell_number(argv[2], 255, &vector))
		return;
	if (vector < APIC_FIRST_LEGAL_VECTOR) {
		shell_printf("vector 0x%lx: fixed interrupts use 16 to 255\n", vector);
		return;
	}
	vlapic_accept_irq(&v->apic, (uint8_t)vector, false);
	shell_printf("vector 0x%lx raised on %s:%u\n", vector, v->partition->name, v->index);
}

static void set_paused(struct partition *p, bool paused)
{
	__atomic_store_n(&p->paused, paused, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < p->nr_vcpus; i++)
		vcpu_kick(p->vcpus[i]);
	shell_printf("%s %s\n", p->name, paused ? "paused" : "resumed");
}

void cmd_pause(int argc, char **argv)
{
	struct partition *p = shell_guest(argv[1]);

	(void)argc;
	if (p)
		set_paused(p, true);
}

void cmd_resume(int argc, char **argv)
{
	struct partition *p = shell_guest(argv[1]);

	(void)argc;
	if (p)
		set_paused(p, false);
}

void cmd_kill(int argc, char **argv)
{
	struct partition *p = shell_guest(argv[1]);

	(void)argc;
	if (p)
		partition_end(p, GUEST_CRASH_EXIT_CODE, "killed from the console");
}

void cmd_loglevel(int argc, char **argv)
{
	uint64_t level;

	(void)argc;
	if (shell_number(argv[1], LOG_DEBUG, &level)) {
		log_set_level((int)level);
		shell_printf("loglevel %lu\n", level);
	}
}

/* The reset control register (0xcf9: full reset), else the keyboard controller's pulse. */
void cmd_reboot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	shell_printf("rebooting\n");
	outb(RESET_CONTROL, 0x02);
	outb(RESET_CONTROL, 0x06);
	outb(KBD_COMMAND, 0xfe);
	shell_printf("the machine did not reset\n");
}

static bool panic_allowed;

void shell_allow_panic(bool allow)
{
	panic_allowed = allow;
}

void cmd_panic(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!panic_allowed) {
		shell_printf("panic: only with test-panic=on on the hypervisor's command line\n");
		return;
	}
	panic("requested from the debug shell");
}

/*
 * The hypervisor's integrity checked now (host/integrity.c); with test-panic=on,
 * "corrupt" first changes a byte of the first guard frame, to show the check sees it.
 */
void cmd_integrity(int argc, char **argv)
{
	struct integrity_report r;

	if (argc == 2 && (strcmp(argv[1], "corrupt") || !panic_allowed)) {
		shell_printf("integrity: 'corrupt' only, and only with test-panic=on\n");
		return;
	}
	if (argc == 2 && !integrity_corrupt_guard())
		shell_printf("integrity: no guard frame to corrupt\n");
	integrity_check(&r);
	shell_printf("text+rodata: %lu of %lu bytes changed\n", r.image_changed, r.image_bytes);
	shell_printf("stacks: %u, %u canary zones reached, deepest use %lu bytes\n", r.stacks,
		     r.stacks_overrun, r.deepest_use);
	shell_printf("guard frames: %u, %lu bytes changed\n", r.guards, r.guard_changed);
}
