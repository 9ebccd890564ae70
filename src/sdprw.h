/*
 * sdprw: the SDP rewriter (pure). It never edits an SDP body: it reads the
 * sender's body line by line, keeps what a call needs from a whitelist, and
 * writes a new body whose only address is the one it is given (the TURN
 * relay toward the network, 127.0.0.1 toward the softphone).
 *
 * Written: v=0; o=- <sess_id> <version> IN IP4 <addr>; s=-; c=IN IP4 <addr>;
 * t=0 0; per stream an m= line on the port it is given with the payload
 * types the codec policy keeps, and of the attributes only rtpmap/fmtp of
 * kept payload types (fmtp parameters by name, per codec), ptime/maxptime,
 * the direction, rtcp (the given address; with rtcp_mux a=rtcp:<port> and
 * a=rtcp-mux, else a=rtcp:<port + 1>) and, where the caller supplies one,
 * crypto (the sender's a=crypto is never written).
 * Dropped: i= u= e= p= b= z= k= r=; a=candidate, ice-*, end-of-candidates,
 * remote-candidates, tool, ssrc, ssrc-group, msid*, extmap*, rtcp-xr,
 * rtcp-fb, mid/group, fingerprint/setup, label, and every attribute not
 * named above. A line type other than v o s i u e p c b t r z k a m refuses
 * the whole body. Video and other media are refused (port 0) unless the
 * policy allows video. docs/sanitizer.md ("SDP") says why for each.
 */
#ifndef ONIONSIP_SDPRW_H
#define ONIONSIP_SDPRW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SDPRW_MAX_BODY	  16384 /* bytes of SDP accepted */
#define SDPRW_MAX_LINES	  256
#define SDPRW_MAX_LINE	  1024
#define SDPRW_MAX_MEDIA	  4   /* m= lines in one body */
#define SDPRW_MAX_FORMATS 16  /* payload types kept per m= line */
#define SDPRW_MAX_CRYPTO  160 /* one a=crypto value */
#define SDPRW_MAX_CODECS  16

#define SDPRW_PTIME_MIN 20 /* ms: fewer, fuller Tor cells */
#define SDPRW_PTIME_MAX 60

/*
 * The codecs allowed through, by encoding name (case-insensitive), in order
 * of preference: kept payload types are written in this order (the
 * sender's order among types of one codec), which also hides each
 * softphone's own order. A sender's a=ptime is moved into
 * [ptime_min, ptime_max] (never above its a=maxptime).
 */
struct sdprw_policy {
	const char *codecs[SDPRW_MAX_CODECS]; /* e.g. "opus", "PCMU" */
	size_t ncodecs;			      /* 0: the default list */
	bool allow_video;
	unsigned int ptime_min; /* 0: SDPRW_PTIME_MIN */
	unsigned int ptime_max; /* 0: SDPRW_PTIME_MAX */
};

/*
 * The o= line of one side of one call, kept by the caller across offers
 * and answers. The caller sets sess_id and version from the CSPRNG when
 * the call starts; sdprw_rewrite() bumps version by one each time the
 * sender's own version changes (RFC 3264 section 8: a re-offer that
 * changes nothing keeps the version).
 */
struct sdprw_session {
	uint64_t sess_id;    /* written as the o= session id */
	uint64_t version;    /* the o= version last written */
	uint64_t in_version; /* the sender's o= version last seen */
	uint64_t out_hash;   /* hash of the body last written, o= aside */
	bool have_in;	     /* in_version is valid */
};

enum sdprw_mtype {
	SDPRW_AUDIO,
	SDPRW_VIDEO,
	SDPRW_OTHER,
};

enum sdprw_direction {
	SDPRW_SENDRECV,
	SDPRW_SENDONLY,
	SDPRW_RECVONLY,
	SDPRW_INACTIVE,
};

#define SDPRW_PT_NONE 0xff /* no mapping for this payload type */

/*
 * The payload type numbers of one m= line of one call, the softphone's
 * and the network's (RTP carries them, so the media path needs this map
 * too). Each softphone numbers its dynamic types its own way (linphone:
 * opus 96, telephone-event 99-101; baresip: 101), which would tell the
 * peer which software calls. Toward the network each type is numbered
 * from a fixed table by codec and clock rate (static types keep their RFC
 * 3551 number); toward the softphone the network's numbers are kept where
 * the softphone has not used them. An answer keeps the numbers of its
 * offer either way. Entries are added as bodies are written and never
 * change within a call.
 */
struct sdprw_ptmap {
	uint8_t to_net[128]; /* softphone's number -> network's */
	uint8_t to_sp[128];  /* network's number -> softphone's */
};

/* What the output side of one m= line looks like; from the caller. */
struct sdprw_out_media {
	uint16_t port;	    /* 0: refuse (port 0, no attributes) */
	const char *proto;  /* NULL: "RTP/AVP"; "RTP/SAVP" with crypto */
	const char *crypto; /* NULL, or one a=crypto value to write */
	bool rtcp_mux;	    /* a=rtcp-mux, a=rtcp:<port> (one TURN port) */
	struct sdprw_ptmap *ptmap; /* NULL: numbers written as received */
};

/* Where the rewritten body points. */
struct sdprw_target {
	const char *addr; /* IPv4 literal: c=, o= and a=rtcp carry only this */
	struct sdprw_out_media media[SDPRW_MAX_MEDIA];
	bool to_network; /* the body goes to the network (ptmap's way) */
};

/* An empty map: no payload type numbered yet. */
void sdprw_ptmap_init(struct sdprw_ptmap *pm);

/* What the input said about one m= line; for the media layer. */
struct sdprw_media {
	enum sdprw_mtype type;
	char addr[46];	    /* the sender's c= literal; "" if none or a name */
	uint16_t port;	    /* 0: the sender refused or disabled it */
	uint16_t rtcp_port; /* from a=rtcp, else port + 1 (port if muxed) */
	bool rtcp_mux;
	bool secure;  /* RTP/SAVP */
	bool refused; /* not carried: written with port 0 */
	enum sdprw_direction dir;
	uint8_t pts[SDPRW_MAX_FORMATS]; /* payload types the policy kept */
	size_t npts;
	unsigned int ptime;		   /* 0 if absent */
	char crypto[SDPRW_MAX_CRYPTO + 1]; /* first usable a=crypto, or "" */
};

/* What the input said, as a whole. */
struct sdprw_info {
	size_t nmedia;
	struct sdprw_media media[SDPRW_MAX_MEDIA];
	uint64_t in_version; /* the sender's o= version */
};

/*
 * Start the o= state of one side of a call: sess_id from the caller's
 * CSPRNG, version a random start well below 2^63 (it only ever rises).
 */
void sdprw_session_init(
    struct sdprw_session *sess, uint64_t sess_id, uint64_t version);

/* Parse without writing: what the body offers (to size the relay). */
int sdprw_inspect(const char *in, size_t len, const struct sdprw_policy *pol,
    struct sdprw_info *info, const char **reason);

/*
 * Write a new body for in to out. -1 with a reason if in is not SDP that
 * onionsip can carry (malformed, too big, no usable audio); out is then
 * left empty. info may be NULL.
 */
int sdprw_rewrite(const char *in, size_t len, const struct sdprw_policy *pol,
    struct sdprw_session *sess, const struct sdprw_target *target,
    struct buf *out, struct sdprw_info *info, const char **reason);

#endif
