/*
 * siphdr: small writers for SIP header lines and values (pure), used by
 * sipsan to build messages. Values from a received message may hold
 * folded line ends; these writers unfold them, so every written header is
 * one line. Nothing here checks privacy: that is sipsan's whitelist.
 */
#ifndef ONIONSIP_SIPHDR_H
#define ONIONSIP_SIPHDR_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Append v trimmed, with every run of white space (folded line ends
 * included) written as one space. */
int siphdr_add_value(struct buf *b, struct span v);

/* Append "Name: value\r\n" with the value unfolded. */
int siphdr_add(struct buf *b, const char *name, struct span value);

/* Append "Name: value\r\n" for a C string value. */
int siphdr_add_str(struct buf *b, const char *name, const char *value);

/* Append "Name: n\r\n". */
int siphdr_add_u32(struct buf *b, const char *name, uint32_t n);

/* Append a name-addr: ["display" ]<uri>[;tag=tag]. display is written
 * quoted with '"' and '\' escaped; NULL or "" writes none. */
int siphdr_add_nameaddr(
    struct buf *b, const char *display, const char *uri, const char *tag);

/* True if s is a token (RFC 3261 25.1): alphanum and -.!%*_+`'~ */
bool siphdr_is_token(struct span s);

/* True if every byte of s is printable ASCII or UTF-8 (no CTL but HT). */
bool siphdr_is_text(struct span s);

#endif
