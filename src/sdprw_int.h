/*
 * sdprw internals: what the reader (sdprw_read.c) takes from a body for the
 * writer (sdprw.c). Views point into the caller's input.
 */
#ifndef ONIONSIP_SDPRW_INT_H
#define ONIONSIP_SDPRW_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "sdprw.h"

#define SDPRW_MAX_OFFERED 64 /* payload types looked at per m= line */
#define SDPRW_NO_DIR	  (-1)

/* One payload type listed on an m= line. */
struct sdprw_pt {
	uint8_t pt;
	bool rtpmap;
	struct span name; /* encoding name from a=rtpmap */
	unsigned long rate;
	unsigned long channels; /* 0 if not given */
	bool has_fmtp;
	struct span fmtp; /* the parameters of a=fmtp */
};

/* What the reader found on one m= line and its attributes. */
struct sdprw_pmedia {
	enum sdprw_mtype type;
	const char *type_name; /* canonical: "audio", "video", ... */
	const char *proto;     /* canonical, or NULL if unknown */
	bool rtp;	       /* RTP/AVP, RTP/SAVP, RTP/AVPF or RTP/SAVPF */
	bool secure;	       /* an SRTP profile */
	const char *fmt0;      /* the first format, for a refused line */
	char fmt0buf[6];
	unsigned long port;
	bool port_count; /* "port/count": not carried */
	int8_t idx[128]; /* payload type -> index in pts, or -1 */
	struct sdprw_pt pts[SDPRW_MAX_OFFERED];
	size_t npts;
	bool have_c;
	char addr[46];
	bool addr_zero; /* 0.0.0.0 or ::, the old hold */
	int dir;	/* enum sdprw_direction or SDPRW_NO_DIR */
	bool have_rtcp;
	unsigned long rtcp_port;
	bool rtcp_mux;
	unsigned long ptime, maxptime;
	char crypto[SDPRW_MAX_CRYPTO + 1];
};

/* What the reader found in a whole body. */
struct sdprw_parsed {
	uint64_t in_version;
	bool have_c;
	char addr[46];
	bool addr_zero;
	int dir;
	size_t nmedia;
	struct sdprw_pmedia m[SDPRW_MAX_MEDIA];
};

/* Read a body; -1 with a reason if it is not SDP onionsip can carry. */
int sdprw_read(
    const char *in, size_t len, struct sdprw_parsed *p, const char **reason);

#endif
