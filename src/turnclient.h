/*
 * turnclient: one TURN allocation (RFC 8656) over a TCP stream through
 * tor (issue 4). The server's host:port goes to tor as a SOCKS5 hostname,
 * never resolved here; every allocation gets its own SOCKS isolation
 * credentials. The client does the long-term credential exchange (401,
 * 438 stale nonce), refreshes the allocation before its lifetime ends,
 * keeps channel bindings and permissions alive, carries media as
 * ChannelData through a bounded drop-oldest queue (mediaq), and releases
 * the allocation (Refresh, lifetime 0) when freed.
 *
 * Tor buffers a great deal before its SOCKS socket pushes back (and a
 * local tor's socket buffer takes tens of kilobytes even when tor is
 * stuck), so while media flows the client probes the path to the TURN
 * server with a STUN Binding every 250 ms; while a probe stays unanswered
 * past max(300 ms, 3 round trips) media is held in the queue, where it
 * ages out, instead of being pushed into a stalled stream.
 *
 * Writes are coalesced: everything queued during one loop turn goes out in
 * one write(), so tor can fill its 498-byte cells; the kernel keeps little
 * unsent data (TCP_NOTSENT_LOWAT) so that old audio waits in our queue,
 * where it can be dropped, rather than in the kernel.
 */
#ifndef ONIONSIP_TURNCLIENT_H
#define ONIONSIP_TURNCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

struct event_base;
struct turnclient;

#define TURNCLIENT_MAX_PEERS	    4 /* channel bindings per allocation */
#define TURNCLIENT_MAX_INBUF	    (128 * 1024)
#define TURNCLIENT_TRANS_TIMEOUT_MS 15000 /* one request's answer */
#define TURNCLIENT_NOTSENT_LOWAT    2048  /* bytes unsent in the kernel */
#define TURNCLIENT_WRITE_MAX	    4096  /* bytes coalesced per write */
#define TURNCLIENT_DEALLOC_WAIT_MS  3000
#define TURNCLIENT_PERM_REFRESH_S   240 /* permissions last 300 s */
#define TURNCLIENT_PROBE_MS	    250 /* Binding probe interval, media flowing */
#define TURNCLIENT_STALL_MS	    300 /* unanswered probe: stop writing media */
#define TURNCLIENT_LIFETIME	    600 /* asked for (RFC 8656 default) */

enum turnclient_state {
	TURNCLIENT_CONNECTING, /* SOCKS5 CONNECT through tor */
	TURNCLIENT_ALLOCATING, /* Allocate, 401 challenge, authenticated */
	TURNCLIENT_READY,      /* relayed address known; refreshing */
	TURNCLIENT_CLOSING,    /* freed: deallocating (lifetime 0) */
	TURNCLIENT_FAILED,
};

enum turnclient_event {
	TURNCLIENT_EV_READY,
	TURNCLIENT_EV_FAILED,
};

struct turnclient_config {
	const struct sockaddr *socks; /* tor's SocksPort */
	socklen_t sockslen;
	const char *host; /* TURN server: handed to tor */
	uint16_t port;
	const char *user;
	const char *password;
	int timeout_ms;	       /* SOCKS connect; 0: 60 s */
	uint32_t lifetime;     /* requested; 0: the server's default */
	uint64_t max_queue_us; /* mediaq age limit; 0: 200 ms */
};

/* reason: static, set for TURNCLIENT_EV_FAILED. */
typedef void turnclient_cb(struct turnclient *tc, enum turnclient_event ev,
    const char *reason, void *arg);
/* Media from a bound peer (channel) or a Data indication (channel 0). */
typedef void
turnclient_data_cb(uint16_t channel, const uint8_t *p, size_t len, void *arg);

/* Counters. */
struct turnclient_stats {
	uint64_t frames_out, frames_in, bytes_out, bytes_in, writes;
	uint64_t drops_full, drops_age;
	uint64_t refreshes, binds;
	uint64_t stale_nonces;	 /* 438 answers retried */
	uint64_t probes, stalls; /* Binding probes; times media was held */
	uint32_t probe_rtt_ms;	 /* last round trip to the TURN server */
	uint32_t lifetime;	 /* as granted */
};

/*
 * Start an allocation (config strings are copied). Never NULL. Owner: the
 * caller (turnclient_free()). Callbacks are set with turnclient_set_cb().
 */
struct turnclient *
turnclient_new(struct event_base *base, const struct turnclient_config *cfg);

/*
 * Release the allocation in the background (Refresh with lifetime 0 if
 * one exists) and free. No callback runs after this. NULL: no-op.
 */
void turnclient_free(struct turnclient *tc);

/*
 * Set who hears about state and media. If the client is already READY or
 * FAILED, cb is called for that on the next loop turn.
 */
void turnclient_set_cb(struct turnclient *tc, turnclient_cb *cb,
    turnclient_data_cb *dcb, void *arg);

enum turnclient_state turnclient_state(const struct turnclient *tc);
const char *turnclient_state_str(enum turnclient_state s);

/* The relayed transport address; -1 unless READY. */
int
turnclient_relayed(const struct turnclient *tc, struct sockaddr_storage *ss);

/*
 * Permission and channel for peer (refreshed while the client lives).
 * Returns the channel number (same peer: same channel), 0 on failure.
 * Media may be sent at once: the server queues nothing, but ChannelBind
 * goes out before any ChannelData of that channel on the same stream.
 */
uint16_t turnclient_bind(struct turnclient *tc, const struct sockaddr *peer);

/*
 * Queue one datagram for a bound channel; sent on this loop turn's flush.
 * 0, or -1 if not READY or too big.
 */
int turnclient_send(
    struct turnclient *tc, uint16_t channel, const uint8_t *p, size_t len);

/* True while the path to the TURN server looks stalled (see above). */
bool turnclient_stalled(const struct turnclient *tc, uint64_t now_us);

/* Age of the oldest queued frame (0 when empty), for delay control. */
uint64_t turnclient_queue_age_us(const struct turnclient *tc, uint64_t now_us);

void
turnclient_get_stats(const struct turnclient *tc, struct turnclient_stats *st);

/* Microseconds on the monotonic clock (media timing). */
uint64_t turnclient_now_us(void);

#endif
