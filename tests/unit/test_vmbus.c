/* Host unit tests of the VMBus control channel with zero channels (synic/vmbus.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "synic/vmbus.h"

#define VP_COUNT 4
#define POISON   0xa5

#define V(major, minor) VMBUS_VERSION(major, minor)

static struct vmbus_state st;
static struct vmbus_reply reply;
static uint8_t msg[HV_MESSAGE_PAYLOAD_MAX];	/* the guest's payload, built byte by byte */

static int setup(void **state)
{
	(void)state;
	memset(&st, 0, sizeof(st));
	memset(&reply, POISON, sizeof(reply));
	memset(msg, 0, sizeof(msg));
	return 0;
}

/* ---- building the guest's messages (little endian, at the offsets of the spec) ---- */

static void put32(unsigned int off, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++)
		msg[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(unsigned int off, uint64_t v)
{
	put32(off, (uint32_t)v);
	put32(off + 4, (uint32_t)(v >> 32));
}

/* A bare message of type: 8 bytes. */
static uint32_t bare(uint32_t type)
{
	memset(msg, 0, sizeof(msg));
	put32(0, type);
	return 8;
}

/* INITIATE_CONTACT as Linux builds it for 5.0 and later: 40 bytes. */
static uint32_t contact_v5(uint32_t version, uint32_t vp, uint8_t sint, uint8_t vtl)
{
	bare(VMBUS_MSG_INITIATE_CONTACT);
	put32(8, version);
	put32(12, vp);
	msg[16] = sint;
	msg[17] = vtl;
	put64(24, 0x7f001000);
	put64(32, 0x7f002000);
	return 40;
}

/* INITIATE_CONTACT as Linux builds it before 5.0: the interrupt page at +16. */
static uint32_t contact_legacy(uint32_t version, uint32_t vp, uint64_t interrupt_page)
{
	bare(VMBUS_MSG_INITIATE_CONTACT);
	put32(8, version);
	put32(12, vp);
	put64(16, interrupt_page);
	put64(24, 0x7f001000);
	put64(32, 0x7f002000);
	return 40;
}

static bool post(uint32_t connection_id, uint32_t size)
{
	memset(&reply, POISON, sizeof(reply));
	return vmbus_control_message(&st, connection_id, msg, size, VP_COUNT, &reply);
}

/* ---- checking the host's replies ---- */

/* The reply goes to vp/sint and holds exactly the size bytes expected, then zeros. */
static void assert_reply(uint32_t vp, uint8_t sint, const uint8_t *expected, uint32_t size)
{
	assert_int_equal(reply.vp, vp);
	assert_int_equal(reply.sint, sint);
	assert_int_equal(reply.size, size);
	assert_memory_equal(reply.payload, expected, size);
	for (unsigned int i = size; i < HV_MESSAGE_PAYLOAD_MAX; i++)
		assert_int_equal(reply.payload[i], 0);
}

static void assert_version_response(uint32_t vp, uint8_t sint, uint8_t supported, uint32_t conn_id)
{
	const uint8_t expected[16] = {
		15, 0, 0, 0, 0, 0, 0, 0,		/* VERSION_RESPONSE, padding */
		supported, 0, 0, 0,	/* version_supported, connection_state 0, padding */
		(uint8_t)conn_id, (uint8_t)(conn_id >> 8),	/* msg_conn_id */
		(uint8_t)(conn_id >> 16), (uint8_t)(conn_id >> 24),
	};

	assert_reply(vp, sint, expected, sizeof(expected));
}

static void assert_accepted(uint32_t vp, uint8_t sint, uint32_t conn_id)
{
	assert_version_response(vp, sint, 1, conn_id);
}

static void assert_refused(uint32_t vp, uint8_t sint)
{
	assert_version_response(vp, sint, 0, 0);
	assert_int_equal(st.version, 0);
}

static void assert_bare_reply(uint32_t vp, uint8_t sint, uint8_t type)
{
	const uint8_t expected[8] = { type, 0, 0, 0, 0, 0, 0, 0 };

	assert_reply(vp, sint, expected, sizeof(expected));
}

static void assert_state(uint32_t version, uint32_t vp, uint8_t sint)
{
	assert_int_equal(st.version, version);
	assert_int_equal(st.target_vp, vp);
	assert_int_equal(st.sint, sint);
}

static void connect_53(uint32_t vp)
{
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), vp, 2, 0)));
	assert_state(V(5, 3), vp, 2);
}

