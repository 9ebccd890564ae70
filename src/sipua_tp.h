/*
 * sipua_tp: the gateway's SIP transports on the daemon's libevent loop
 * (shell). Datagram sockets (the softphone's UDP on SIPListen), stream
 * listeners (the softphone's TCP on SIPListen, the onion service's
 * OnionListen) and adopted streams (SOCKS5 connections through tor) all
 * hand whole SIP messages to one callback. Streams are framed here
 * (headers, then Content-Length bytes of body) with hard limits; a stream
 * that breaks the framing is closed.
 *
 * A stream that carries a call is never closed for being silent (a call
 * sends no SIP for as long as it lasts): see sipua_tp_keep().
 *
 * Connections are named by a 64-bit id, never by pointer, so a call that
 * outlives its connection holds nothing dangling: sending on a closed id
 * fails cleanly.
 */
#ifndef ONIONSIP_SIPUA_TP_H
#define ONIONSIP_SIPUA_TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "settings.h"

struct event_base;

#define SIPUA_TP_MAX_MSG	 65535 /* bytes of one SIP message */
#define SIPUA_TP_MAX_HEAD	 16384 /* bytes before the blank line */
#define SIPUA_TP_MAX_CONNS	 512   /* open streams, both sides */
#define SIPUA_TP_MAX_NET_CONNS	 384   /* of them from the onion side */
#define SIPUA_TP_MAX_LISTENERS	 4
#define SIPUA_TP_IDLE_SECONDS	 900	      /* a silent stream is closed... */
#define SIPUA_TP_MAX_QUEUED	 (256 * 1024) /* unsent bytes per stream */
#define SIPUA_TP_FLUSH_SECONDS	 2	      /* a closed stream's last bytes */
#define SIPUA_TP_CONNECT_SECONDS 5	      /* local stream connects */

enum sipua_proto {
	SIPUA_UDP,
	SIPUA_TCP,
};

/* Which side a message came from or goes to. */
enum sipua_side {
	SIPUA_LOCAL, /* the softphone, on 127.0.0.1 */
	SIPUA_NET,   /* the onion side: streams through tor */
};

/* Where a message came from, and so where its answer goes. */
struct sipua_peer {
	enum sipua_side side;
	enum sipua_proto proto;
	struct sockaddr_storage addr; /* UDP: the sender; TCP: the peer */
	socklen_t addrlen;
	uint64_t conn; /* TCP: the stream's id; 0 for UDP */
};

/* One whole message (not NUL-terminated); the bytes live for the call. */
typedef void sipua_tp_msg_cb(
    const struct sipua_peer *from, const char *msg, size_t len, void *arg);
/* A stream ended (peer closed, error, framing broken, idle). */
typedef void sipua_tp_closed_cb(uint64_t conn, enum sipua_side side, void *arg);

/* The transports; owned by the caller of sipua_tp_new(). */
struct sipua_tp;

struct sipua_tp *sipua_tp_new(struct event_base *base, sipua_tp_msg_cb *msg_cb,
    sipua_tp_closed_cb *closed_cb, void *arg);
void sipua_tp_free(struct sipua_tp *tp);

int sipua_tp_listen_udp(struct sipua_tp *tp, enum sipua_side side,
    const struct settings_addr *at, char *err, size_t errlen);
int sipua_tp_listen_tcp(struct sipua_tp *tp, enum sipua_side side,
    const struct settings_addr *at, char *err, size_t errlen);
int sipua_tp_listen_fd(struct sipua_tp *tp, enum sipua_side side, int fd,
    char *err, size_t errlen);
int sipua_tp_bound_port(
    const struct sipua_tp *tp, enum sipua_proto proto, enum sipua_side side);

uint64_t sipua_tp_adopt(struct sipua_tp *tp, int fd, enum sipua_side side);
uint64_t sipua_tp_connect(struct sipua_tp *tp, const struct sockaddr *sa,
    socklen_t salen, enum sipua_side side);
int sipua_tp_send(struct sipua_tp *tp, const struct sipua_peer *to,
    const char *msg, size_t len);
void sipua_tp_close(struct sipua_tp *tp, uint64_t conn);
bool sipua_tp_is_open(const struct sipua_tp *tp, uint64_t conn);
size_t sipua_tp_nconns(const struct sipua_tp *tp);
void sipua_tp_keep(struct sipua_tp *tp, uint64_t conn, bool keep);

/*
 * Stream framing (pure): how many bytes at the front of p make one whole
 * message. 0: need more bytes; -1: broken (limits, bad Content-Length).
 * *skip counts leading CRLF keep-alives to drop before the message.
 */
long sipua_tp_frame(const char *p, size_t len, size_t *skip);

#endif
