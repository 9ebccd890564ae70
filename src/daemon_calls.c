#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "call.h"
#include "daemon.h"
#include "daemon_calls.h"
#include "daemon_tor.h"
#include "leakcheck.h"
#include "localinfo.h"
#include "log.h"
#include "tor.h"
#include "turnpool.h"

static struct {
	struct daemon *d;
	struct call_table *t;
	struct leakcheck *lc;
	struct turnpool *pool;
	bool have_onion_listener;
	bool stopping;
	struct event *ev_release;
} dc;

/* Take the onion service's listener once the tor module has bound it. */
static void
daemon_calls_take_listener(void)
{
	int fd;

	if (dc.have_onion_listener || dc.t == NULL)
		return;
	if ((fd = tor_onion_listen_take()) == -1)
		return;
	call_table_adopt_onion_listener(dc.t, fd);
	dc.have_onion_listener = true;
	log_info("calls: accepting onion-side SIP on OnionListen");
}

/* Start the TURN pool once tor can carry its stream. */
static void
daemon_calls_start_pool(void)
{
	const struct settings *set = &dc.d->set;
	struct turnpool_config pc;
	socklen_t len;
	const struct sockaddr *socks;

	if (dc.pool != NULL || set->turn_server.host[0] == '\0')
		return;
	if ((socks = tor_socks_addr(&len)) == NULL)
		return;
	/* From the settings, MediaMaxDelay included. */
	turnpool_config_from_settings(&pc, set, socks, len);
	dc.pool = turnpool_new(dc.d->base, &pc);
	call_table_set_pool(dc.t, dc.pool);
}

/* Tor's state changed: the listener and the pool follow it. */
static void
daemon_calls_tor_cb(enum tor_state old, enum tor_state now, void *arg)
{
	daemon_calls_take_listener();
	if (now == TOR_READY)
		daemon_calls_start_pool();
}

/* Open the softphone's side and tell the user how to point a softphone. */
void
daemon_calls_start(struct daemon *d)
{
	struct localinfo_counts counts;
	struct call_config cfg;
	char err[256];

	dc.d = d;
	dc.lc = leakcheck_new();
	/* Fail closed: without the machine's identifiers the leak check
	 * cannot do its job, so the gateway does not start. */
	if (localinfo_gather(dc.lc, &counts) != 0)
		fatalx("cannot list this machine's addresses for the leak "
		       "check");
	/* Our own user part and display name go out by design: a host
	 * named like the user must not stop every message. */
	leakcheck_allow_word(dc.lc, d->set.user);
	if (d->set.display_name != NULL && d->set.display_name[0] != '\0')
		leakcheck_allow_word(dc.lc, d->set.display_name);
	log_info(
	    "leak check: %zu addresses, %zu names", counts.addrs, counts.names);
	memset(&cfg, 0, sizeof(cfg));
	cfg.set = &d->set;
	cfg.lc = dc.lc;
	if ((dc.t = call_table_new(d->base, &cfg, err, sizeof(err))) == NULL)
		fatalx("calls: %s", err);
	if (call_table_listen(dc.t, err, sizeof(err)) != 0)
		fatalx("SIPListen %s:%u: %s", d->set.sip_listen.host,
		    d->set.sip_listen.port, err);
	fprintf(stderr,
	    "Softphone settings (any SIP account works, user %s):\n"
	    "  outbound proxy  %s:%d (UDP or TCP)\n"
	    "  ICE, STUN, TURN off; SRTP off (onionsip encrypts toward the "
	    "network)\n"
	    "  %s\n",
	    d->set.user, d->set.sip_listen.host, call_table_local_port(dc.t),
	    d->set.sip_password[0] != '\0'
		? "register with your User and SIPPassword"
		: "registering is optional (LocalContact otherwise)");
	if (d->set.turn_server.host[0] == '\0')
		log_warnx("no TURNServer: calls cannot carry audio and are "
			  "refused");
	tor_on_change(daemon_calls_tor_cb, NULL);
	daemon_calls_take_listener();
	if (tor_ready())
		daemon_calls_start_pool();
}

/* The relays' releases had their moment: now tor may stop. */
static void
daemon_calls_released_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	event_free(dc.ev_release);
	dc.ev_release = NULL;
	daemon_tor_stop(d);
	daemon_stopped(d);
}

/*
 * Every call has ended (their media objects freed, which releases their
 * TURN allocations): release the warm one too, and give the releases a
 * moment to leave through tor before it stops.
 */
static void
daemon_calls_done(void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { 0, DAEMON_CALLS_RELEASE_MS * 1000 };

	turnpool_free(dc.pool);
	dc.pool = NULL;
	call_table_set_pool(dc.t, NULL);
	dc.ev_release = evtimer_new(d->base, daemon_calls_released_cb, d);
	evtimer_add(dc.ev_release, &tv);
}

/* End every call (BYE), then stop tor. */
void
daemon_calls_stop(struct daemon *d)
{
	if (dc.stopping)
		return;
	dc.stopping = true;
	if (dc.t == NULL) {
		daemon_tor_stop(d);
		return;
	}
	d->pending_stops++;
	call_table_shutdown(dc.t, daemon_calls_done, d);
}

/* Free what the calls held (after the loop). */
void
daemon_calls_free(void)
{
	tor_off_change(daemon_calls_tor_cb, NULL);
	if (dc.ev_release != NULL)
		event_free(dc.ev_release);
	call_table_free(dc.t);
	turnpool_free(dc.pool);
	leakcheck_free(dc.lc);
	memset(&dc, 0, sizeof(dc));
}