/* ---- tests ---- */

static void test_control_connections_are_1_and_4(void **state)
{
	(void)state;
	assert_true(vmbus_is_control_connection(1));
	assert_true(vmbus_is_control_connection(4));
	assert_false(vmbus_is_control_connection(0));
	assert_false(vmbus_is_control_connection(2));
	assert_false(vmbus_is_control_connection(3));
	assert_false(vmbus_is_control_connection(5));
	assert_false(vmbus_is_control_connection(0x01000001));
}

/* What Linux 6.1's vmbus_connect(), vmbus_request_offers(), vmbus_initiate_unload() send. */
static void test_linux_61_handshake(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), 1, VMBUS_MESSAGE_SINT, 0)));
	assert_accepted(1, 2, VMBUS_CONNECTION_ID_LEGACY);
	assert_state(V(5, 3), 1, 2);

	/* Later posts go to msg_conn_id (1). */
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
	assert_bare_reply(1, 2, VMBUS_MSG_ALLOFFERS_DELIVERED);
	assert_state(V(5, 3), 1, 2);

	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_UNLOAD)));
	assert_bare_reply(1, 2, VMBUS_MSG_UNLOAD_RESPONSE);
	assert_state(0, 0, 0);

	/* ... and the next kernel (kexec) connects again. */
	connect_53(0);
}

/* Newer kernels try 6.0 first; the refusal makes them fall back. */
static void test_60_refused_then_53_accepted(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(6, 0), 0, 2, 0)));
	assert_refused(0, 2);
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), 0, 2, 0)));
	assert_accepted(0, 2, 1);
	assert_state(V(5, 3), 0, 2);
}

/* Each version Linux 6.1 tries, on the connection it uses for it (hv_vmbus.max_version=). */
static void test_every_linux_version_accepted(void **state)
{
	static const uint32_t v5[] = { V(5, 3), V(5, 2), V(5, 1), V(5, 0) };
	static const uint32_t legacy[] = { V(4, 1), V(4, 0), V(3, 0), V(2, 4) };

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(v5[i], 0, 2, 0)));
		assert_accepted(0, 2, VMBUS_CONNECTION_ID_LEGACY);
		assert_int_equal(st.version, v5[i]);
	}
	for (unsigned int i = 0; i < 4; i++) {
		uint32_t size = contact_legacy(legacy[i], 0, 0x7f003000);

		assert_true(post(VMBUS_CONNECTION_ID_LEGACY, size));
		assert_accepted(0, 2, legacy[i]);	/* before 5.0: the version */
		assert_int_equal(st.version, legacy[i]);
	}
}

static void test_other_versions_refused(void **state)
{
	static const uint32_t v5[] = { V(6, 0), V(5, 4), V(7, 0), 0xffffffff };
	static const uint32_t legacy[] = { V(0, 13), V(1, 1), V(4, 2), V(3, 1), 0 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(v5); i++) {
		assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(v5[i], 3, 2, 0)));
		assert_refused(3, 2);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(legacy); i++) {
		assert_true(post(VMBUS_CONNECTION_ID_LEGACY, contact_legacy(legacy[i], 0, 0)));
		assert_refused(0, 2);
	}
}

/* Before 5.0, +16 is the interrupt page, not a SINT: the reply goes to SINT 2 whatever it holds. */
static void test_41_on_connection_1_goes_to_sint_2(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, contact_legacy(V(4, 1), 3, 0x12345ff)));
	assert_accepted(3, 2, V(4, 1));
	assert_state(V(4, 1), 3, 2);
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
	assert_bare_reply(3, 2, VMBUS_MSG_ALLOFFERS_DELIVERED);
}

/* Before 3.0 (Windows 8.1) the host's messages always went to VP 0. */
static void test_24_replies_to_vp_0(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, contact_legacy(V(2, 4), 3, 0)));
	assert_accepted(0, 2, V(2, 4));
	assert_state(V(2, 4), 0, 2);
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, contact_legacy(V(2, 4), 99, 0)));
	assert_accepted(0, 2, V(2, 4));
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, contact_legacy(V(3, 0), 3, 0)));
	assert_accepted(3, 2, V(3, 0));
}

