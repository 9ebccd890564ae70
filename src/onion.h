/*
 * onion: onionsip's onion identity. A v3 onion address is an Ed25519
 * public key (rend-spec-v3 section 6): base32(pubkey | checksum | 0x03)
 * with checksum = SHA3-256(".onion checksum" | pubkey | 0x03)[:2]. The key
 * is made and kept by onionsip (OpenSSL, PKCS#8 PEM, 0600) and handed to
 * tor in the expanded form ADD_ONION takes, so the address is known before
 * tor runs and survives restarts. Also the x25519 keys of v3 client
 * authorization (private services).
 */
#ifndef ONIONSIP_ONION_H
#define ONIONSIP_ONION_H

#include <stddef.h>
#include <stdint.h>

#define ONION_ADDR_LEN	   56 /* v3 address without ".onion" */
#define ONION_KEY_FILE	   "onion_secret_key.pem"
#define ONION_CLIENT_B32   52  /* base32 of a 32-byte x25519 key */
#define ONION_ADDONION_MAX 128 /* "ED25519-V3:" + base64 of 64 bytes */

/* Our identity; secret, zeroed by onion_key_clear(). */
struct onion_key {
	uint8_t seed[32]; /* the Ed25519 secret (RFC 8032 private key) */
	uint8_t pub[32];
	char address[ONION_ADDR_LEN + 1];
};

/* Pure helpers. */
size_t onion_base32_encode(
    const uint8_t *in, size_t len, char *out, size_t outlen, int upper);
int
onion_base32_decode(const char *in, size_t len, uint8_t *out, size_t outlen);
void onion_address_from_pubkey(const uint8_t pub[32], char *out);
int onion_address_parse(const char *s, uint8_t pub[32]);
int onion_expand_secret(const uint8_t seed[32], uint8_t out[64]);
int onion_addonion_keyblob(const struct onion_key *k, char *out, size_t outlen);

/* Keys (OpenSSL). */
int onion_key_from_seed(const uint8_t seed[32], struct onion_key *k);
int onion_key_load_or_create(
    const char *dir, struct onion_key *k, char *err, size_t errlen);
void onion_key_clear(struct onion_key *k);
int onion_client_keygen(char *pub_b32, char *priv_b32);
int onion_client_key_check(const char *b32);

#endif
