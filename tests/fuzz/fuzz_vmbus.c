/*
 * libFuzzer target for the VMBus control channel (synic/vmbus.c): the input
 * is the partition's vCPU count (u8, 1 to 64) then a stream of the guest's
 * posts, each a connection (u8: 0x00-0x7f connection 1, 0x80-0xef
 * connection 4, 0xf0-0xff a raw u32 that follows), a payload size (u8) and
 * that many payload bytes (fewer at the end of the input). Each payload is a
 * heap copy of exactly its size, so ASan sees a read past it.
 * Beyond no sanitizer report: a reply goes to a vCPU that exists and a SINT
 * there is, is a VERSION_RESPONSE, ALLOFFERS_DELIVERED or UNLOAD_RESPONSE of
 * its exact size, zero past it, and the reply buffer's guard bytes stay; an
 * ignored message (false) changes nothing; the state is either "not
 * connected" (all zero) or a supported version to an existing vCPU and SINT,
 * and it changes only by INITIATE_CONTACT (to what the response said) or
 * UNLOAD (to not connected).
 */
#include <string.h>

#include "synic/vmbus.h"
#include "tests/fuzz/fuzz.h"

#define MAX_POSTS  64
#define GUARD_BYTE 0xa5

static const uint32_t versions[] = {
	VMBUS_VERSION_WIN8, VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN10_V4_1,
	VMBUS_VERSION_WIN10_V5, VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5_2,
	VMBUS_VERSION_WIN10_V5_3,
};

/* The reply between guard bytes: the hypervisor's is on its stack. */
static struct {
	uint8_t guard_lo[32];
	struct vmbus_reply r;
	uint8_t guard_hi[32];
} out;

static bool version_known(uint32_t v)
{
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++)
		if (versions[i] == v)
			return true;
	return false;
}

/* Field by field: the structure has padding. */
static bool same_state(const struct vmbus_state *a, const struct vmbus_state *b)
{
	return a->version == b->version && a->target_vp == b->target_vp && a->sint == b->sint;
}

static void check_state(const struct vmbus_state *s, uint32_t vp_count)
{
	static const struct vmbus_state disconnected;

	if (!s->version) {
		CHECK(same_state(s, &disconnected));
		return;
	}
	CHECK(version_known(s->version) && s->target_vp < vp_count && s->sint < HV_SINT_COUNT);
}

static bool all_bytes(const uint8_t *b, size_t n, uint8_t v)
{
	return !n || (b[0] == v && !memcmp(b, b + 1, n - 1));
}

static uint32_t reply_type(void)
{
	struct vmbus_msg_header h;

	memcpy(&h, out.r.payload, sizeof(h));
	return h.type;
}

/* The state after a VERSION_RESPONSE: what it says. */
static void check_version_response(const struct vmbus_state *s, const void *payload)
{
	struct vmbus_version_response resp;
	struct vmbus_initiate_contact m;

	memcpy(&resp, out.r.payload, sizeof(resp));
	memcpy(&m, payload, sizeof(m));
	CHECK(out.r.size == sizeof(resp) && resp.version_supported <= 1);
	if (!resp.version_supported) {
		CHECK(!s->version && !resp.msg_conn_id);
		return;
	}
	CHECK(s->version == m.version_requested);
	CHECK(s->target_vp == out.r.vp && s->sint == out.r.sint);
	CHECK(resp.msg_conn_id == (s->version >= VMBUS_VERSION_WIN10_V5 ? 1 : s->version));
}

static void check_reply(const struct vmbus_state *was, const struct vmbus_state *s,
			const void *payload, uint32_t vp_count)
{
	uint32_t type = reply_type();

	CHECK(out.r.vp < vp_count && out.r.sint < HV_SINT_COUNT);
	CHECK(out.r.size >= sizeof(struct vmbus_msg_header));
	CHECK(out.r.size <= HV_MESSAGE_PAYLOAD_MAX);
	CHECK(all_bytes(out.r.payload + out.r.size, HV_MESSAGE_PAYLOAD_MAX - out.r.size, 0));
	if (type == VMBUS_MSG_VERSION_RESPONSE) {
		check_version_response(s, payload);
	} else if (type == VMBUS_MSG_ALLOFFERS_DELIVERED) {
		CHECK(out.r.size == 8 && same_state(was, s) && s->version);
	} else {
		CHECK(type == VMBUS_MSG_UNLOAD_RESPONSE && out.r.size == 8 && !s->version);
	}
}

static uint32_t read_connection(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);

	if (sel < 0x80)
		return VMBUS_CONNECTION_ID_LEGACY;
	return sel < 0xf0 ? VMBUS_CONNECTION_ID_V5 : fuzz_u32(in);
}

static void post_one(struct fuzz_input *in, struct vmbus_state *s, uint32_t vp_count)
{
	uint32_t conn = read_connection(in), size = fuzz_u8(in);
	uint8_t *payload = malloc(size ? size : 1);
	struct vmbus_state was = *s;

	for (uint32_t i = 0; i < size; i++)
		payload[i] = fuzz_u8(in);
	memset(&out, GUARD_BYTE, sizeof(out));
	if (vmbus_control_message(s, conn, payload, size, vp_count, &out.r)) {
		CHECK(vmbus_is_control_connection(conn));
		check_reply(&was, s, payload, vp_count);
	} else {
		CHECK(same_state(&was, s));
	}
	CHECK(all_bytes(out.guard_lo, sizeof(out.guard_lo), GUARD_BYTE));
	CHECK(all_bytes(out.guard_hi, sizeof(out.guard_hi), GUARD_BYTE));
	check_state(s, vp_count);
	free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint32_t vp_count = fuzz_u8(&in) % 64 + 1;
	struct vmbus_state s = { 0 };

	for (unsigned int i = 0; i < MAX_POSTS && fuzz_more(&in); i++)
		post_one(&in, &s, vp_count);
	return 0;
}
