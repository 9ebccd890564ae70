/*
 * socks5_conn: one CONNECT through tor's SocksPort on the libevent loop.
 * Host name only (ATYP 3), never resolved here; username/password for
 * IsolateSOCKSAuth so each call gets its own circuit; a timeout on every
 * step (connect, greeting, auth, reply), all within timeout_ms in total.
 */
#ifndef ONIONSIP_SOCKS5_CONN_H
#define ONIONSIP_SOCKS5_CONN_H

#include <sys/socket.h>

#include <stdint.h>

#include "socks5.h"

struct event_base;
struct socks5_conn;

/*
 * Called once: fd is the connected stream (non-blocking, now the
 * caller's), or -1 with the reason. The socks5_conn is gone when this
 * runs; do not cancel it from inside.
 */
typedef void socks5_conn_cb(int fd, enum socks5_reason reason, void *arg);

/*
 * Start a CONNECT to host:port through the SOCKS5 proxy. isolation is the
 * SOCKS username and password (tor's IsolateSOCKSAuth); NULL picks a fresh
 * random one. Never calls cb before returning. Returns NULL only for bad
 * arguments (host too long or empty, port 0).
 */
struct socks5_conn *
socks5_connect(struct event_base *base, const struct sockaddr *proxy,
    socklen_t proxylen, const char *host, uint16_t port, const char *isolation,
    int timeout_ms, socks5_conn_cb *cb, void *arg);
/*
 * An observer told of every outcome just before the callback (tor.c uses
 * it to refresh tor's onion-service state after introduction failures).
 */
typedef void socks5_conn_observer_cb(enum socks5_reason reason);
void socks5_conn_set_observer(
    struct socks5_conn *c, socks5_conn_observer_cb *observer);
/* Abandon a CONNECT in progress: closes its socket, no callback after. */
void socks5_conn_cancel(struct socks5_conn *c);

#endif
