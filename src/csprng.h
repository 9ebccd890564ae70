/*
 * Randomness for identifiers that leave the machine (Call-IDs, tags,
 * branches, SSRCs, SDP session ids, SOCKS credentials) and for keys. All of
 * it comes from OpenSSL's CSPRNG; if that fails, onionsip stops rather than
 * send something guessable.
 */
#ifndef ONIONSIP_CSPRNG_H
#define ONIONSIP_CSPRNG_H

#include <stddef.h>
#include <stdint.h>

void csprng_bytes(void *buf, size_t len);
uint32_t csprng_u32(void);
uint64_t csprng_u64(void);
uint32_t csprng_uniform(uint32_t upper);
void csprng_token(char *dst, size_t len);

#endif
