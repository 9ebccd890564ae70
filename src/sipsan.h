/*
 * sipsan: the re-originating sanitizer (pure).
 *
 * onionsip never forwards a SIP message: given a parsed message (sipmsg)
 * received on one leg of a call, sipsan writes a NEW message for the other
 * leg from what the caller says about that leg (struct sipsan_leg) and a
 * short whitelist of fields it copies after checking them. Everything else
 * is dropped: User-Agent, Server, Date, Timestamp, Organization, Subject,
 * Warning, Call-Info, Accept-Language, P-*, X-*, Record-Route, Route,
 * display names, +sip.instance, reg-id, gr and GRUUs, and any header
 * sipsan does not know. See docs/sanitizer.md for the full table.
 *
 * What sipsan writes, always in the same order and spelling whatever the
 * softphone sent (so header order, casing and lists do not fingerprint it):
 *   start line (standard reason phrase for the status code)
 *   Via          requests: one Via of ours; responses: leg->vias verbatim
 *   Max-Forwards requests: leg->max_forwards (70 if 0)
 *   From, To     the leg's URIs and tags (see below)
 *   Call-ID      leg->call_id
 *   CSeq         leg->cseq and the message's method
 *   Contact      leg->contact_uri, on INVITE and UPDATE (target refresh
 *                requests) and on 18x/2xx to INVITE, 2xx to UPDATE
 *   Retry-After  copied (a number, no comment) on responses
 *   Min-Expires  copied (a number) on 423
 *   Allow        a fixed list (SIPSAN_ALLOW) on INVITE, 2xx to INVITE, 405
 *   Accept       "application/sdp" on 415 (SIPSAN_ACCEPT_INFO for INFO)
 *   Reason       protocol and cause only (RFC 3326), no text, on BYE,
 *                CANCEL and final failures
 *   Authorization, Proxy-Authorization (toward the network, only when the
 *                realm is the request URI's host), and WWW-Authenticate,
 *                Proxy-Authenticate (toward the softphone, on 401/407):
 *                Digest parameters from a whitelist, re-serialised
 *   Content-Type application/sdp, when there is a body (INFO: below)
 *   Content-Length
 *   body         sdprw_rewrite() of the SDP; other bodies are refused
 *
 * INFO (RFC 6086, legacy usage) carries DTMF only: an application/dtmf-relay
 * body is written anew as "Signal=<s>\r\nDuration=<n>\r\n" from those two
 * fields (other lines dropped; s one of 0-9 * # A-D; the Duration received,
 * at most SIPSAN_DTMF_MAX_DURATION, rounded to SIPSAN_DTMF_DURATION_STEP ms,
 * at least one step, one step when absent: softphones' defaults differ),
 * an application/dtmf body as the one signal;
 * any other body type is 415, a body without a valid Signal 400. Bodies of
 * responses to INFO are dropped. UPDATE (RFC 3311) bodies are SDP and go
 * through sdprw like those of INVITE.
 *
 * Dialog roles: a request is written with From = local, To = remote; a
 * response with From = remote, To = local ("local" is onionsip on that
 * leg). Messages toward the network are checked with leakcheck_scan()
 * last; any finding refuses the message (fail closed).
 *
 * Policy for requests, checked before anything is written: Require or
 * Proxy-Require with any tag: 420 (res->unsupported lists the tags);
 * REGISTER, OPTIONS: SIPSAN_LOCAL; PRACK, SUBSCRIBE, NOTIFY, REFER,
 * MESSAGE, PUBLISH: 405; unknown methods: 501; Max-Forwards 0: 483;
 * non-SDP (INFO: non-DTMF) or encoded bodies, or an Accept without SDP on
 * INVITE: 415; a DTMF body without a valid signal: 400; SDP the rewriter
 * refuses: 488. Responses: 100 is dropped (hop-by-hop); only responses to
 * INVITE, BYE, CANCEL, UPDATE and INFO pass.
 *
 * The module draws no randomness: Call-IDs, tags, branches, CSeq starts
 * and SDP session ids come in struct sipsan_leg from the caller's CSPRNG.
 */
#ifndef ONIONSIP_SIPSAN_H
#define ONIONSIP_SIPSAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "leakcheck.h"
#include "sdprw.h"
#include "sipmsg.h"

#define SIPSAN_MAX_MSG		  32768 /* bytes of one message written */
#define SIPSAN_MAX_VIAS		  SIPMSG_MAX_VIAS
#define SIPSAN_MAX_FORWARDS	  70
#define SIPSAN_ALLOW		  "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO"
#define SIPSAN_ACCEPT		  "application/sdp"
#define SIPSAN_ACCEPT_INFO	  "application/dtmf-relay, application/dtmf"
#define SIPSAN_DTMF_MAX_DURATION  60000 /* ms of one DTMF Duration= */
#define SIPSAN_DTMF_DURATION_STEP 250	/* ms, the unit of written Durations */
#define SIPSAN_MAX_UNSUPPORTED	  8	/* option tags listed in a 420 */
#define SIPSAN_MIN_SOFTWARE	  6 /* shorter User-Agents: leak check only */

