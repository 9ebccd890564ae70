/* RTP check and rewrite (pure). */
#include "config.h"

#include <string.h>

#include "rtprw.h"

/* Read a big-endian 16-bit value. */
static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read a big-endian 32-bit value. */
static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Write a big-endian 16-bit value. */
static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Write a big-endian 32-bit value. */
static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Set up a call's mapping from the caller's random values. */
void
rtprw_init(struct rtprw *rw, uint32_t ssrc, uint16_t seq_off, uint32_t ts_off,
    uint64_t ntp_off, const char *cname)
{
	memset(rw, 0, sizeof(*rw));
	rw->ssrc_net = ssrc;
	rw->seq_off = seq_off;
	rw->ts_off = ts_off;
	rw->ntp_off = ntp_off;
	strncpy(rw->cname, cname, RTPRW_CNAME_LEN);
	rw->cname[RTPRW_CNAME_LEN] = '\0';
}

/*
 * RFC 5761 section 4: RTCP packet types 192..223 share the second byte's
 * range with RTP payload types 64..95 (marker set), which nobody uses.
 */
enum rtprw_kind
rtprw_classify(const uint8_t *p, size_t len)
{
	if (len < 8 || (p[0] & 0xc0) != 0x80)
		return RTPRW_GARBAGE;
	if (p[1] >= 192 && p[1] <= 223)
		return RTPRW_RTCP;
	if (len < RTPRW_HDR)
		return RTPRW_GARBAGE;
	return RTPRW_RTP;
}

/* Check an RTP packet; returns the payload offset or -1. */
int
rtprw_check(const uint8_t *p, size_t len, const char **why)
{
	size_t hdr, pad = 0;

	if (len < RTPRW_HDR || len > RTPRW_MAX_PACKET) {
		*why = "RTP packet length";
		return -1;
	}
	if ((p[0] & 0xc0) != 0x80) {
		*why = "RTP version";
		return -1;
	}
	if (p[1] >= 192 && p[1] <= 223) {
		*why = "RTCP on the RTP path";
		return -1;
	}
	hdr = RTPRW_HDR + 4 * (size_t)(p[0] & 0x0f);
	if (hdr > len) {
		*why = "RTP CSRC list past the end";
		return -1;
	}
	if (p[0] & 0x10) {
		if (hdr + 4 > len) {
			*why = "RTP extension header past the end";
			return -1;
		}
		hdr += 4 + 4 * (size_t)rd16(p + hdr + 2);
		if (hdr > len) {
			*why = "RTP extension past the end";
			return -1;
		}
	}
	if (p[0] & 0x20) {
		pad = p[len - 1];
		if (pad == 0 || hdr + pad > len) {
			*why = "RTP padding";
			return -1;
		}
	}
	return (int)hdr;
}

/*
 * Drop CSRCs, the extension and padding (checked by rtprw_check()): the
 * payload moves up to the fixed header.
 */
static int
rtprw_strip(uint8_t *p, size_t len, size_t hdr)
{
	if (p[0] & 0x20)
		len -= p[len - 1];
	if (hdr > RTPRW_HDR) {
		memmove(p + RTPRW_HDR, p + hdr, len - hdr);
		len -= hdr - RTPRW_HDR;
	}
	p[0] &= 0xc0; /* version only: no padding, extension, CSRCs */
	return (int)len;
}

/* Pad the payload to the next multiple of RTPRW_PAD_BLOCK. */
size_t
rtprw_pad(uint8_t *p, size_t len, size_t cap)
{
	size_t payload = len - RTPRW_HDR, padded, npad;

	if (len < RTPRW_HDR || (p[0] & 0x20))
		return len;
	padded = (payload / RTPRW_PAD_BLOCK + 1) * RTPRW_PAD_BLOCK;
	npad = padded - payload;
	if (npad > 255 || RTPRW_HDR + padded > RTPRW_MAX_PACKET ||
	    RTPRW_HDR + padded > cap)
		return len;
	memset(p + len, 0, npad - 1);
	p[len + npad - 1] = (uint8_t)npad;
	p[0] |= 0x20;
	return len + npad;
}

/* Rewrite a softphone RTP packet for the network, in place. */
int
rtprw_out(struct rtprw *rw, uint8_t *p, size_t len, const char **why)
{
	int hdr;

	if ((hdr = rtprw_check(p, len, why)) < 0)
		return -1;
	rw->ssrc_local = rd32(p + 8);
	rw->have_local = true;
	wr16(p + 2, (uint16_t)(rd16(p + 2) + rw->seq_off));
	wr32(p + 4, rd32(p + 4) + rw->ts_off);
	wr32(p + 8, rw->ssrc_net);
	return rtprw_strip(p, len, (size_t)hdr);
}

/* Check a network RTP packet for the softphone, in place. */
int
rtprw_in(uint8_t *p, size_t len, const char **why)
{
	int hdr;

	if ((hdr = rtprw_check(p, len, why)) < 0)
		return -1;
	return rtprw_strip(p, len, (size_t)hdr);
}

/* Our network SSRC maps back to the softphone's; others stay. */
uint32_t
rtprw_ssrc_back(const struct rtprw *rw, uint32_t ssrc)
{
	if (ssrc == rw->ssrc_net && rw->have_local)
		return rw->ssrc_local;
	return ssrc;
}

/* Renumber the payload type; -1 if the map has no entry for it. */
int
rtprw_map_pt(const uint8_t *map, uint8_t *p, size_t len)
{
	uint8_t pt;

	if (len < RTPRW_HDR || (pt = map[p[1] & 0x7f]) > 127)
		return -1;
	p[1] = (uint8_t)((p[1] & 0x80) | pt);
	return 0;
}
