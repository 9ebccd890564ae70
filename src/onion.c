#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "onion.h"
#include "xmalloc.h"

#define ONION_VERSION 3

/* RFC 4648 base32 without padding; returns the length written. */
size_t
onion_base32_encode(
    const uint8_t *in, size_t len, char *out, size_t outlen, int upper)
{
	const char *alpha = upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
				  : "abcdefghijklmnopqrstuvwxyz234567";
	size_t i, o = 0, need = (len * 8 + 4) / 5;
	unsigned int acc = 0, bits = 0;

	if (outlen < need + 1)
		return 0;
	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alpha[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

/* Decode unpadded base32 (either case); exactly outlen bytes, or -1. */
int
onion_base32_decode(const char *in, size_t len, uint8_t *out, size_t outlen)
{
	unsigned int acc = 0, bits = 0, v;
	size_t i, o = 0;
	char c;

	if (len != (outlen * 8 + 4) / 5)
		return -1;
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c >= 'a' && c <= 'z')
			v = (unsigned int)(c - 'a');
		else if (c >= 'A' && c <= 'Z')
			v = (unsigned int)(c - 'A');
		else if (c >= '2' && c <= '7')
			v = (unsigned int)(c - '2' + 26);
		else
			return -1;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			if (o == outlen)
				return -1;
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= 0xff;
	}
	/* The leftover bits must be zero (one encoding per key). */
	if (o != outlen || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return 0;
}

/* SHA3-256(".onion checksum" | pub | version)[:2]. */
static int
onion_checksum(const uint8_t pub[32], uint8_t out[2])
{
	static const char prefix[] = ".onion checksum";
	uint8_t ver = ONION_VERSION, md[32];
	unsigned int mdlen = sizeof(md);
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha3_256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, prefix, sizeof(prefix) - 1) == 1 &&
	    EVP_DigestUpdate(ctx, pub, 32) == 1 &&
	    EVP_DigestUpdate(ctx, &ver, 1) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	memcpy(out, md, 2);
	return 0;
}

/* The 56-character address of a public key (out holds 57 bytes). */
void
onion_address_from_pubkey(const uint8_t pub[32], char *out)
{
	uint8_t raw[35];

	memcpy(raw, pub, 32);
	if (onion_checksum(pub, raw + 32) != 0)
		abort(); /* SHA3 missing from libcrypto: a broken install */
	raw[34] = ONION_VERSION;
	onion_base32_encode(raw, sizeof(raw), out, ONION_ADDR_LEN + 1, 0);
}

/*
 * Check a v3 address (56 characters, optional ".onion") and return its
 * public key: right length, base32, version 3, checksum. 0 or -1.
 */
int
onion_address_parse(const char *s, uint8_t pub[32])
{
	uint8_t raw[35], ck[2];
	size_t len = strlen(s);

	if (len == ONION_ADDR_LEN + 6 &&
	    strcasecmp(s + ONION_ADDR_LEN, ".onion") == 0)
		len = ONION_ADDR_LEN;
	if (len != ONION_ADDR_LEN ||
	    onion_base32_decode(s, len, raw, sizeof(raw)) != 0)
		return -1;
	if (raw[34] != ONION_VERSION || onion_checksum(raw, ck) != 0 ||
	    memcmp(ck, raw + 32, 2) != 0)
		return -1;
	if (pub != NULL)
		memcpy(pub, raw, 32);
	return 0;
}

/*
 * The expanded secret tor keeps (RFC 8032 5.1.5): SHA-512 of the seed,
 * the first half clamped.
 */
int
onion_expand_secret(const uint8_t seed[32], uint8_t out[64])
{
	unsigned int len = 64;

	if (EVP_Digest(seed, 32, out, &len, EVP_sha512(), NULL) != 1)
		return -1;
	out[0] &= 248;
	out[31] &= 127;
	out[31] |= 64;
	return 0;
}

/* "ED25519-V3:<base64 of the expanded secret>" for ADD_ONION. */
int
onion_addonion_keyblob(const struct onion_key *k, char *out, size_t outlen)
{
	uint8_t ex[64];
	int n;

	if (outlen < ONION_ADDONION_MAX ||
	    onion_expand_secret(k->seed, ex) != 0)
		return -1;
	memcpy(out, "ED25519-V3:", 11);
	n = EVP_EncodeBlock((unsigned char *)out + 11, ex, sizeof(ex));
	explicit_bzero(ex, sizeof(ex));
	return n == 88 ? 0 : -1;
}