enum sipsan_dir {
	SIPSAN_TO_NETWORK,   /* toward the peer, through Tor: leak-checked */
	SIPSAN_TO_SOFTPHONE, /* toward the local softphone */
};

/*
 * Everything sipsan needs to know about the leg it writes for. Strings
 * are the caller's (trusted, already valid SIP syntax: sipsan copies them
 * as they are). NULL means absent.
 */
struct sipsan_leg {
	/* Our side on this leg. */
	const char *local_uri;	   /* toward the network sip:u@<onion>.onion */
	const char *local_display; /* NULL: no display name (the default) */
	const char *local_tag;	   /* our tag; required */
	const char *contact_uri;   /* our Contact (without < >) */

	/* The other side. */
	const char *remote_uri;	    /* the peer's URI (To of our requests) */
	const char *remote_display; /* NULL: none; toward the softphone only */
	const char *remote_tag;	    /* NULL before the peer tagged */
	const char *request_uri;    /* requests: NULL means remote_uri */

	/* Transaction and dialog. */
	const char *call_id; /* required */
	uint32_t cseq;	     /* this message's CSeq number on this leg */

	/* Requests: our one Via,
	 * "SIP/2.0/<transport> <host>[:<port>];branch=<branch>;rport". */
	const char *via_transport; /* NULL: "TCP" */
	const char *via_host;	   /* required for requests */
	uint16_t via_port;	   /* 0: no port written */
	const char *branch;	   /* required for requests; z9hG4bK... */
	unsigned int max_forwards; /* 0: SIPSAN_MAX_FORWARDS */

	/* Responses: the Via values of the request being answered on this
	 * leg, top first, written verbatim (they are this leg's own). */
	const char *const *vias;
	size_t nvias;

	/* Bodies. NULL policy or target: a message with SDP is refused. */
	const struct sdprw_policy *sdp_policy;
	struct sdprw_session *sdp_session; /* updated by sdprw_rewrite() */
	const struct sdprw_target *sdp_target;
	struct sdprw_info *sdp_info; /* NULL, or filled from the input SDP */

	/* Toward the network: the final check. NULL lc: only the built-in
	 * checks run (tests); the daemon always passes one. */
	const struct leakcheck *lc;
	const char *const *allowed; /* IP literals allowed (relay addresses) */
	size_t nallowed;
};

enum sipsan_verdict {
	SIPSAN_OK,	/* out holds the new message */
	SIPSAN_LOCAL,	/* onionsip answers this itself (REGISTER, OPTIONS) */
	SIPSAN_REFUSED, /* valid SIP that is not passed this way; scode is
			   the answer for a request (400, 405, 415, 420,
			   483, 488, 501) or 0 (drop a response) */
	SIPSAN_LEAK,	/* the leak check refused the output: fail closed */
	SIPSAN_ERROR,	/* the caller's leg is incomplete, or out overflowed */
};

struct sipsan_result {
	enum sipsan_verdict verdict;
	int scode;	    /* the answer to send back, or 0 */
	const char *reason; /* static text: why (for logs and stderr) */
	enum leakcheck_verdict leak; /* SIPSAN_LEAK: what was found */
	/* SIPSAN_REFUSED with 420: the option tags to list in Unsupported
	 * (spans into the input message). */
	struct span unsupported[SIPSAN_MAX_UNSUPPORTED];
	size_t nunsupported;
};

/*
 * Write the message m becomes on the leg described by leg, in direction
 * dir, into out (reset first; give it a max of at least SIPSAN_MAX_MSG).
 * Returns res->verdict; out holds a message only for SIPSAN_OK.
 */
enum sipsan_verdict sipsan_rewrite(const struct sipmsg *m, enum sipsan_dir dir,
    const struct sipsan_leg *leg, struct buf *out, struct sipsan_result *res);

/*
 * Write onionsip's own answer to request req on the leg it came from:
 * Via, From, To, Call-ID and CSeq echoed from req (with to_tag added to
 * To when it has none and scode > 100), the standard reason phrase, and
 * Allow (405, 2xx to OPTIONS), Accept (415, 2xx to OPTIONS), Unsupported
 * (420: res->unsupported of an earlier sipsan_rewrite(), or NULL),
 * Content-Length: 0. lc, allowed and nallowed as in struct sipsan_leg
 * when the answer goes to the network. -1 with *reason on failure (req is
 * a response or an ACK, or the answer fails the leak check).
 */
int sipsan_answer(const struct sipmsg *req, int scode, const char *to_tag,
    const struct sipsan_result *unsupported, const struct leakcheck *lc,
    const char *const *allowed, size_t nallowed, struct buf *out,
    const char **reason);

/* The standard reason phrase for a status code (RFC 3261 21 and later
 * RFCs); codes not in the table get their class's x00 phrase. */
const char *sipsan_reason_phrase(int scode);

const char *sipsan_verdict_str(enum sipsan_verdict v);

#endif
