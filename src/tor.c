#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "tor.h"
#include "xmalloc.h"

#define TOR_MAX_LISTENERS 16 /* state-change callbacks */

struct tor_listener {
	tor_change_cb *cb;
	void *arg;
};

/* The one view of tor in this process, set by daemon_tor.c. */
static struct {
	struct event_base *base;
	enum tor_state state;
	int bootstrap;
	struct sockaddr_storage socks;
	socklen_t sockslen;
	char onion[TOR_ONION_LEN + 1];
	uint16_t virtual_port;
	struct sockaddr_storage listen;
	socklen_t listenlen;
	int listen_fd;
	struct tor_listener listeners[TOR_MAX_LISTENERS];
	size_t nlisteners;
	tor_onion_failure_cb *onion_failure;
} tor = { .listen_fd = -1 };

/* A state in words. */
const char *
tor_state_str(enum tor_state s)
{
	switch (s) {
	case TOR_OFF:
		return "off";
	case TOR_STARTING:
		return "starting";
	case TOR_BOOTSTRAPPING:
		return "bootstrapping";
	case TOR_PUBLISHING:
		return "publishing";
	case TOR_READY:
		return "ready";
	case TOR_DOWN:
		return "down";
	case TOR_FAILED:
		return "failed";
	}
	return "unknown";
}

/* The current state. */
enum tor_state
tor_state(void)
{
	return tor.state;
}

/* Whether connections may be opened through tor now. */
bool
tor_ready(void)
{
	return tor.state == TOR_READY && tor.sockslen > 0;
}

/* The last bootstrap percentage. */
int
tor_bootstrap_percent(void)
{
	return tor.bootstrap;
}

/* tor's SocksPort, only while ready. */
const struct sockaddr *
tor_socks_addr(socklen_t *lenp)
{
	if (!tor_ready())
		return NULL;
	if (lenp != NULL)
		*lenp = tor.sockslen;
	return (const struct sockaddr *)&tor.socks;
}

/* Our onion address (56 chars), or NULL before the key is loaded. */
const char *
tor_onion_address(void)
{
	return tor.onion[0] != '\0' ? tor.onion : NULL;
}

/* The virtual port of the onion service. */
uint16_t
tor_onion_virtual_port(void)
{
	return tor.virtual_port;
}

/* Where tor delivers onion streams. */
const struct sockaddr *
tor_onion_listen_addr(socklen_t *lenp)
{
	if (tor.listenlen == 0)
		return NULL;
	if (lenp != NULL)
		*lenp = tor.listenlen;
	return (const struct sockaddr *)&tor.listen;
}

/* Hand the listening socket to the caller. */
int
tor_onion_listen_take(void)
{
	int fd = tor.listen_fd;

	tor.listen_fd = -1;
	return fd;
}

/* Add a state-change callback. */
void
tor_on_change(tor_change_cb *cb, void *arg)
{
	size_t i;

	for (i = 0; i < tor.nlisteners; i++)
		if (tor.listeners[i].cb == cb && tor.listeners[i].arg == arg)
			return;
	if (tor.nlisteners == TOR_MAX_LISTENERS)
		fatalx("tor_on_change: too many listeners");
	tor.listeners[tor.nlisteners].cb = cb;
	tor.listeners[tor.nlisteners].arg = arg;
	tor.nlisteners++;
}

/* Remove a state-change callback. */
void
tor_off_change(tor_change_cb *cb, void *arg)
{
	size_t i;

	for (i = 0; i < tor.nlisteners; i++) {
		if (tor.listeners[i].cb != cb || tor.listeners[i].arg != arg)
			continue;
		tor.listeners[i] = tor.listeners[--tor.nlisteners];
		return;
	}
}

/* Pass onion-service failures on to the hook. */
static void
tor_connect_observer(enum socks5_reason reason)
{
	if (tor.onion_failure == NULL)
		return;
	if (reason == SOCKS5_ONION_INTRO_FAILED ||
	    reason == SOCKS5_ONION_REND_FAILED ||
	    reason == SOCKS5_ONION_INTRO_TIMEOUT)
		tor.onion_failure(reason);
}

/* CONNECT through our tor, fail closed. */
struct socks5_conn *
tor_connect(const char *host, uint16_t port, const char *isolation,
    int timeout_ms, socks5_conn_cb *cb, void *arg)
{
	const struct sockaddr *sa;
	struct socks5_conn *c;
	socklen_t len;

	if (tor.base == NULL || (sa = tor_socks_addr(&len)) == NULL)
		return NULL;
	c = socks5_connect(
	    tor.base, sa, len, host, port, isolation, timeout_ms, cb, arg);
	if (c != NULL)
		socks5_conn_set_observer(c, tor_connect_observer);
	return c;
}

/* Set the hook for onion-service failures. */
void
tor_set_onion_failure_hook(tor_onion_failure_cb *cb)
{
	tor.onion_failure = cb;
}

/* Set up the object for the daemon's loop. */
void
tor_init(struct event_base *base)
{
	tor.base = base;
}

/* Change state and tell the listeners (old -> new, logged). */
void
tor_set_state(enum tor_state s)
{
	struct tor_listener copy[TOR_MAX_LISTENERS];
	enum tor_state old = tor.state;
	size_t i, n;

	if (s == old)
		return;
	tor.state = s;
	log_info("tor: %s -> %s", tor_state_str(old), tor_state_str(s));
	n = tor.nlisteners;
	memcpy(copy, tor.listeners, n * sizeof(copy[0]));
	for (i = 0; i < n; i++)
		copy[i].cb(old, s, copy[i].arg);
}

/* Record the bootstrap percentage. */
void
tor_set_bootstrap(int percent)
{
	tor.bootstrap = percent;
}

/* Record tor's SocksPort. */
void
tor_set_socks_addr(const struct sockaddr *sa, socklen_t len)
{
	/* Zeroed (AF_UNSPEC), a pointer someone kept connects nowhere. */
	memset(&tor.socks, 0, sizeof(tor.socks));
	if (sa == NULL || len > sizeof(tor.socks)) {
		tor.sockslen = 0;
		return;
	}
	memcpy(&tor.socks, sa, len);
	tor.sockslen = len;
}

/* Record our onion address and virtual port. */
void
tor_set_onion(const char *onion56, uint16_t virtual_port)
{
	snprintf(tor.onion, sizeof(tor.onion), "%s", onion56 ? onion56 : "");
	tor.virtual_port = virtual_port;
}

/* Record the onion listener (fd is ours until taken). */
void
tor_set_onion_listener(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (tor.listen_fd != -1 && tor.listen_fd != fd)
		close(tor.listen_fd);
	tor.listen_fd = fd;
	if (sa != NULL && len <= sizeof(tor.listen)) {
		memcpy(&tor.listen, sa, len);
		tor.listenlen = len;
	} else
		tor.listenlen = 0;
}

/* Forget everything (shutdown, tests). Listeners are kept. */
void
tor_reset(void)
{
	if (tor.listen_fd != -1)
		close(tor.listen_fd);
	tor.listen_fd = -1;
	tor.listenlen = 0;
	memset(&tor.socks, 0, sizeof(tor.socks));
	tor.sockslen = 0;
	tor.bootstrap = 0;
	tor.onion[0] = '\0';
	tor.state = TOR_OFF;
}
