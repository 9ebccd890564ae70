/*
 * rtprw: the RTP check and rewriter (pure; issue 4). Toward the network a
 * call's RTP gets a fresh SSRC and fresh sequence and timestamp origins
 * (random per call, passed in by the caller), so a softphone that starts
 * sequence numbers at 0 or reuses an SSRC across calls cannot be
 * recognised; CSRC lists and header extensions (which can carry
 * identifiers) are removed. The same mapping is used by rtcprw to map
 * report blocks back toward the softphone.
 */
#ifndef ONIONSIP_RTPRW_H
#define ONIONSIP_RTPRW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTPRW_HDR	 12   /* fixed RTP header */
#define RTPRW_MAX_PACKET 1500 /* larger RTP or RTCP is dropped */
#define RTPRW_CNAME_LEN	 16   /* random CNAME characters per call */
#define RTPRW_PAD_BLOCK	 192  /* payload sizes toward the network: multiples */

/* One call's mapping between the softphone's stream and the network's. */
struct rtprw {
	uint32_t ssrc_local; /* the softphone's SSRC, as last seen */
	bool have_local;
	uint32_t ssrc_net; /* our SSRC toward the network */
	uint16_t seq_off;  /* added to the softphone's sequence numbers */
	uint32_t ts_off;   /* added to its RTP timestamps */
	uint64_t ntp_off;  /* added to its SR NTP timestamps (clock) */
	char cname[RTPRW_CNAME_LEN + 1]; /* fresh random CNAME, NUL-ended */
};

/* What a packet on an RTP port is (RFC 5761 demultiplexing). */
enum rtprw_kind {
	RTPRW_GARBAGE, /* not RTP/RTCP: STUN probes, anything else */
	RTPRW_RTP,
	RTPRW_RTCP,
};

/*
 * Set up a call's mapping from random values the caller drew (ssrc,
 * offsets) and a CNAME of RTPRW_CNAME_LEN characters.
 */
void rtprw_init(struct rtprw *rw, uint32_t ssrc, uint16_t seq_off,
    uint32_t ts_off, uint64_t ntp_off, const char *cname);

/* Classify a datagram: version 2 and first-byte/payload-type ranges. */
enum rtprw_kind rtprw_classify(const uint8_t *p, size_t len);

/*
 * Check an RTP packet (version 2, header, CSRCs, extension and padding
 * within len). Returns the header length (payload offset) or -1 with a
 * static reason.
 */
int rtprw_check(const uint8_t *p, size_t len, const char **why);

/*
 * Rewrite an RTP packet from the softphone in place for the network:
 * SSRC, sequence and timestamp mapped, CSRCs, extension and padding
 * removed (padding bytes are the sender's to fill).
 * Returns the new length or -1 (why set) if the packet is not valid RTP.
 */
int rtprw_out(struct rtprw *rw, uint8_t *p, size_t len, const char **why);

/*
 * Check an RTP packet from the network for the softphone (it carries the
 * peer's own random identifiers); strips CSRCs, extensions and padding
 * as well.
 * Returns the new length or -1.
 */
int rtprw_in(uint8_t *p, size_t len, const char **why);

/*
 * Pad an RTP packet rewritten by rtprw_out() (fixed 12-byte header, no
 * padding) with RTP padding (RFC 3550 5.1) so that its payload is the
 * next multiple of RTPRW_PAD_BLOCK: voice codecs vary their packet size
 * with what is said, and sizes seen on the relays' UDP hop would tell it.
 * Unpadded if that would pass RTPRW_MAX_PACKET or cap. Returns the new
 * length.
 */
size_t rtprw_pad(uint8_t *p, size_t len, size_t cap);

/*
 * Renumber an RTP packet's payload type through map (128 entries, 0xff:
 * not in the SDP), keeping the marker bit. -1 if the type has no entry:
 * the packet is not one the SDP allowed. len is at least RTPRW_HDR.
 */
int rtprw_map_pt(const uint8_t *map, uint8_t *p, size_t len);

/* Map the network's view of our stream back to the softphone's. */
uint32_t rtprw_ssrc_back(const struct rtprw *rw, uint32_t ssrc);

#endif
