/* HvPostMessage and HvSignalEvent over the declared connections (TLFS 11.10). */
#include "synic/connection.h"
#include "console/log.h"
#include "lib/string.h"
#include "synic/vmbus.h"

struct hv_target {
	struct vcpu *vcpu;
	const struct guest_connection *conn;
	uint32_t *buffers; /* the connection's message buffers in use */
};

static bool may_use(const struct partition *owner, const struct guest_connection *c,
		    const struct partition *sender)
{
	return c->from[0] ? !strncmp(c->from, sender->name, sizeof(c->from)) : owner == sender;
}

/* The connection id of the right kind that sender may use, in any partition. */
static bool find_target(const struct partition *sender, uint32_t id, bool event,
			struct hv_target *t)
{
	for (unsigned int i = 0; i < nr_partitions; i++) {
		struct partition *p = partitions[i];

		if (p->state != PARTITION_RUNNING)
			continue;
		for (unsigned int j = 0; j < p->config.nr_conns; j++) {
			const struct guest_connection *c = &p->config.conns[j];

			if (c->id != id || c->event != event || !may_use(p, c, sender))
				continue;
			*t = (struct hv_target){ p->vcpus[c->vp], c, &p->hv->conn_buffers[j] };
			return true;
		}
	}
	return false;
}

/* The VMBus connection's changes, on the console: they are rare and tell a lot. */
static void log_vmbus_change(const struct partition *p, const struct vmbus_state *was,
			     const struct vmbus_state *now)
{
	if (now->version && (now->version != was->version || now->target_vp != was->target_vp))
		log_info("guest %s: VMBus %u.%u connected, its messages to vp %u SINT %u", p->name,
			 now->version >> 16, now->version & 0xffff, now->target_vp, now->sint);
	else if (was->version && !now->version)
		log_info("guest %s: VMBus unloaded", p->name);
}

/*
 * The partition's VMBus control channel, which the hypervisor answers itself
 * (synic/vmbus.c) with no channels to offer. A message it ignores still
 * succeeds: it was delivered to the VMBus host.
 */
static enum hv_status post_to_vmbus(struct partition *p, const struct hv_post_message_input *in)
{
	struct hv_message msg = { .type = VMBUS_HV_MESSAGE_TYPE };
	struct vmbus_state was, now;
	struct vmbus_reply r;
	bool answer;
	uint64_t flags = spin_lock_irqsave(&p->hv->lock);

	was = p->hv->vmbus;
	answer = vmbus_control_message(&p->hv->vmbus, in->connection_id, in->payload,
				       in->payload_size, p->nr_vcpus, &r);
	now = p->hv->vmbus;
	spin_unlock_irqrestore(&p->hv->lock, flags);
	log_vmbus_change(p, &was, &now);
	if (!answer)
		return HV_STATUS_SUCCESS;
	msg.payload_size = (uint8_t)r.size;
	memcpy(msg.payload, r.payload, r.size);
	return synic_post_message(&p->vcpus[r.vp]->hv->synic, r.sint, &msg, &p->hv->vmbus_buffers);
}

/* The message types with bit 31 are the hypervisor's own (TLFS 11.9.1). */
enum hv_status hv_post_message(struct partition *sender, const struct hv_post_message_input *in)
{
	struct hv_message msg = { 0 };
	struct hv_target t;

	if ((in->connection_id & ~HV_CONNECTION_ID_MASK) || in->reserved)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!in->message_type || (in->message_type & HV_MESSAGE_HYPERVISOR) ||
	    in->payload_size > HV_MESSAGE_PAYLOAD_MAX)
		return HV_STATUS_INVALID_PARAMETER;
	if (sender->hv->vmbus_host && vmbus_is_control_connection(in->connection_id))
		return post_to_vmbus(sender, in);
	if (!find_target(sender, in->connection_id, false, &t))
		return HV_STATUS_INVALID_CONNECTION_ID;
	msg.type = in->message_type;
	msg.payload_size = (uint8_t)in->payload_size;
	msg.origin = in->connection_id;
	memcpy(msg.payload, in->payload, in->payload_size);
	return synic_post_message(&t.vcpu->hv->synic, t.conn->sint, &msg, t.buffers);
}

/* A connection is one flag: FlagNumber, relative to it, can only be 0. */
enum hv_status hv_signal_event(struct partition *sender, const union hv_signal_event_input *in)
{
	struct hv_target t;

	if ((in->connection_id & ~HV_CONNECTION_ID_MASK) || in->reserved)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (in->flag_number)
		return HV_STATUS_INVALID_PARAMETER;
	if (!find_target(sender, in->connection_id, true, &t))
		return HV_STATUS_INVALID_CONNECTION_ID;
	return synic_signal_event(&t.vcpu->hv->synic, t.conn->sint, t.conn->flag);
}
