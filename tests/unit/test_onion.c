#include "test.h"

#include <sys/stat.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "onion.h"

/* RFC 8032 section 7.1, test 1; address and expansion computed apart. */
static const uint8_t seed1[32] = { 0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a,
	0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5,
	0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f,
	0x60 };
static const char addr1[] =
    "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid";
static const char blob1[] =
    "ED25519-V3:MHyDhk8oM8tCei7xwAoBPP3/J2jZgMCjpSDwBpBN6U+bTwr+KAt0aneGhOd"
    "UQlAgV7dHOgPwj5b1o46Sh+Afjw==";

static void
test_known_answer(void **state)
{
	struct onion_key k;
	char blob[ONION_ADDONION_MAX];
	uint8_t pub[32];

	assert_int_equal(onion_key_from_seed(seed1, &k), 0);
	assert_memory_equal(k.pub,
	    "\xd7\x5a\x98\x01\x82\xb1\x0a\xb7\xd5\x4b\xfe\xd3\xc9\x64\x07\x3a"
	    "\x0e\xe1\x72\xf3\xda\xa6\x23\x25\xaf\x02\x1a\x68\xf7\x07\x51\x1a",
	    32);
	assert_string_equal(k.address, addr1);
	assert_int_equal(onion_addonion_keyblob(&k, blob, sizeof(blob)), 0);
	assert_string_equal(blob, blob1);
	assert_int_equal(onion_address_parse(addr1, pub), 0);
	assert_memory_equal(pub, k.pub, 32);
	onion_key_clear(&k);
	assert_int_equal(k.address[0], '\0');
}

static void
test_address_parse(void **state)
{
	char s[80];
	size_t i;

	snprintf(s, sizeof(s), "%s.onion", addr1);
	assert_int_equal(onion_address_parse(s, NULL), 0);
	snprintf(s, sizeof(s), "%s.ONION", addr1);
	assert_int_equal(onion_address_parse(s, NULL), 0);
	/* Upper case base32 is the same key. */
	for (i = 0; addr1[i] != '\0'; i++)
		s[i] = (char)toupper((unsigned char)addr1[i]);
	s[i] = '\0';
	assert_int_equal(onion_address_parse(s, NULL), 0);
	/* One character off breaks the checksum. */
	snprintf(s, sizeof(s), "%s", addr1);
	s[10] = s[10] == 'a' ? 'b' : 'a';
	assert_int_equal(onion_address_parse(s, NULL), -1);
	/* Wrong version byte (last char encodes it). */
	snprintf(s, sizeof(s), "%s", addr1);
	s[55] = 'e';
	assert_int_equal(onion_address_parse(s, NULL), -1);
	assert_int_equal(onion_address_parse("", NULL), -1);
	assert_int_equal(onion_address_parse("abc.onion", NULL), -1);
	snprintf(s, sizeof(s), "%s", addr1);
	s[3] = '1'; /* not base32 */
	assert_int_equal(onion_address_parse(s, NULL), -1);
	/* A v2 address (16 chars) is refused. */
	assert_int_equal(
	    onion_address_parse("expyuzz4wqqyqhjn.onion", NULL), -1);
}

static void
test_base32(void **state)
{
	uint8_t raw[5];
	char out[16];

	assert_int_equal(onion_base32_encode(
			     (const uint8_t *)"hello", 5, out, sizeof(out), 1),
	    8);
	assert_string_equal(out, "NBSWY3DP");
	assert_int_equal(onion_base32_decode("nbswy3dp", 8, raw, 5), 0);
	assert_memory_equal(raw, "hello", 5);
	assert_int_equal(onion_base32_decode("nbswy3d", 7, raw, 5), -1);
	assert_int_equal(
	    onion_base32_encode((const uint8_t *)"hello", 5, out, 8, 1), 0);
}

static void
test_client_keys(void **state)
{
	char pub[ONION_CLIENT_B32 + 1], priv[ONION_CLIENT_B32 + 1];
	char line[80];

	assert_int_equal(onion_client_keygen(pub, priv), 0);
	assert_int_equal(strlen(pub), ONION_CLIENT_B32);
	assert_int_equal(onion_client_key_check(pub), 0);
	snprintf(line, sizeof(line), "descriptor:x25519:%s", pub);
	assert_int_equal(onion_client_key_check(line), 0);
	assert_int_not_equal(strcmp(pub, priv), 0);
	pub[51] = 'B'; /* nonzero padding bits: not a canonical key */
	assert_int_equal(onion_client_key_check(pub), -1);
	assert_int_equal(onion_client_key_check("AAAA"), -1);
}

static void
test_key_file(void **state)
{
	char dir[] = "/tmp/test_onion.XXXXXX", err[256], path[300];
	struct onion_key a, b;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(
	    onion_key_load_or_create(dir, &a, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, ONION_KEY_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The same key again: the address survives restarts. */
	assert_int_equal(
	    onion_key_load_or_create(dir, &b, err, sizeof(err)), 0);
	assert_string_equal(a.address, b.address);
	assert_memory_equal(a.seed, b.seed, 32);
	assert_int_equal(onion_address_parse(a.address, NULL), 0);
	/* Readable by the group: refused, the key is not used. */
	chmod(path, 0640);
	assert_int_equal(
	    onion_key_load_or_create(dir, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	/* Garbage: refused, never replaced. */
	chmod(path, 0600);
	truncate(path, 10);
	assert_int_equal(
	    onion_key_load_or_create(dir, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Ed25519"));
	unlink(path);
	rmdir(dir);
	onion_key_clear(&a);
	onion_key_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_address_parse),
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_client_keys),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
