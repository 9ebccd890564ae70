/* RTCP rebuilt from a whitelist (pure). */
#include "config.h"

#include <string.h>

#include "rtcprw.h"

#define SDES_END   0
#define SDES_CNAME 1

/* Read a big-endian 32-bit value. */
static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
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

/* Write a common RTCP header for a packet of len bytes (multiple of 4). */
static void
put_hdr(uint8_t *p, unsigned int count, uint8_t pt, size_t len)
{
	p[0] = 0x80 | (count & 0x1f);
	p[1] = pt;
	p[2] = ((len / 4 - 1) >> 8) & 0xff;
	p[3] = (len / 4 - 1) & 0xff;
}

/* The output being written; overflow is checked once per packet. */
struct out {
	uint8_t *p;
	size_t len, cap;
};

/* Check a whole compound: version 2 and lengths that add up exactly. */
static int
check_compound(const uint8_t *in, size_t inlen, const char **why)
{
	size_t off = 0, plen;

	if (inlen < 4 || inlen > RTPRW_MAX_PACKET || inlen % 4 != 0) {
		*why = "RTCP length";
		return -1;
	}
	while (off < inlen) {
		if (inlen - off < 4) {
			*why = "RTCP truncated header";
			return -1;
		}
		if ((in[off] & 0xc0) != 0x80) {
			*why = "RTCP version";
			return -1;
		}
		if (in[off + 1] < 192 || in[off + 1] > 223) {
			*why = "RTCP packet type";
			return -1;
		}
		plen = ((size_t)in[off + 2] << 8 | in[off + 3]) * 4 + 4;
		if (plen > inlen - off) {
			*why = "RTCP length past the end";
			return -1;
		}
		off += plen;
	}
	return 0;
}

/* Write the SR/RR p (plen bytes, checked) mapped for dir. */
static int
write_report(struct rtprw *rw, enum rtcprw_dir dir, const uint8_t *p,
    size_t plen, struct out *o, struct rtcprw_info *info)
{
	bool sr = p[1] == RTCPRW_SR;
	size_t fixed = sr ? 28 : 8, i, rc = p[0] & 0x1f, n = 0;
	uint8_t *w = o->p + o->len;
	uint64_t ntp;
	uint32_t ssrc, lsr;

	if (fixed + rc * 24 > plen || o->cap - o->len < fixed + rc * 24)
		return -1;
	memcpy(w, p, fixed);
	if (dir == RTCPRW_OUT) {
		if (!rw->have_local) {
			rw->ssrc_local = rd32(p + 4);
			rw->have_local = true;
		}
		wr32(w + 4, rw->ssrc_net);
		if (sr) {
			ntp = (uint64_t)rd32(p + 8) << 32 | rd32(p + 12);
			ntp += rw->ntp_off;
			wr32(w + 8, ntp >> 32);
			wr32(w + 12, ntp & 0xffffffff);
			wr32(w + 16, rd32(p + 16) + rw->ts_off);
			info->sr = true;
			info->sr_ntp_mid = (uint32_t)(ntp >> 16);
		}
	}
	for (i = 0; i < rc; i++) {
		const uint8_t *b = p + fixed + 24 * i;
		uint8_t *wb = w + fixed + 24 * n;

		ssrc = rd32(b);
		if (dir == RTCPRW_IN) {
			/* Only reports about our own stream reach the
			 * softphone, in its own numbering. */
			if (ssrc != rw->ssrc_net || !rw->have_local)
				continue;
			memcpy(wb, b, 24);
			wr32(wb, rw->ssrc_local);
			wr32(wb + 8, rd32(b + 8) - rw->seq_off);
			lsr = rd32(b + 16);
			if (info->nreports < RTCPRW_MAX_REPORTS) {
				info->lsr[info->nreports] = lsr;
				info->dlsr[info->nreports] = rd32(b + 20);
				info->nreports++;
			}
			if (lsr != 0)
				wr32(wb + 16,
				    lsr - (uint32_t)(rw->ntp_off >> 16));
		} else
			memcpy(wb, b, 24);
		n++;
	}
	/* Profile-specific extensions after the blocks are dropped. */
	put_hdr(w, (unsigned int)n, p[1], fixed + 24 * n);
	o->len += fixed + 24 * n;
	return 0;
}

/* Write an empty RR so that a compound starts with a report. */
static int
write_empty_rr(uint32_t ssrc, struct out *o)
{
	if (o->cap - o->len < 8)
		return -1;
	put_hdr(o->p + o->len, 0, RTCPRW_RR, 8);
	wr32(o->p + o->len + 4, ssrc);
	o->len += 8;
	return 0;
}

