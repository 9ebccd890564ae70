/*
 * media: one call's media path (DESIGN.md section 2, issue 4).
 *
 *   softphone --RTP/RTCP UDP--> 127.0.0.1:<local ports>  (plain, loopback)
 *        --> RTP rewritten (SSRC, sequence, timestamp re-randomized),
 *            RTCP rebuilt (CNAME replaced; TOOL, APP, XR, BYE reason gone)
 *        --> SRTP (AES_CM_128_HMAC_SHA1_80, SDES key from OpenSSL)
 *        --> ChannelData over the TURN TCP stream through tor
 *        --> the TURN server's UDP relay --> the peer's relay
 *
 * and the reverse. The remote leg is rtcp-mux: RTP and RTCP share the one
 * relayed address (offer a=rtcp-mux and a=rtcp:<relay port>); a peer that
 * cannot mux may name its own RTCP port in media_set_peer().
 *
 * Use from the B2BUA, per call:
 *
 *   m = media_new(base, pool, cb, arg);            owner: the call
 *   media_local_ports(m, &rtp, &rtcp);             SDP toward the softphone
 *   ... cb(m, MEDIA_EV_READY, NULL, arg) ...       relay known (never inside
 *                                                  media_new(): next turn)
 *   media_relay(m, addr, sizeof(addr), &port);     SDP toward the network
 *   media_crypto(m)                                a=crypto:<tag> <this>
 *   media_set_softphone(m, "127.0.0.1", rtp, rtcp) from the softphone's SDP
 *   media_set_peer(m, addr, port, 0, crypto, ...)  from the peer's SDP
 *   media_set_direction(m, MEDIA_DIR_SENDONLY)     hold and resume
 *   media_free(m);                                 at the end: the TURN
 *                                                  allocation is released
 *                                                  (lifetime 0) in the
 *                                                  background
 *
 * The callback may later report MEDIA_EV_ERROR (the TURN server went away,
 * the allocation expired, ...) with a static reason; the call decides what
 * to do (usually BYE). The media object stays valid until media_free().
 */
#ifndef ONIONSIP_MEDIA_H
#define ONIONSIP_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct turnpool;
struct media;

/* The longest text of an address media_relay() writes (IPv6 + NUL). */
#define MEDIA_ADDR_MAX	 46
/* The longest crypto attribute value media_crypto() returns, NUL included. */
#define MEDIA_CRYPTO_MAX 80

enum media_event {
	MEDIA_EV_READY, /* the TURN relay exists: media_relay() now works */
	MEDIA_EV_ERROR, /* the media path failed for good; reason says why */
};

/*
 * Direction from our side, as in the SDP we send toward the network:
 * SENDONLY holds the peer (we send, discard what arrives), RECVONLY the
 * reverse, INACTIVE neither. Default SENDRECV.
 */
enum media_dir {
	MEDIA_DIR_SENDRECV,
	MEDIA_DIR_SENDONLY,
	MEDIA_DIR_RECVONLY,
	MEDIA_DIR_INACTIVE,
};

/* reason: a static string when ev is MEDIA_EV_ERROR, NULL otherwise. */
typedef void
media_cb(struct media *m, enum media_event ev, const char *reason, void *arg);

/* Counters of one call, for logs and tests. */
struct media_stats {
	uint64_t rtp_from_softphone;  /* accepted RTP packets */
	uint64_t rtcp_from_softphone; /* accepted RTCP packets */
	uint64_t rtp_to_softphone;    /* RTP delivered to the softphone */
	uint64_t rtcp_to_softphone;   /* rebuilt RTCP delivered */
	uint64_t rtp_to_peer;	      /* RTP written to the TURN stream */
	uint64_t rtcp_to_peer;	      /* rebuilt RTCP written */
	uint64_t rtp_from_peer;	      /* RTP from the peer (after SRTP) */
	uint64_t rtcp_from_peer;      /* RTCP from the peer (after SRTCP) */
	uint64_t drop_foreign;	      /* from an address not the softphone's */
	uint64_t drop_garbage;	      /* STUN probes, bad RTP/RTCP */
	uint64_t drop_queue;	      /* oldest dropped: queue over ~200 ms */
	uint64_t drop_delay;	      /* shed: round trip over MediaMaxDelay */
	uint64_t drop_direction;      /* discarded by hold */
	uint64_t drop_srtp;	      /* failed SRTP authentication/replay */
	uint64_t drop_pt;	 /* RTP with a payload type not in the SDP */
	uint32_t rtt_ms;	 /* last measured media round trip, 0: none */
	uint64_t turn_refreshes; /* allocation refreshes answered */
	uint64_t rtt_samples;	 /* round trips measured from RTCP */
	uint64_t turn_stale_nonces; /* 438 Stale Nonce answers handled */
};