static void test_short_and_oversized_messages_ignored(void **state)
{
	(void)state;
	bare(VMBUS_MSG_UNLOAD);
	assert_false(post(1, 0));
	assert_false(post(1, 4));
	assert_false(post(1, 7));
	assert_false(post(1, HV_MESSAGE_PAYLOAD_MAX + 1));
	assert_false(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), 0, 2, 0) - 1));
	assert_false(post(VMBUS_CONNECTION_ID_V5, 8));
	assert_state(0, 0, 0);

	connect_53(0);
	bare(VMBUS_MSG_REQUESTOFFERS);
	assert_false(post(1, 7));
	assert_false(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), 1, 2, 0) - 1));
	assert_state(V(5, 3), 0, 2);
}

/* Longer messages are fine: 6.0-style INITIATE_CONTACT carry a client id after the 40 bytes. */
static void test_longer_contact_accepted(void **state)
{
	(void)state;
	contact_v5(V(5, 3), 2, 2, 0);
	memset(&msg[40], 0xcc, 16);
	assert_true(post(VMBUS_CONNECTION_ID_V5, 56));
	assert_accepted(2, 2, 1);
}

static void test_unknown_types_ignored(void **state)
{
	static const uint32_t types[] = {
		0, 1, 2, 4, 5, 8, 13, 15, 17, 18, 21, 22, 24, 0x80000000, 0xffffffff,
	};

	(void)state;
	connect_53(0);
	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		assert_false(post(VMBUS_CONNECTION_ID_LEGACY, bare(types[i])));
		assert_false(post(VMBUS_CONNECTION_ID_V5, bare(types[i])));
	}
	assert_state(V(5, 3), 0, 2);
}

static void test_requestoffers_before_connect_ignored(void **state)
{
	(void)state;
	assert_false(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
	assert_false(post(VMBUS_CONNECTION_ID_V5, bare(VMBUS_MSG_REQUESTOFFERS)));

	/* Nor after a refusal, nor after UNLOAD. */
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(6, 0), 0, 2, 0)));
	assert_false(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
	connect_53(0);
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_UNLOAD)));
	assert_false(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
}

/* Nobody could receive the answer: ignored, and the state is left as it was. */
static void test_target_vp_out_of_range_ignored(void **state)
{
	(void)state;
	assert_false(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), VP_COUNT, 2, 0)));
	assert_false(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(6, 0), 0xffffffff, 2, 0)));
	assert_false(post(VMBUS_CONNECTION_ID_LEGACY, contact_legacy(V(4, 1), VP_COUNT, 0)));
	assert_state(0, 0, 0);

	connect_53(VP_COUNT - 1);
	assert_accepted(VP_COUNT - 1, 2, 1);
	assert_false(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), VP_COUNT, 2, 0)));
	assert_state(V(5, 3), VP_COUNT - 1, 2);
}

/* Not a SINT: refused, to SINT 2 (the only one such a guest may be listening on). */
static void test_msg_sint_16_refused(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), 1, 16, 0)));
	assert_refused(1, 2);
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 0), 1, 0xff, 0)));
	assert_refused(1, 2);
}

/* Any SINT 0..15 may be asked for from 5.0 on; the later replies go there too. */
static void test_msg_sint_honoured(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 2), 2, 15, 0)));
	assert_accepted(2, 15, 1);
	assert_state(V(5, 2), 2, 15);
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
	assert_bare_reply(2, 15, VMBUS_MSG_ALLOFFERS_DELIVERED);
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_UNLOAD)));
	assert_bare_reply(2, 15, VMBUS_MSG_UNLOAD_RESPONSE);
}

/* 5.0 and later must come on connection 4, older versions on 1: the other way round is refused. */
static void test_wrong_connection_for_version_refused(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, contact_v5(V(5, 3), 1, 3, 0)));
	assert_refused(1, 3);
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_legacy(V(4, 1), 1, 0)));
	assert_refused(1, 2);
}

static void test_other_connections_ignored(void **state)
{
	(void)state;
	assert_false(post(0, contact_v5(V(5, 3), 0, 2, 0)));
	assert_false(post(2, contact_v5(V(5, 3), 0, 2, 0)));
	assert_false(post(3, contact_legacy(V(4, 1), 0, 0)));
	assert_state(0, 0, 0);
	connect_53(0);
	assert_false(post(2, bare(VMBUS_MSG_REQUESTOFFERS)));
	assert_false(post(5, bare(VMBUS_MSG_UNLOAD)));
	assert_state(V(5, 3), 0, 2);
}

/* From 5.1 on +17 names the client's VTL; only VTL 0 is served. In 5.0 it was padding. */
static void test_msg_vtl(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 3), 0, 2, 2)));
	assert_refused(0, 2);
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 1), 0, 2, 1)));
	assert_refused(0, 2);
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 0), 0, 2, 1)));
	assert_accepted(0, 2, 1);
}

