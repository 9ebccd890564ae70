/* TURN TCP stream framing (pure). */
#include "config.h"

#include <string.h>

#include "turnframe.h"

/* Find the frame at the start of the stream buffer. */
enum turnframe_kind
turnframe_next(
    const uint8_t *p, size_t len, struct turnframe *f, const char **why)
{
	size_t plen;

	memset(f, 0, sizeof(*f));
	f->kind = TURNFRAME_NEED_MORE;
	if (len < TURNFRAME_CHAN_HDR)
		return f->kind;
	plen = (size_t)p[2] << 8 | p[3];
	switch (p[0] >> 6) {
	case 0:
		if (plen % 4 != 0) {
			*why = "STUN length not a multiple of 4";
			return f->kind = TURNFRAME_ERROR;
		}
		if (len < 8)
			return f->kind;
		if (((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
			(uint32_t)p[6] << 8 | p[7]) != TURNFRAME_MAGIC) {
			*why = "STUN magic cookie";
			return f->kind = TURNFRAME_ERROR;
		}
		if (len < TURNFRAME_STUN_HDR + plen)
			return f->kind;
		f->total = TURNFRAME_STUN_HDR + plen;
		f->payload = p;
		f->payload_len = f->total;
		return f->kind = TURNFRAME_STUN;
	case 1:
		f->channel = (uint16_t)(p[0] << 8 | p[1]);
		if (f->channel > TURNFRAME_CHAN_MAX) {
			*why = "ChannelData channel number";
			return f->kind = TURNFRAME_ERROR;
		}
		f->total = turnframe_channel_size(plen);
		if (len < f->total)
			return f->kind;
		f->payload = p + TURNFRAME_CHAN_HDR;
		f->payload_len = plen;
		return f->kind = TURNFRAME_CHANNEL;
	default:
		*why = "neither STUN nor ChannelData";
		return f->kind = TURNFRAME_ERROR;
	}
}

/* ChannelData size on TCP: header, payload, padding to 4. */
size_t
turnframe_channel_size(size_t len)
{
	return (TURNFRAME_CHAN_HDR + len + 3) & ~(size_t)3;
}

/* Write a padded ChannelData frame. */
size_t
turnframe_channel_write(uint8_t *out, size_t outsz, uint16_t channel,
    const uint8_t *payload, size_t len)
{
	size_t total = turnframe_channel_size(len);

	if (len > 65535 || total > outsz || channel < TURNFRAME_CHAN_MIN ||
	    channel > TURNFRAME_CHAN_MAX)
		return 0;
	out[0] = channel >> 8;
	out[1] = channel & 0xff;
	out[2] = (len >> 8) & 0xff;
	out[3] = len & 0xff;
	memcpy(out + TURNFRAME_CHAN_HDR, payload, len);
	memset(out + TURNFRAME_CHAN_HDR + len, 0,
	    total - TURNFRAME_CHAN_HDR - len);
	return total;
}