/*
 * A new call's media: opens the local UDP ports at once and takes a TURN
 * allocation from the pool (a warm one if ready, else a fresh one). cb is
 * called with MEDIA_EV_READY or MEDIA_EV_ERROR once the relay is known or
 * has failed, never from inside media_new(). Returns NULL (and sets errno)
 * only if no local UDP port can be opened. Owner: the caller
 * (media_free()).
 */
struct media *media_new(
    struct event_base *base, struct turnpool *pool, media_cb *cb, void *arg);

/* Close the call's media; releases the TURN allocation. NULL: no-op. */
void media_free(struct media *m);

/*
 * The 127.0.0.1 UDP ports the softphone must send to (m= port and
 * a=rtcp: port in the SDP toward the softphone). Valid from media_new().
 */
void media_local_ports(const struct media *m, uint16_t *rtp, uint16_t *rtcp);

/* True once MEDIA_EV_READY was reported (and no error since). */
bool media_ready(const struct media *m);

/*
 * Our relayed transport address (numeric, as the TURN server gave it) for
 * c= and m= in the SDP toward the network. -1 if not ready.
 */
int
media_relay(const struct media *m, char *addr, size_t addrlen, uint16_t *port);

/*
 * Our SRTP key for the SDP toward the network, the attribute value without
 * its tag: "AES_CM_128_HMAC_SHA1_80 inline:<40 base64 chars>". Write it as
 * a=crypto:<tag> <value> (tag 1 in an offer, the offer's tag in an
 * answer). A fresh key per media object; valid from media_new().
 */
const char *media_crypto(const struct media *m);

/*
 * Where the softphone's media comes from and goes to (from its SDP):
 * numeric IPv4 address (127.0.0.1, or the LAN address linphonec names:
 * packets from 127.0.0.1 with the right port are accepted too), RTP port,
 * RTCP port (0: rtcp-mux, RTCP on the RTP port; same as rtp also means
 * mux). Packets from any other source are dropped. May be called again
 * (re-INVITE). 0, or -1 on a bad address.
 */
int media_set_softphone(
    struct media *m, const char *addr, uint16_t rtp_port, uint16_t rtcp_port);

/*
 * The peer's relay from its SDP: numeric address, RTP port, RTCP port (0:
 * rtcp-mux), and its crypto attribute value ("<tag> SUITE inline:KEY..."
 * as after "a=crypto:") or NULL for plain RTP, which is refused unless
 * allow_plain (the AllowPlainRTP setting). Installs the TURN permission and
 * channel bindings (refreshed while the call lasts) and starts relaying.
 * May be called again (re-INVITE). 0, or -1 with a static reason in *why
 * (unsupported suite, bad key, plain RTP refused, bad address).
 */
int media_set_peer(struct media *m, const char *addr, uint16_t rtp_port,
    uint16_t rtcp_port, const char *crypto, bool allow_plain, const char **why);

/* Hold and resume: what we still send and accept (default SENDRECV). */
void media_set_direction(struct media *m, enum media_dir dir);

/*
 * The call's payload type numbers (sdprw_ptmap: 128 entries each way,
 * 0xff for none): RTP toward the peer is renumbered through to_net, RTP
 * toward the softphone through to_sp, and a type without an entry is
 * dropped. Until the first call, numbers pass unchanged.
 */
void
media_set_ptmap(struct media *m, const uint8_t *to_net, const uint8_t *to_sp);

/* Copy the call's counters. */
void media_get_stats(const struct media *m, struct media_stats *st);

/* "sendrecv", "sendonly", ... for SDP and logs. */
const char *media_dir_str(enum media_dir dir);

#endif
