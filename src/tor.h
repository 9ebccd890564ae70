/*
 * tor: the daemon's view of tor as one small object others query. Owned
 * and driven by daemon_tor.c; everyone else only reads it and listens for
 * changes. Fail closed: until tor_ready() nothing may open a connection to
 * anything, and tor_socks_addr() returns NULL then.
 */
#ifndef ONIONSIP_TOR_H
#define ONIONSIP_TOR_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>

#include "socks5_conn.h"

#define TOR_ONION_LEN 56 /* v3 address without ".onion" */

enum tor_state {
	TOR_OFF,	   /* not started, or stopped */
	TOR_STARTING,	   /* launching tor / connecting to its control port */
	TOR_BOOTSTRAPPING, /* control port up, bootstrap < 100 % */
	TOR_PUBLISHING,	   /* bootstrapped; ADD_ONION sent */
	TOR_READY,	   /* bootstrapped and the onion service published */
	TOR_DOWN,   /* lost tor (died, control connection dropped); retrying */
	TOR_FAILED, /* cannot go on (tor missing, key refused) */
};

/* A state change: old -> now. Runs on the loop, after the change. */
typedef void tor_change_cb(enum tor_state old, enum tor_state now, void *arg);

const char *tor_state_str(enum tor_state s);
enum tor_state tor_state(void);
bool tor_ready(void);
/* Bootstrap percentage 0..100 as tor last reported it. */
int tor_bootstrap_percent(void);
/*
 * tor's SocksPort; NULL unless tor_ready() (fail closed). Better call it
 * for every connection; a pointer kept from it stays valid, reads as
 * AF_UNSPEC (connect() fails) while tor is lost and holds the new port
 * after our tor restarts.
 */
const struct sockaddr *tor_socks_addr(socklen_t *lenp);
/* Our v3 onion address without ".onion" (56 chars); known before tor is. */
const char *tor_onion_address(void);
/* The port callers use on our onion address (OnionVirtualPort). */
uint16_t tor_onion_virtual_port(void);
/*
 * The onion service's local TCP listener (bound from OnionListen just
 * before the first ADD_ONION, so a port 0 there is a real port here; NULL
 * and -1 until then, i.e. until the first TOR_READY): tor delivers every
 * incoming onion stream to it. It stays the same across tor restarts.
 * tor_onion_listen_take() hands the listening socket (non-blocking) to the
 * caller, who accepts on it and closes it; -1 if there is none yet or it
 * was taken already.
 */
const struct sockaddr *tor_onion_listen_addr(socklen_t *lenp);
int tor_onion_listen_take(void);

/* Listen for state changes; register once per (cb, arg). */
void tor_on_change(tor_change_cb *cb, void *arg);
void tor_off_change(tor_change_cb *cb, void *arg);

/*
 * socks5_connect() through our tor. Returns the connection (cancel it with
 * socks5_conn_cancel()), or NULL without ever calling cb when tor is not
 * ready or the arguments are bad: the caller then fails the call as
 * SOCKS5_PROXY_DOWN (503). Never a direct connection.
 */
struct socks5_conn *tor_connect(const char *host, uint16_t port,
    const char *isolation, int timeout_ms, socks5_conn_cb *cb, void *arg);

/*
 * For daemon_tor.c: called when a CONNECT through tor_connect() failed at
 * an onion service's introduction or rendezvous (F2, F3, F7): tor may hold
 * a stale descriptor of a service that restarted.
 */
typedef void tor_onion_failure_cb(enum socks5_reason reason);
void tor_set_onion_failure_hook(tor_onion_failure_cb *cb);

/* For daemon_tor.c only: the setters. */
struct event_base;
void tor_init(struct event_base *base);
void tor_set_state(enum tor_state s);
void tor_set_bootstrap(int percent);
void tor_set_socks_addr(const struct sockaddr *sa, socklen_t len);
void tor_set_onion(const char *onion56, uint16_t virtual_port);
void tor_set_onion_listener(int fd, const struct sockaddr *sa, socklen_t len);
void tor_reset(void);

#endif
