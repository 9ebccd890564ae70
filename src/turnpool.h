/*
 * turnpool: where calls get their TURN allocations (issue 4). With
 * TURNWarm on, one allocation is kept ready (through tor, allocated and
 * refreshed) so that a new call's INVITE does not wait for a SOCKS connect
 * and the TURN exchange; it is replaced when a call takes it or when it
 * fails. Every allocation has its own TCP stream through tor with its own
 * SOCKS isolation credentials, so two calls never share a circuit.
 */
#ifndef ONIONSIP_TURNPOOL_H
#define ONIONSIP_TURNPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/socket.h>

struct event_base;
struct turnclient;
struct turnpool;

/* What the pool needs; strings are copied by turnpool_new(). */
struct turnpool_config {
	const struct sockaddr *socks; /* tor's SocksPort */
	socklen_t sockslen;
	const char *server_host; /* TURNServer host: handed to tor */
	uint16_t server_port;
	const char *user;	   /* TURNUser */
	const char *password;	   /* TURNPassword (wiped on free) */
	bool warm;		   /* TURNWarm */
	unsigned int max_delay_ms; /* MediaMaxDelay: shed media past this */
	unsigned int connect_timeout_ms; /* SOCKS + TURN; 0: default 60 s */
};

struct settings;

/*
 * Fill cfg from the running configuration (TURNServer, TURNUser,
 * TURNPassword, TURNWarm, MediaMaxDelay) and tor's SocksPort. The strings
 * point into set: call turnpool_new() while set is alive (it copies them).
 */
void turnpool_config_from_settings(struct turnpool_config *cfg,
    const struct settings *set, const struct sockaddr *socks,
    socklen_t sockslen);

/* A new pool; starts the warm allocation at once if cfg->warm. Owner: the
 * daemon (turnpool_free()). */
struct turnpool *
turnpool_new(struct event_base *base, const struct turnpool_config *cfg);

/*
 * Free the pool; a warm allocation is released (Refresh, lifetime 0) in the
 * background: keep the loop running up to TURNCLIENT_DEALLOC_WAIT_MS (3 s)
 * afterwards for it to finish and free itself. NULL: no-op.
 */
void turnpool_free(struct turnpool *p);

/*
 * Hand out an allocation: the warm one if it is ready, else a new one in
 * progress (its callback reports when it is ready). Starts a replacement
 * warm allocation. Owner of the result: the caller (turnclient_free()).
 * Used by media_new().
 */
struct turnclient *turnpool_take(struct turnpool *p);

/* MediaMaxDelay in milliseconds, for media objects made from this pool. */
unsigned int turnpool_max_delay_ms(const struct turnpool *p);

/* True when a warm allocation is ready now (for status and tests). */
bool turnpool_warm_ready(const struct turnpool *p);

#endif
