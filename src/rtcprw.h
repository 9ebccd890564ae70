/*
 * rtcprw: RTCP rebuilt, never forwarded (pure; issue 4, DESIGN.md section
 * 2). From a compound packet only what onionsip understands is written
 * anew: SR and RR with their statistics (SSRC fields mapped), one SDES
 * chunk with the call's fresh random CNAME (never the softphone's, which is
 * user@host), BYE without its reason. TOOL, NAME, EMAIL, PHONE, LOC, NOTE
 * and PRIV items, APP packets (baresip's PING/PONG), XR (linphone's
 * rtcp-xr), feedback and anything unknown are dropped.
 */
#ifndef ONIONSIP_RTCPRW_H
#define ONIONSIP_RTCPRW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtprw.h"

#define RTCPRW_MAX_BLOCKS  31 /* report blocks in one SR/RR (RC field) */
#define RTCPRW_MAX_REPORTS 4  /* LSR/DLSR pairs returned to delayctl */

/* RTCP packet types (RFC 3550, 3611, 4585). */
enum {
	RTCPRW_SR = 200,
	RTCPRW_RR = 201,
	RTCPRW_SDES = 202,
	RTCPRW_BYE = 203,
	RTCPRW_APP = 204,
	RTCPRW_RTPFB = 205,
	RTCPRW_PSFB = 206,
	RTCPRW_XR = 207,
};

/* Direction of a rebuild. */
enum rtcprw_dir {
	RTCPRW_OUT, /* softphone -> network: our identifiers mapped out */
	RTCPRW_IN,  /* network -> softphone: report blocks mapped back */
};

/* What a rebuild saw, for the delay control. */
struct rtcprw_info {
	bool sr;	     /* an SR was written */
	uint32_t sr_ntp_mid; /* its NTP timestamp, middle 32 bits, as written */
	size_t nreports;     /* report blocks about our stream (RTCPRW_IN) */
	uint32_t lsr[RTCPRW_MAX_REPORTS]; /* as received (network's view) */
	uint32_t dlsr[RTCPRW_MAX_REPORTS];
	bool bye;
	unsigned int dropped; /* packets of the compound not written */
};

/*
 * Rebuild one compound RTCP packet. in is checked whole first (version 2,
 * RTCP packet types, lengths that add up exactly); its packets may come in
 * any order, the first SR/RR is written first. out receives the new
 * compound (outsz >= inlen + 40 is always enough). Returns the length
 * written, 0 when nothing of value remains (drop the packet), or -1 with a
 * static reason when in is not valid RTCP.
 */
int rtcprw_rebuild(struct rtprw *rw, enum rtcprw_dir dir, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t outsz, struct rtcprw_info *info,
    const char **why);

#endif