/* A kexec'd kernel may contact again without UNLOAD: answered, the new target wins. */
static void test_second_contact_renegotiates(void **state)
{
	(void)state;
	connect_53(0);
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(5, 2), 3, 4, 0)));
	assert_accepted(3, 4, 1);
	assert_state(V(5, 2), 3, 4);

	/* A refused one ends the old connection. */
	assert_true(post(VMBUS_CONNECTION_ID_V5, contact_v5(V(6, 0), 1, 2, 0)));
	assert_refused(1, 2);
	assert_false(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
}

/* Both control connections carry the later messages, whatever msg_conn_id said. */
static void test_later_messages_on_either_connection(void **state)
{
	(void)state;
	connect_53(2);
	assert_true(post(VMBUS_CONNECTION_ID_V5, bare(VMBUS_MSG_REQUESTOFFERS)));
	assert_bare_reply(2, 2, VMBUS_MSG_ALLOFFERS_DELIVERED);
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_REQUESTOFFERS)));
	assert_bare_reply(2, 2, VMBUS_MSG_ALLOFFERS_DELIVERED);
	assert_true(post(VMBUS_CONNECTION_ID_V5, bare(VMBUS_MSG_UNLOAD)));
	assert_bare_reply(2, 2, VMBUS_MSG_UNLOAD_RESPONSE);
	assert_state(0, 0, 0);
}

/* UNLOAD without a connection is still answered, to VP 0 on SINT 2. */
static void test_unload_when_not_connected(void **state)
{
	(void)state;
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, bare(VMBUS_MSG_UNLOAD)));
	assert_bare_reply(0, 2, VMBUS_MSG_UNLOAD_RESPONSE);
	assert_true(post(VMBUS_CONNECTION_ID_V5, bare(VMBUS_MSG_UNLOAD)));
	assert_bare_reply(0, 2, VMBUS_MSG_UNLOAD_RESPONSE);
	assert_state(0, 0, 0);
}

/* The padding of the guest's header and its unused fields do not matter. */
static void test_header_padding_ignored(void **state)
{
	(void)state;
	contact_v5(V(5, 3), 1, 2, 0);
	put32(4, 0xdeadbeef);
	msg[18] = 0x55;
	put32(20, 0x12345678);
	assert_true(post(VMBUS_CONNECTION_ID_V5, 40));
	assert_accepted(1, 2, 1);
	bare(VMBUS_MSG_REQUESTOFFERS);
	put32(4, 0xffffffff);
	assert_true(post(VMBUS_CONNECTION_ID_LEGACY, 8));
	assert_bare_reply(1, 2, VMBUS_MSG_ALLOFFERS_DELIVERED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_control_connections_are_1_and_4, setup),
		cmocka_unit_test_setup(test_linux_61_handshake, setup),
		cmocka_unit_test_setup(test_60_refused_then_53_accepted, setup),
		cmocka_unit_test_setup(test_every_linux_version_accepted, setup),
		cmocka_unit_test_setup(test_other_versions_refused, setup),
		cmocka_unit_test_setup(test_41_on_connection_1_goes_to_sint_2, setup),
		cmocka_unit_test_setup(test_24_replies_to_vp_0, setup),
		cmocka_unit_test_setup(test_short_and_oversized_messages_ignored, setup),
		cmocka_unit_test_setup(test_longer_contact_accepted, setup),
		cmocka_unit_test_setup(test_unknown_types_ignored, setup),
		cmocka_unit_test_setup(test_requestoffers_before_connect_ignored, setup),
		cmocka_unit_test_setup(test_target_vp_out_of_range_ignored, setup),
		cmocka_unit_test_setup(test_msg_sint_16_refused, setup),
		cmocka_unit_test_setup(test_msg_sint_honoured, setup),
		cmocka_unit_test_setup(test_wrong_connection_for_version_refused, setup),
		cmocka_unit_test_setup(test_other_connections_ignored, setup),
		cmocka_unit_test_setup(test_msg_vtl, setup),
		cmocka_unit_test_setup(test_second_contact_renegotiates, setup),
		cmocka_unit_test_setup(test_later_messages_on_either_connection, setup),
		cmocka_unit_test_setup(test_unload_when_not_connected, setup),
		cmocka_unit_test_setup(test_header_padding_ignored, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
