/*
 * The VMBus control channel, answered by the hypervisor itself with zero
 * channels offered: version negotiation (INITIATE_CONTACT/VERSION_RESPONSE),
 * REQUESTOFFERS/ALLOFFERS_DELIVERED and UNLOAD/UNLOAD_RESPONSE. Pure protocol
 * logic: the caller takes the guest's HvPostMessage (message type 1) and posts
 * the reply with the SynIC code (hv_message.type VMBUS_HV_MESSAGE_TYPE).
 *
 * Layouts and numbers as Linux's include/linux/hyperv.h (struct
 * vmbus_channel_initiate_contact, vmbus_channel_version_response, enum
 * vmbus_channel_message_type, VERSION_*) and drivers/hv/connection.c use them.
 */
#ifndef HV_SYNIC_VMBUS_H
#define HV_SYNIC_VMBUS_H

#include "synic/hv_tlfs.h"

#define VMBUS_CONNECTION_ID_LEGACY  1   /* VMBUS_MESSAGE_CONNECTION_ID: versions before 5.0 */
#define VMBUS_CONNECTION_ID_V5      4   /* VMBUS_MESSAGE_CONNECTION_ID_4: INITIATE_CONTACT, 5.0+ */
#define VMBUS_MESSAGE_SINT          2   /* the SINT of versions before 5.0 */
#define VMBUS_HV_MESSAGE_TYPE       1   /* hv_message.type of VMBus messages */
#define VMBUS_REPLIES_QUEUED        4   /* room for the host's replies on every SINT of every vCPU */

/* A protocol version: major in bits 31:16, minor in 15:0. */
#define VMBUS_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define VMBUS_VERSION_WIN8          VMBUS_VERSION(2, 4)
#define VMBUS_VERSION_WIN8_1        VMBUS_VERSION(3, 0)
#define VMBUS_VERSION_WIN10         VMBUS_VERSION(4, 0)
#define VMBUS_VERSION_WIN10_V4_1    VMBUS_VERSION(4, 1)
#define VMBUS_VERSION_WIN10_V5      VMBUS_VERSION(5, 0)
#define VMBUS_VERSION_WIN10_V5_1    VMBUS_VERSION(5, 1)
#define VMBUS_VERSION_WIN10_V5_2    VMBUS_VERSION(5, 2)
#define VMBUS_VERSION_WIN10_V5_3    VMBUS_VERSION(5, 3)

/* The channel message types this host reads or writes (enum vmbus_channel_message_type). */
enum vmbus_msg_type {
	VMBUS_MSG_REQUESTOFFERS       = 3,
	VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
	VMBUS_MSG_INITIATE_CONTACT    = 14,
	VMBUS_MSG_VERSION_RESPONSE    = 15,
	VMBUS_MSG_UNLOAD              = 16,
	VMBUS_MSG_UNLOAD_RESPONSE     = 17,
};

/* VERSION_RESPONSE.connection_state: 0 is success (nonzero values are failure codes). */
#define VMBUS_CONNECTION_SUCCESSFUL 0

/*
 * Every channel message starts with it; REQUESTOFFERS, ALLOFFERS_DELIVERED,
 * UNLOAD and UNLOAD_RESPONSE are only it.
 */
struct vmbus_msg_header {
	uint32_t type;                 /* +0  enum vmbus_msg_type */
	uint32_t padding;              /* +4 */
} __packed;
_Static_assert(sizeof(struct vmbus_msg_header) == 8, "channel message header");

struct vmbus_initiate_contact {
	struct vmbus_msg_header header;
	uint32_t version_requested;    /* +8 */
	uint32_t target_vcpu;          /* +12 VP index the host's messages go to (from 3.0) */
	union {
		uint64_t interrupt_page;   /* +16 before 5.0: GPA, used only with channels */
		struct {                   /* 5.0 and later */
			uint8_t msg_sint;      /* +16 SINT the host's messages go to */
			uint8_t msg_vtl;       /* +17 VTL of the client (5.1 and later) */
			uint16_t reserved;     /* +18 */
			uint32_t feature_flags; /* +20 6.0 and later */
		};
	};
	uint64_t monitor_page1;        /* +24 GPA, used only with channels */
	uint64_t monitor_page2;        /* +32 GPA, used only with channels */
} __packed;
_Static_assert(sizeof(struct vmbus_initiate_contact) == 40, "INITIATE_CONTACT");
_Static_assert(__builtin_offsetof(struct vmbus_initiate_contact, version_requested) == 8, "+8");
_Static_assert(__builtin_offsetof(struct vmbus_initiate_contact, target_vcpu) == 12, "+12");
_Static_assert(__builtin_offsetof(struct vmbus_initiate_contact, msg_sint) == 16, "+16");
_Static_assert(__builtin_offsetof(struct vmbus_initiate_contact, msg_vtl) == 17, "+17");
_Static_assert(__builtin_offsetof(struct vmbus_initiate_contact, monitor_page1) == 24, "+24");

struct vmbus_version_response {
	struct vmbus_msg_header header;
	uint8_t version_supported;     /* +8  1: accepted, 0: refused (guest tries a lower one) */
	uint8_t connection_state;      /* +9  VMBUS_CONNECTION_SUCCESSFUL */
	uint16_t padding;              /* +10 */
	uint32_t msg_conn_id;          /* +12 from 5.0: connection id of the later posts */
} __packed;
_Static_assert(sizeof(struct vmbus_version_response) == 16, "VERSION_RESPONSE");
_Static_assert(__builtin_offsetof(struct vmbus_version_response, msg_conn_id) == 12, "+12");

/* Per partition; all zero (version 0) is the initial, not connected, state. */
struct vmbus_state {
	uint32_t version;      /* negotiated, 0: not connected */
	uint32_t target_vp;    /* VP index the guest asked messages to go to */
	uint8_t sint;          /* SINT they go to */
};

struct vmbus_reply {
	uint32_t vp;           /* deliver to this VP index ... */
	uint8_t sint;          /* ... on this SINT ... */
	uint32_t size;         /* ... this many payload bytes (<= HV_MESSAGE_PAYLOAD_MAX) */
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
};

/* Whether connection_id is one the VMBus control channel listens on (1 and 4). */
bool vmbus_is_control_connection(uint32_t connection_id);

/*
 * One message the guest posted (HvPostMessage, message type 1) to the control
 * channel: payload of size bytes. Returns true and fills *reply when the host
 * answers; false when the message is ignored (unknown or short message, a
 * connection other than 1 and 4, a message before INITIATE_CONTACT other than
 * UNLOAD/INITIATE_CONTACT, a target VP >= vp_count: nobody could receive the
 * answer). vp_count is the partition's number of vCPUs.
 * An INITIATE_CONTACT this host cannot honour (version, connection, msg_sint
 * >= 16, msg_vtl) is answered with version_supported 0 (to SINT 2 when
 * msg_sint is no SINT), so the guest falls back instead of waiting forever.
 */
bool vmbus_control_message(struct vmbus_state *s, uint32_t connection_id, const void *payload,
			   uint32_t size, uint32_t vp_count, struct vmbus_reply *reply);

#endif