/* Write one SDES chunk: ssrc and a CNAME item. */
static int
write_sdes(uint32_t ssrc, const char *cname, size_t clen, struct out *o)
{
	size_t len = 4 + 4 + 2 + clen + 1;
	uint8_t *w = o->p + o->len;

	len = (len + 3) & ~(size_t)3;
	if (clen > 255 || o->cap - o->len < len)
		return -1;
	memset(w, 0, len);
	put_hdr(w, 1, RTCPRW_SDES, len);
	wr32(w + 4, ssrc);
	w[8] = SDES_CNAME;
	w[9] = (uint8_t)clen;
	memcpy(w + 10, cname, clen);
	o->len += len;
	return 0;
}

/*
 * Find the CNAME of an SDES packet's first chunk. Returns 0 with *ssrc and
 * the item, or -1 if the chunk is malformed or has no CNAME.
 */
static int
find_cname(const uint8_t *p, size_t plen, uint32_t *ssrc, const uint8_t **cn,
    size_t *cnlen)
{
	size_t off = 8;

	if ((p[0] & 0x1f) == 0 || plen < 8)
		return -1;
	*ssrc = rd32(p + 4);
	while (off < plen && p[off] != SDES_END) {
		if (off + 2 > plen || off + 2 + p[off + 1] > plen)
			return -1;
		if (p[off] == SDES_CNAME) {
			*cn = p + off + 2;
			*cnlen = p[off + 1];
			return 0;
		}
		off += 2 + (size_t)p[off + 1];
	}
	return -1;
}

/* Write a BYE for the listed sources, without any reason text. */
static int
write_bye(struct rtprw *rw, enum rtcprw_dir dir, const uint8_t *p, size_t plen,
    struct out *o)
{
	size_t sc = p[0] & 0x1f, i, n;
	uint8_t *w = o->p + o->len;

	if (dir == RTCPRW_OUT)
		sc = sc > 0 ? 1 : 0;
	if (4 + 4 * sc > plen || o->cap - o->len < 4 + 4 * sc)
		return -1;
	n = sc;
	for (i = 0; i < n; i++)
		wr32(w + 4 + 4 * i,
		    dir == RTCPRW_OUT ? rw->ssrc_net : rd32(p + 4 + 4 * i));
	put_hdr(w, (unsigned int)n, RTCPRW_BYE, 4 + 4 * n);
	o->len += 4 + 4 * n;
	return 0;
}

/* Rebuild one compound RTCP packet from its whitelisted parts. */
int
rtcprw_rebuild(struct rtprw *rw, enum rtcprw_dir dir, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t outsz, struct rtcprw_info *info,
    const char **why)
{
	struct out o = { out, 0, outsz };
	const uint8_t *report = NULL, *sdes = NULL, *bye = NULL, *cn = NULL;
	size_t rlen = 0, slen = 0, blen = 0, off, plen, cnlen = 0;
	uint32_t sssrc = 0, first_ssrc = 0;

	memset(info, 0, sizeof(*info));
	if (check_compound(in, inlen, why) < 0)
		return -1;
	for (off = 0; off < inlen; off += plen) {
		plen = ((size_t)in[off + 2] << 8 | in[off + 3]) * 4 + 4;
		switch (in[off + 1]) {
		case RTCPRW_SR:
		case RTCPRW_RR:
			if (report == NULL && plen >= 8) {
				report = in + off;
				rlen = plen;
				continue;
			}
			break;
		case RTCPRW_SDES:
			if (sdes == NULL) {
				sdes = in + off;
				slen = plen;
				continue;
			}
			break;
		case RTCPRW_BYE:
			if (bye == NULL) {
				bye = in + off;
				blen = plen;
				continue;
			}
			break;
		}
		info->dropped++;
	}
	if (report != NULL) {
		if (write_report(rw, dir, report, rlen, &o, info) < 0)
			goto bad;
		first_ssrc = rd32(report + 4);
	}
	if (sdes != NULL) {
		if (dir == RTCPRW_IN &&
		    find_cname(sdes, slen, &sssrc, &cn, &cnlen) < 0) {
			info->dropped++;
			sdes = NULL;
		}
		if (sdes != NULL && report == NULL &&
		    write_empty_rr(
			dir == RTCPRW_OUT ? rw->ssrc_net : sssrc, &o) < 0)
			goto bad;
		if (sdes != NULL && dir == RTCPRW_OUT &&
		    write_sdes(rw->ssrc_net, rw->cname, strlen(rw->cname), &o) <
			0)
			goto bad;
		if (sdes != NULL && dir == RTCPRW_IN &&
		    write_sdes(sssrc, (const char *)cn, cnlen, &o) < 0)
			goto bad;
	}
	if (bye != NULL) {
		if (o.len == 0 &&
		    write_empty_rr(dir == RTCPRW_OUT
			    ? rw->ssrc_net
			    : (blen >= 8 ? rd32(bye + 4) : first_ssrc),
			&o) < 0)
			goto bad;
		if (write_bye(rw, dir, bye, blen, &o) < 0)
			goto bad;
		info->bye = true;
	}
	return (int)o.len;
bad:
	*why = "RTCP packet malformed or too large";
	return -1;
}
