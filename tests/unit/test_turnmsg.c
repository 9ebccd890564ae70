#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "turnmsg.h"

static const uint8_t tid[TURNMSG_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	12 };

/* True if the STUN message p carries attribute type. */
static bool
has_attr(const uint8_t *p, size_t len, uint16_t type)
{
	size_t off = 20, alen;

	while (off + 4 <= len) {
		if ((p[off] << 8 | p[off + 1]) == type)
			return true;
		alen = (size_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4 + ((alen + 3) & ~(size_t)3);
	}
	return false;
}

/* Append an attribute to a hand-made server message. */
static size_t
put_attr(uint8_t *p, size_t off, uint16_t type, const void *v, size_t len)
{
	p[off] = type >> 8;
	p[off + 1] = type & 0xff;
	p[off + 2] = (uint8_t)(len >> 8);
	p[off + 3] = len & 0xff;
	memcpy(p + off + 4, v, len);
	len = (len + 3) & ~(size_t)3;
	return off + 4 + len;
}

/* Start a hand-made server message of type. */
static void
put_hdr(uint8_t *p, uint16_t type, size_t total)
{
	p[0] = type >> 8;
	p[1] = type & 0xff;
	p[2] = (uint8_t)((total - 20) >> 8);
	p[3] = (total - 20) & 0xff;
	p[4] = 0x21;
	p[5] = 0x12;
	p[6] = 0xa4;
	p[7] = 0x42;
	memcpy(p + 8, tid, 12);
}

static void
test_first_allocate(void **state)
{
	struct turnmsg_req req = { 0 };
	uint8_t out[TURNMSG_MAX_MSG];
	size_t n;

	req.method = TURNMSG_ALLOCATE;
	req.cls = TURNMSG_REQUEST;
	memcpy(req.tid, tid, sizeof(tid));
	req.req_transport_udp = true;
	n = turnmsg_build(&req, NULL, out, sizeof(out));
	assert_int_equal(n, 28);
	assert_int_equal(out[0] << 8 | out[1], 0x0003);
	assert_memory_equal(out + 8, tid, 12);
	assert_true(has_attr(out, n, 0x0019));
	/* No SOFTWARE, no FINGERPRINT: nothing that names the software. */
	assert_false(has_attr(out, n, 0x8022));
	assert_false(has_attr(out, n, 0x8028));
}

static void
test_authenticated_roundtrip(void **state)
{
	struct turnmsg_req req = { 0 };
	struct turnmsg_auth auth = { "alice", "test.example", "n0nce", { 0 } };
	struct turnmsg_parsed m;
	struct sockaddr_in peer = { 0 };
	uint8_t out[TURNMSG_MAX_MSG], wrong[TURNMSG_KEY_LEN] = { 0 };
	const char *why = NULL;
	size_t n;

	turnmsg_key("alice", "test.example", "secret", auth.key);
	peer.sin_family = AF_INET;
	peer.sin_port = htons(49200);
	peer.sin_addr.s_addr = htonl(0x7f000001);
	req.method = TURNMSG_CHANBIND;
	req.cls = TURNMSG_REQUEST;
	memcpy(req.tid, tid, sizeof(tid));
	req.peer = (const struct sockaddr *)&peer;
	req.channel = 0x4001;
	n = turnmsg_build(&req, &auth, out, sizeof(out));
	assert_true(n > 20);
	assert_true(has_attr(out, n, 0x0008)); /* MESSAGE-INTEGRITY */
	assert_true(has_attr(out, n, 0x0006)); /* USERNAME */
	assert_false(has_attr(out, n, 0x8022));
	assert_int_equal(
	    turnmsg_parse(out, n, auth.key, TURNMSG_KEY_LEN, &m, &why), 0);
	assert_int_equal(m.method, TURNMSG_CHANBIND);
	assert_true(m.has_integrity);
	assert_true(m.integrity_ok);
	assert_true(m.has_peer);
	assert_int_equal(
	    ((struct sockaddr_in *)&m.peer)->sin_port, htons(49200));
	assert_string_equal(m.realm, "test.example");
	assert_int_equal(
	    turnmsg_parse(out, n, wrong, sizeof(wrong), &m, &why), 0);
	assert_false(m.integrity_ok);
}

static void
test_key_is_md5(void **state)
{
	uint8_t key[TURNMSG_KEY_LEN];
	/* md5("alice:test.example:secret") */
	static const uint8_t want[] = { 0x21, 0x47, 0x00, 0x1b, 0x1f, 0xc0,
		0x9b, 0x16, 0xec, 0x4b, 0x82, 0xba, 0xf0, 0x36, 0xbe, 0x03 };

	turnmsg_key("alice", "test.example", "secret", key);
	assert_memory_equal(key, want, sizeof(want));
}

static void
test_parse_401(void **state)
{
	uint8_t p[256];
	uint8_t ec[16] = { 0, 0, 4, 1, 'U', 'n', 'a', 'u', 't', 'h' };
	struct turnmsg_parsed m;
	const char *why = NULL;
	size_t off = 20;

	off = put_attr(p, off, 0x0009, ec, 10);
	off = put_attr(p, off, 0x0014, "test.example", 12);
	off = put_attr(p, off, 0x0015, "abcdef0123", 10);
	put_hdr(p, 0x0113, off);
	assert_int_equal(turnmsg_parse(p, off, NULL, 0, &m, &why), 0);
	assert_int_equal(m.cls, TURNMSG_ERROR);
	assert_int_equal(m.method, TURNMSG_ALLOCATE);
	assert_int_equal(m.error_code, 401);
	assert_string_equal(m.realm, "test.example");
	assert_string_equal(m.nonce, "abcdef0123");
	assert_memory_equal(m.tid, tid, 12);
}

static void
test_parse_relayed_and_data(void **state)
{
	uint8_t p[256];
	/* XOR-RELAYED-ADDRESS 127.0.0.1:49152 */
	uint8_t xa[8] = { 0, 1, 0xc0 ^ 0x21, 0x00 ^ 0x12, 0x7f ^ 0x21,
		0x00 ^ 0x12, 0x00 ^ 0xa4, 0x01 ^ 0x42 };
	uint8_t lt[4] = { 0, 0, 0x02, 0x58 };
	struct turnmsg_parsed m;
	const char *why = NULL;
	size_t off = 20;

	off = put_attr(p, off, 0x0016, xa, 8);
	off = put_attr(p, off, 0x000d, lt, 4);
	off = put_attr(p, off, 0x0013, "hello", 5);
	put_hdr(p, 0x0103, off);
	assert_int_equal(turnmsg_parse(p, off, NULL, 0, &m, &why), 0);
	assert_true(m.has_relayed);
	assert_int_equal(
	    ((struct sockaddr_in *)&m.relayed)->sin_port, htons(49152));
	assert_int_equal(((struct sockaddr_in *)&m.relayed)->sin_addr.s_addr,
	    htonl(0x7f000001));
	assert_true(m.has_lifetime);
	assert_int_equal(m.lifetime, 600);
	assert_int_equal(m.datalen, 5);
	assert_memory_equal(m.data, "hello", 5);
	assert_false(m.has_integrity);
}

static void
test_parse_garbage(void **state)
{
	uint8_t p[24] = { 0x01, 0x13, 0, 4, 0x21, 0x12, 0xa4, 0x42 };
	struct turnmsg_parsed m;
	const char *why = NULL;

	/* Attribute header claims more than there is. */
	p[20] = 0;
	p[21] = 0x14;
	p[22] = 0;
	p[23] = 40;
	assert_int_equal(turnmsg_parse(p, sizeof(p), NULL, 0, &m, &why), -1);
	assert_non_null(why);
	assert_int_equal(turnmsg_parse(p, 10, NULL, 0, &m, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_allocate),
		cmocka_unit_test(test_authenticated_roundtrip),
		cmocka_unit_test(test_key_is_md5),
		cmocka_unit_test(test_parse_401),
		cmocka_unit_test(test_parse_relayed_and_data),
		cmocka_unit_test(test_parse_garbage),
	};

	return cmocka_run_group_tests_name("turnmsg", tests, NULL, NULL);
}
