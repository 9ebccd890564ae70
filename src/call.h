/*
 * call: the B2BUA (shell). Every call has two legs: the local leg toward
 * the softphone on 127.0.0.1 and the network leg, a SIP-over-TCP stream
 * of its own through tor (a fresh SOCKS5 stream with its own isolation
 * credentials for a call we place; the stream tor's onion service hands
 * to OnionListen for a call we receive). Identifiers (Call-ID, tags,
 * branches, CSeq) are drawn anew for each leg and mapped in memory only.
 *
 * Nothing is forwarded: every message on either leg is written by sipsan
 * from the parsed message and this leg's description; toward the network
 * the leak check runs last and refuses (fail closed). onionsip answers
 * REGISTER (registrar.h) and OPTIONS itself.
 *
 * Incoming calls from the onion side pass the caller policy first: a
 * per-caller rate limit, a maximum of ringing calls, the optional allow
 * list; any user part rings (no enumeration of users).
 */
#ifndef ONIONSIP_CALL_H
#define ONIONSIP_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

struct event_base;
struct leakcheck;
struct turnpool;
struct call_table;

#define CALL_MAX_URI	   256
#define CALL_MAX_ID	   128 /* Call-ID, tag, branch we keep */
#define CALL_MAX_PENDING   4   /* requests in flight per leg */
#define CALL_T1_MS	   500 /* RFC 3261 timer T1 */
#define CALL_T2_MS	   4000
#define CALL_T4_MS	   5000
#define CALL_TIMER_B_MS	   (64 * CALL_T1_MS)
#define CALL_CONNECT_MS	   60000  /* SOCKS connect to a peer's onion */
#define CALL_RING_MS	   180000 /* ringing gives up after this */
#define CALL_MEDIA_WAIT_MS 60000  /* waiting for the TURN relay */
#define CALL_BYE_WAIT_MS   4000	  /* an ending call waits this for answers */
#define CALL_RATE_CALLERS  256	  /* callers tracked for rate limits */
#define CALL_RATE_WINDOW   60	  /* seconds of CallerRateLimit */

/* Counters for logs, tests and benchmarks. */
struct call_stats {
	uint64_t calls_out;	   /* INVITEs from the softphone accepted */
	uint64_t calls_in;	   /* INVITEs from the onion side accepted */
	uint64_t answered;	   /* calls that reached 200 */
	uint64_t refused_policy;   /* rate limit, MaxRinging, allow list */
	uint64_t refused_sanitize; /* sipsan refused a message */
	uint64_t leaks_blocked;	   /* leak check refused a message */
	uint64_t parse_errors;	   /* messages sipmsg refused */
	uint64_t active;	   /* calls now */
	uint64_t ringing;	   /* incoming calls ringing now */
};

/* What the call table needs from the daemon; pointers are borrowed. */
struct call_config {
	const struct settings *set;
	struct turnpool *pool; /* NULL: no media (calls are refused) */
	struct leakcheck *lc;  /* the machine's secrets; may be NULL in tests */
	uint16_t local_port;   /* SIPListen's port as bound */
	uint16_t onion_port;   /* OnionListen's port as bound */
};

struct call_table *call_table_new(struct event_base *base,
    const struct call_config *cfg, char *err, size_t errlen);
void call_table_free(struct call_table *t);
int call_table_listen(struct call_table *t, char *err, size_t errlen);
void call_table_set_pool(struct call_table *t, struct turnpool *pool);
void call_table_adopt_onion_listener(struct call_table *t, int fd);
void call_table_shutdown(struct call_table *t, void (*done)(void *), void *arg);
void call_table_stats(const struct call_table *t, struct call_stats *st);
int call_table_local_port(const struct call_table *t);
int call_table_onion_port(const struct call_table *t);

/* "sip:<user>@<onion>.onion", or "" before the onion address is known. */
const char *call_table_address(struct call_table *t);

#endif