/* Fill k from an Ed25519 seed: derive the public key and address. */
int
onion_key_from_seed(const uint8_t seed[32], struct onion_key *k)
{
	EVP_PKEY *pk;
	size_t len = 32;
	int ok;

	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (pk == NULL)
		return -1;
	ok = EVP_PKEY_get_raw_public_key(pk, k->pub, &len) == 1 && len == 32;
	EVP_PKEY_free(pk);
	if (!ok)
		return -1;
	memcpy(k->seed, seed, 32);
	onion_address_from_pubkey(k->pub, k->address);
	return 0;
}

/* Read the key file: ours, not readable by others, an Ed25519 key. */
static int
onion_key_read(const char *path, struct onion_key *k, char *err, size_t errlen)
{
	uint8_t seed[32];
	size_t len = sizeof(seed);
	struct stat st;
	EVP_PKEY *pk;
	FILE *fp;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: not a regular file of ours", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
		    "%s: group or others can read it; chmod 600 it and "
		    "consider the key burnt if others did",
		    path);
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (pk == NULL || EVP_PKEY_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_private_key(pk, seed, &len) != 1 || len != 32)
		snprintf(err, errlen, "%s: not an Ed25519 PKCS#8 key", path);
	else if (onion_key_from_seed(seed, k) != 0)
		snprintf(err, errlen, "%s: cannot derive the public key", path);
	else
		rc = 0;
	EVP_PKEY_free(pk);
	explicit_bzero(seed, sizeof(seed));
	return rc;
}

/* Make a new key and write it (0600, never over an existing file). */
static int
onion_key_create(
    const char *path, struct onion_key *k, char *err, size_t errlen)
{
	uint8_t seed[32];
	size_t len = sizeof(seed);
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;
	FILE *fp;
	int fd, ok;

	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_keygen(ctx, &pk) == 1 &&
	    EVP_PKEY_get_raw_private_key(pk, seed, &len) == 1 && len == 32 &&
	    onion_key_from_seed(seed, k) == 0;
	EVP_PKEY_CTX_free(ctx);
	explicit_bzero(seed, sizeof(seed));
	if (!ok) {
		EVP_PKEY_free(pk);
		snprintf(err, errlen, "cannot make an Ed25519 key");
		return -1;
	}
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		EVP_PKEY_free(pk);
		onion_key_clear(k);
		return -1;
	}
	ok = PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) == 1;
	ok = fflush(fp) == 0 && fsync(fd) == 0 && ok;
	ok = fclose(fp) == 0 && ok;
	EVP_PKEY_free(pk);
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write the key", path);
		unlink(path);
		onion_key_clear(k);
		return -1;
	}
	return 0;
}

/*
 * <dir>/onion_secret_key.pem: read it, or make it on the first start.
 * dir must exist and be private (daemon_prepare_dir()).
 */
int
onion_key_load_or_create(
    const char *dir, struct onion_key *k, char *err, size_t errlen)
{
	char *path;
	int rc;

	xasprintf(&path, "%s/%s", dir, ONION_KEY_FILE);
	if (access(path, F_OK) == 0)
		rc = onion_key_read(path, k, err, errlen);
	else
		rc = onion_key_create(path, k, err, errlen);
	free(path);
	return rc;
}

/* Forget the secret. */
void
onion_key_clear(struct onion_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

/*
 * A client-authorization key pair for a friend: both base32 (52 chars +
 * NUL each), the form tor's .auth and .auth_private files take.
 */
int
onion_client_keygen(char *pub_b32, char *priv_b32)
{
	uint8_t pub[32], priv[32];
	size_t pl = 32, sl = 32;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;
	int ok;

	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_keygen(ctx, &pk) == 1 &&
	    EVP_PKEY_get_raw_private_key(pk, priv, &sl) == 1 &&
	    EVP_PKEY_get_raw_public_key(pk, pub, &pl) == 1 && sl == 32 &&
	    pl == 32;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	if (ok) {
		onion_base32_encode(pub, 32, pub_b32, ONION_CLIENT_B32 + 1, 1);
		onion_base32_encode(
		    priv, 32, priv_b32, ONION_CLIENT_B32 + 1, 1);
	}
	explicit_bzero(priv, sizeof(priv));
	return ok ? 0 : -1;
}

/* Whether s is a base32 x25519 public key (52 characters). */
int
onion_client_key_check(const char *s)
{
	uint8_t raw[32];

	if (strncmp(s, "descriptor:x25519:", 18) == 0)
		s += 18;
	return onion_base32_decode(s, strlen(s), raw, sizeof(raw));
}
