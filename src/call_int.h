/*
 * call_int: what call.c (one call: legs, relayed transactions, timers,
 * media) and call_table.c (new calls, caller policy, the registrar, the
 * transports' callbacks) share. Private to those two files.
 */
#ifndef ONIONSIP_CALL_INT_H
#define ONIONSIP_CALL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "call.h"
#include "media.h"
#include "registrar.h"
#include "sdprw.h"
#include "sipmsg.h"
#include "sipsan.h"
#include "sipua_tp.h"
#include "socks5.h"

struct event;
struct socks5_conn;

enum call_state {
	CALL_CONNECTING, /* waiting for the SOCKS stream and/or the relay */
	CALL_INVITING,	 /* INVITE sent on leg b */
	CALL_EARLY,	 /* a provisional answer with a tag came back */
	CALL_ANSWERED,	 /* 2xx relayed, waiting for the ACK */
	CALL_CONFIRMED,	 /* the call is up */
	CALL_ENDING,	 /* BYE/CANCEL sent, or a final failure relayed */
	CALL_DEAD,	 /* freed on the next loop turn */
};

/* A request received on a leg and relayed on the other. */
struct call_pending {
	bool used;
	enum sipmsg_method method;
	uint32_t in_cseq;
	char *vias[SIPMSG_MAX_VIAS];
	size_t nvias;
	uint32_t out_cseq;
	char out_branch[CALL_MAX_ID];
	struct sipmsg *req; /* owned: for our own answers to it */
	bool final_sent;
	bool final_2xx;
};

/* A request we sent on a UDP leg, retransmitted until answered. */
struct call_ctx {
	bool used;
	struct call *c;
	struct call_leg *leg;
	enum sipmsg_method method;
	uint32_t cseq;
	char *bytes;
	size_t len;
	struct event *ev;
	int interval, elapsed;
	bool provisional;
};

struct call_leg {
	struct call *c;
	enum sipua_side side;
	struct sipua_peer peer;
	bool peer_ok;
	char call_id[CALL_MAX_ID];
	char local_tag[CALL_MAX_ID];
	char remote_tag[CALL_MAX_ID];
	char local_uri[CALL_MAX_URI];
	char remote_uri[CALL_MAX_URI];
	char contact[CALL_MAX_URI];
	char target[REGISTRAR_MAX_CONTACT]; /* request URI of in-dialog requests
					     */
	char via_host[CALL_MAX_URI];
	uint16_t via_port;
	uint32_t cseq;	      /* last CSeq we used */
	uint32_t remote_cseq; /* last CSeq the peer used */
	struct sdprw_session sdp;
	struct call_pending pend[CALL_MAX_PENDING];
	struct call_ctx ctx[CALL_MAX_PENDING];
	/* Our last answer on this leg, for retransmitted requests. */
	struct buf resp;
	uint32_t resp_cseq;
	enum sipmsg_method resp_method;
	struct event *resp_ev; /* timer G: UDP final answers to INVITE */
	int resp_interval, resp_elapsed;
	/* Our last ACK, for retransmitted 2xx. */
	struct buf ack;
	uint32_t ack_cseq;
};

struct call {
	struct call *next;
	struct call_table *t;
	uint64_t id;
	enum call_state state;
	bool outgoing;	   /* a: the softphone, b: the network */
	struct call_leg a; /* where the INVITE came from */
	struct call_leg b; /* where we placed it */
	struct call_leg *local, *net;
	struct media *media;
	struct socks5_conn *sc;
	bool net_up;
	bool ringing; /* counted in t->stats.ringing */
	char net_host[80];
	char relay[MEDIA_ADDR_MAX];
	uint16_t relay_port;
	struct sdprw_ptmap ptmap;	 /* payload type numbers, both legs */
	struct sdprw_info peer_info;	 /* the peer's last SDP */
	struct sdprw_media peer_applied; /* what media_set_peer() got */
	struct sdprw_media sp_applied;	 /* what media_set_softphone() got */
	bool have_peer_info;
	struct sipmsg *held_2xx; /* softphone's 2xx waiting for the relay */
	struct event *timer;
	struct event *reaper;
	struct timespec t0; /* when the INVITE arrived, for the debug log */
};

struct call_rate {
	char caller[80];
	time_t start;
	unsigned int count;
};

struct call_table {
	struct event_base *base;
	struct call_config cfg;
	const struct settings *set;
	struct sipua_tp *tp;
	struct registrar reg;
	struct sdprw_policy policy;
	struct call *calls;
	uint64_t next_id;
	struct call_stats stats;
	struct call_rate rate[CALL_RATE_CALLERS];
	char address[CALL_MAX_URI];
	char *seen_ua[8];
	size_t nseen_ua;
	struct buf out;
	void (*done)(void *);
	void *done_arg;
	bool stopping;
	struct event *stop_check;
};

void call_answer_alone(struct call_table *t, const struct sipua_peer *from,
    const struct sipmsg *m, int scode, const struct sipsan_result *unsup);
void call_answer_pending(
    struct call *c, struct call_leg *leg, struct call_pending *p, int scode);
int call_copy(char *dst, size_t dstsz, struct span s);
void call_end(struct call *c);
void call_hangup(struct call *c, int scode);
void call_insert_headers(struct call_table *t, const char *lines);
void call_leg_clear(struct call_leg *leg);
void call_local_leg_addr(struct call_table *t, struct call_leg *leg);
void call_net_leg_addr(struct call_table *t, struct call_leg *leg);
struct call *call_new(struct call_table *t, bool outgoing);
bool call_onion_host(struct span s, char *dst, size_t dstsz);
struct call_pending *call_pending_add(struct call_leg *leg, struct sipmsg *m);
void call_request(struct call *c, struct call_leg *from, struct sipmsg *m);
void call_response(struct call *c, struct call_leg *from, struct sipmsg *m);
void call_send_invite(struct call *c);
void call_timer(struct call *c, int ms);
void call_token(char *dst, size_t len, const char *prefix);
bool call_user_ok(struct span s);
void call_table_refresh(struct call_table *t);
long call_ms(const struct call *c);
void call_keep_streams(struct call *c, bool keep);
void call_media_cb(
    struct media *md, enum media_event ev, const char *reason, void *arg);
void call_socks_cb(int fd, enum socks5_reason reason, void *arg);

#endif
