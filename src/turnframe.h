/*
 * turnframe: framing of a TURN TCP stream (pure; RFC 8656 section 12.5).
 * Over TCP, STUN messages and ChannelData messages follow each other with
 * nothing between them: the first two bits say which (00 STUN, 01
 * ChannelData), the length field says how long, and ChannelData is padded
 * to a multiple of 4 bytes. Anything else means the stream is out of step
 * and must be closed.
 */
#ifndef ONIONSIP_TURNFRAME_H
#define ONIONSIP_TURNFRAME_H

#include <stddef.h>
#include <stdint.h>

#define TURNFRAME_STUN_HDR  20
#define TURNFRAME_CHAN_HDR  4
#define TURNFRAME_CHAN_MIN  0x4000 /* RFC 8656 channel numbers */
#define TURNFRAME_CHAN_MAX  0x4fff
#define TURNFRAME_MAX_FRAME (65535 + 20) /* the length fields' limit */
#define TURNFRAME_MAGIC	    0x2112a442

enum turnframe_kind {
	TURNFRAME_NEED_MORE, /* not a whole frame yet */
	TURNFRAME_STUN,	     /* a STUN message: payload is all of it */
	TURNFRAME_CHANNEL,   /* ChannelData: payload is the data */
	TURNFRAME_ERROR,     /* out of step: close the stream */
};

/* One frame found at the start of a buffer. */
struct turnframe {
	enum turnframe_kind kind;
	size_t total; /* bytes to consume, padding included */
	const uint8_t *payload;
	size_t payload_len;
	uint16_t channel; /* TURNFRAME_CHANNEL */
};

/*
 * Look at the start of the stream buffer p (len bytes). Fills f; the
 * payload points into p. On TURNFRAME_ERROR *why says what was wrong.
 */
enum turnframe_kind turnframe_next(
    const uint8_t *p, size_t len, struct turnframe *f, const char **why);

/* Bytes a ChannelData frame of len payload bytes takes on TCP. */
size_t turnframe_channel_size(size_t len);

/*
 * Write a ChannelData frame (header, payload, zero padding) into out.
 * Returns its size, or 0 if outsz is too small or len too big.
 */
size_t turnframe_channel_write(uint8_t *out, size_t outsz, uint16_t channel,
    const uint8_t *payload, size_t len);

#endif
