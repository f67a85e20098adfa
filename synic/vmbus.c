/*
 * The VMBus control channel of a host with zero channels (see vmbus.h).
 *
 * Choices, checked against Linux (drivers/hv/connection.c), QEMU
 * (hw/hyperv/vmbus.c) and Microsoft's OpenVMM vmbus_server:
 * - Versions: exactly the ones Linux 6.1 tries, 5.3 down to 2.4. They differ
 *   only in channel machinery (interrupt page, monitor pages, MODIFYCHANNEL
 *   acks...) that a host offering no channel never uses; 6.0 and later and
 *   the pre-Windows 8 ones (0.13, 1.1) are refused.
 * - INITIATE_CONTACT of 5.0 and later comes on connection 4 and names its
 *   SINT; older versions come on connection 1 and use SINT 2, as Linux sends
 *   them. Any other combination is refused. (OpenVMM is laxer: it forces SINT
 *   2 on connection 1.)
 * - Before 3.0 the host's messages always went to VP 0 (target_vcpu was only
 *   honoured from Windows 8.1 on), as in OpenVMM.
 * - msg_vtl (5.1 and later) must be 0: VTL 0 is the only one served here
 *   (OpenVMM hands other VTLs to another server).
 * - VERSION_RESPONSE: connection_state 0, success in OpenVMM's enum (1 there
 *   is "failed, low resources"); msg_conn_id 1 for 5.0 and later, as OpenVMM's
 *   VTL0 server answers (4 is its "multiclient" port for INITIATE_CONTACT),
 *   and the version itself before 5.0, where Linux ignores the field.
 * - Every INITIATE_CONTACT first drops the connection, then negotiates
 *   again, connected or not (QEMU and OpenVMM do the same): a kexec'd kernel,
 *   or one after a 2.4 connection (Linux sends no UNLOAD below 3.0), can
 *   reconnect.
 * - Once connected, REQUESTOFFERS and UNLOAD are taken on connection 1 or 4
 *   whichever msg_conn_id said: both are this one control channel, and a
 *   guest whose messages were dropped would wait forever.
 * - UNLOAD is answered even when not connected (QEMU does too), to VP 0 on
 *   SINT 2 then.
 */
#include "synic/vmbus.h"
#include "lib/string.h"

#define SIZE_HEADER            ((uint32_t)sizeof(struct vmbus_msg_header))
#define SIZE_INITIATE_CONTACT  ((uint32_t)sizeof(struct vmbus_initiate_contact))
#define SIZE_VERSION_RESPONSE  ((uint32_t)sizeof(struct vmbus_version_response))

/* The versions Linux 6.1 tries, newest first. */
static const uint32_t supported_versions[] = {
	VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V5_2, VMBUS_VERSION_WIN10_V5_1,
	VMBUS_VERSION_WIN10_V5,   VMBUS_VERSION_WIN10_V4_1, VMBUS_VERSION_WIN10,
	VMBUS_VERSION_WIN8_1,     VMBUS_VERSION_WIN8,
};

static bool version_supported(uint32_t version)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(supported_versions); i++)
		if (supported_versions[i] == version)
			return true;
	return false;
}

bool vmbus_is_control_connection(uint32_t connection_id)
{
	return connection_id == VMBUS_CONNECTION_ID_LEGACY ||
	       connection_id == VMBUS_CONNECTION_ID_V5;
}

/* An empty reply of size bytes, starting with a header of type, to VP vp on SINT sint. */
static bool reply_start(struct vmbus_reply *r, uint32_t vp, uint8_t sint, uint32_t type,
			uint32_t size, uint32_t vp_count)
{
	struct vmbus_msg_header h = { .type = type };

	if (vp >= vp_count)
		return false;
	memset(r, 0, sizeof(*r));
	r->vp = vp;
	r->sint = sint;
	r->size = size;
	memcpy(r->payload, &h, sizeof(h));
	return true;
}

/* Whether this host can honour the request as it came: version, connection, SINT, VTL. */
static bool contact_acceptable(const struct vmbus_initiate_contact *m, uint32_t connection_id)
{
	uint32_t v = m->version_requested;

	if (!version_supported(v))
		return false;
	if (v < VMBUS_VERSION_WIN10_V5)
		return connection_id == VMBUS_CONNECTION_ID_LEGACY;
	if (connection_id != VMBUS_CONNECTION_ID_V5 || m->msg_sint >= HV_SINT_COUNT)
		return false;
	return v < VMBUS_VERSION_WIN10_V5_1 || m->msg_vtl == 0; /* VTL 0 is the only one served */
}

/* Where the VERSION_RESPONSE to m goes: the SINT m asked for if it is one, else SINT 2. */
static uint8_t contact_sint(const struct vmbus_initiate_contact *m)
{
	if (m->version_requested < VMBUS_VERSION_WIN10_V5 || m->msg_sint >= HV_SINT_COUNT)
		return VMBUS_MESSAGE_SINT;
	return m->msg_sint;
}

/* ... and to which VP: before 3.0 always VP 0. */
static uint32_t contact_vp(const struct vmbus_initiate_contact *m)
{
	return m->version_requested >= VMBUS_VERSION_WIN8_1 ? m->target_vcpu : 0;
}

/*
 * Accepted: msg_conn_id is where the later posts go from 5.0 on; before, the
 * version itself (Linux ignores it there).
 */
static void version_response(struct vmbus_reply *r, uint32_t version, bool accepted)
{
	struct vmbus_version_response resp = { .header.type = VMBUS_MSG_VERSION_RESPONSE };

	if (accepted) {
		resp.version_supported = 1;
		resp.connection_state = VMBUS_CONNECTION_SUCCESSFUL;
		resp.msg_conn_id = version >= VMBUS_VERSION_WIN10_V5 ? VMBUS_CONNECTION_ID_LEGACY
								     : version;
	}
	memcpy(r->payload, &resp, sizeof(resp));
}

static bool initiate_contact(struct vmbus_state *s, uint32_t connection_id, const void *payload,
			     uint32_t size, uint32_t vp_count, struct vmbus_reply *r)
{
	struct vmbus_initiate_contact m;
	bool accepted;

	if (size < SIZE_INITIATE_CONTACT)
		return false;
	memcpy(&m, payload, sizeof(m));
	if (!reply_start(r, contact_vp(&m), contact_sint(&m), VMBUS_MSG_VERSION_RESPONSE,
			 SIZE_VERSION_RESPONSE, vp_count))
		return false;
	accepted = contact_acceptable(&m, connection_id);
	/* A new contact ends the old connection, whatever its outcome. */
	*s = (struct vmbus_state){ 0 };
	if (accepted)
		*s = (struct vmbus_state){ m.version_requested, r->vp, r->sint };
	version_response(r, m.version_requested, accepted);
	return true;
}

/* No channel to offer: the end of the offers at once. */
static bool request_offers(const struct vmbus_state *s, uint32_t vp_count, struct vmbus_reply *r)
{
	if (!s->version)
		return false;
	return reply_start(r, s->target_vp, s->sint, VMBUS_MSG_ALLOFFERS_DELIVERED, SIZE_HEADER,
			   vp_count);
}

static bool unload(struct vmbus_state *s, uint32_t vp_count, struct vmbus_reply *r)
{
	uint32_t vp = s->version ? s->target_vp : 0;
	uint8_t sint = s->version ? s->sint : VMBUS_MESSAGE_SINT;

	*s = (struct vmbus_state){ 0 };
	return reply_start(r, vp, sint, VMBUS_MSG_UNLOAD_RESPONSE, SIZE_HEADER, vp_count);
}

bool vmbus_control_message(struct vmbus_state *s, uint32_t connection_id, const void *payload,
			   uint32_t size, uint32_t vp_count, struct vmbus_reply *reply)
{
	struct vmbus_msg_header h;

	if (!vmbus_is_control_connection(connection_id) || size < SIZE_HEADER ||
	    size > HV_MESSAGE_PAYLOAD_MAX)
		return false;
	memcpy(&h, payload, sizeof(h));
	switch (h.type) {
	case VMBUS_MSG_INITIATE_CONTACT:
		return initiate_contact(s, connection_id, payload, size, vp_count, reply);
	case VMBUS_MSG_REQUESTOFFERS:
		return request_offers(s, vp_count, reply);
	case VMBUS_MSG_UNLOAD:
		return unload(s, vp_count, reply);
	}
	return false;
}
