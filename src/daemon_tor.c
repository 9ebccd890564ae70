#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "daemon_tor.h"
#include "log.h"
#include "onion.h"
#include "tor.h"
#include "torctl.h"
#include "torproc.h"
#include "xmalloc.h"

/* The daemon's tor; one per process. */
static struct {
	struct daemon *d;
	struct onion_key key;
	struct torproc *proc;
	struct torctl *ctl;
	struct event *ev_retry; /* reconnect / restart later */
	struct event *ev_poll;	/* waiting for tor's control port file */
	struct event *ev_watch; /* bootstrap watchdog */
	struct event *ev_reap;	/* free a dead torctl outside its callbacks */
	struct torctl *dead_ctl;
	int retry_delay;
	int poll_count;
	bool announced;
	bool stopping;
	bool stopped;
	bool published;
	int progress;
	time_t progress_at;
	bool stall_warned;
	struct log_ratelim warn_rl;
	time_t newnym_at;
	uint16_t socks_port; /* our tor's SocksPort, kept across restarts */
	bool no_circuits;
} dt = { .warn_rl = LOG_RATELIM_INIT(60, 3) };

static void daemon_tor_begin(void);

/* Tell the daemon we have stopped, once, whichever path gets here first. */
static void
daemon_tor_stopped(void)
{
	if (dt.stopped)
		return;
	dt.stopped = true;
	daemon_stopped(dt.d);
}

static void daemon_tor_lost(const char *why);

/* Try again in a while, backing off. */
static void
daemon_tor_retry_later(void)
{
	struct timeval tv = { dt.retry_delay, 0 };

	if (dt.stopping)
		return;
	log_notice("tor: trying again in %d s", dt.retry_delay);
	evtimer_add(dt.ev_retry, &tv);
	dt.retry_delay *= 2;
	if (dt.retry_delay > DAEMON_TOR_RETRY_MAX)
		dt.retry_delay = DAEMON_TOR_RETRY_MAX;
}

/* The retry timer: start again. */
static void
daemon_tor_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	daemon_tor_begin();
}

/* Free a closed control connection on the next loop turn. */
static void
daemon_tor_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	torctl_free(dt.dead_ctl);
	dt.dead_ctl = NULL;
}

/* Drop the control connection (freed later: we may be inside it). */
static void
daemon_tor_drop_ctl(void)
{
	struct timeval zero = { 0, 0 };

	if (dt.ctl == NULL)
		return;
	torctl_close(dt.ctl);
	if (dt.dead_ctl != NULL)
		torctl_free(dt.dead_ctl);
	dt.dead_ctl = dt.ctl;
	dt.ctl = NULL;
	evtimer_add(dt.ev_reap, &zero);
}

/* Everything ready: tell the user once. */
static void
daemon_tor_announce(void)
{
	char *summary;

	dt.retry_delay = DAEMON_TOR_RETRY_MIN;
	tor_set_state(TOR_READY);
	if (dt.announced) {
		log_notice("tor: back; the onion service is published again");
		return;
	}
	dt.announced = true;
	xasprintf(&summary,
	    "onionsip is ready. Your address:\n"
	    "  sip:%s@%s.onion\n",
	    dt.d->set.user, dt.key.address);
	daemon_ready(dt.d, summary);
	free(summary);
}

/* The answer to ADD_ONION: the service must be the one of our key. */
static void
daemon_tor_add_onion_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	char sid[ONION_ADDR_LEN + 8];
	size_t i;

	if (r == NULL)
		return;
	sid[0] = '\0';
	for (i = 0; r->code == 250 && i < r->nlines; i++)
		if (torreply_kv(
			r->lines[i].text, "ServiceID", sid, sizeof(sid)) == 0)
			break;
	if (r->code != 250 || sid[0] == '\0') {
		log_warnx("tor: ADD_ONION refused: %d %s", r->code,
		    r->nlines > 0 ? r->lines[0].text : "");
		daemon_tor_lost("tor refused our onion service");
		return;
	}
	if (strcmp(sid, dt.key.address) != 0) {
		/* Never serve under an address the user does not know. */
		log_warnx("tor: published %s, not our %s; stopping",
		    log_sensitive(sid), log_sensitive(dt.key.address));
		tor_set_state(TOR_FAILED);
		daemon_shutdown(dt.d, 1);
		return;
	}
	dt.published = true;
	log_info("tor: onion service %s.onion published",
	    log_sensitive(dt.key.address));
	daemon_tor_announce();
}

/* Bind the local listener the onion service delivers to (once). */
static int
daemon_tor_listen(void)
{
	const struct settings_addr *a = &dt.d->set.onion_listen;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, on = 1;

	if (tor_onion_listen_addr(NULL) != NULL)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, a->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, a->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		len = sizeof(*sin6);
	} else {
		log_warnx("OnionListen %s: not a numeric address", a->host);
		return -1;
	}
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		log_warn("OnionListen %s:%u", a->host, a->port);
		close(fd);
		return -1;
	}
	tor_set_onion_listener(fd, (struct sockaddr *)&ss, len);
	return 0;
}

/* Publish our onion service: ADD_ONION with our own key. */
static void
daemon_tor_publish(void)
{
	const struct settings *set = &dt.d->set;
	char blob[ONION_ADDONION_MAX], target[80], host[INET6_ADDRSTRLEN];
	char line[TORCTL_MAX_COMMAND];
	const struct sockaddr *sa;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	socklen_t len;
	int rc;

	if (daemon_tor_listen() != 0) {
		tor_set_state(TOR_FAILED);
		daemon_shutdown(dt.d, 1);
		return;
	}
	sa = tor_onion_listen_addr(&len);
	if (sa->sa_family == AF_INET) {
		sin = (struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(target, sizeof(target), "%s:%u", host,
		    ntohs(sin->sin_port));
	} else {
		sin6 = (struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(target, sizeof(target), "[%s]:%u", host,
		    ntohs(sin6->sin6_port));
	}
	if (onion_addonion_keyblob(&dt.key, blob, sizeof(blob)) != 0 ||
	    torctl_build_add_onion(line, sizeof(line), blob,
		set->onion_virtual_port, target,
		(const char *const *)set->onion_authorized_clients.v,
		set->onion_authorized_clients.n) != 0)
		fatalx("cannot build ADD_ONION");
	explicit_bzero(blob, sizeof(blob));
	tor_set_state(TOR_PUBLISHING);
	rc = torctl_command(dt.ctl, line, daemon_tor_add_onion_cb, NULL);
	explicit_bzero(line, sizeof(line));
	if (rc != 0)
		daemon_tor_lost("control connection closed");
}

/* The answer to GETINFO net/listeners/socks (launch mode). */
static void
daemon_tor_socks_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	const struct settings *set = &dt.d->set;
	struct sockaddr_storage ss;
	uint16_t prefer;
	socklen_t len;
	int rc = -1;

	if (r == NULL)
		return;
	prefer =
	    set->tor_mode == SETTINGS_TOR_EXTERNAL ? set->tor_socks_port : 0;
	if (r->code == 250 && r->nlines >= 1 &&
	    strncmp(r->lines[0].text, "net/listeners/socks=", 20) == 0)
		rc =
		    torctl_pick_socks(r->lines[0].text + 20, prefer, &ss, &len);
	if (rc < 0) {
		daemon_tor_lost("tor has no SocksPort on an address");
		return;
	}
	/* The control port's own tor knows best where its SocksPort is. */
	if (rc == 1)
		log_warnx("tor: TorSocksPort %u is not one of this tor's "
			  "SocksPorts; using port %u that tor reports",
		    prefer, ntohs(((struct sockaddr_in *)&ss)->sin_port));
	tor_set_socks_addr((struct sockaddr *)&ss, len);
	if (set->tor_mode == SETTINGS_TOR_LAUNCH)
		dt.socks_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	daemon_tor_publish();
}

/* Bootstrapped: find the SocksPort, then publish. */
static void
daemon_tor_bootstrapped(void)
{
	log_progress_done();
	log_info("tor: bootstrapped");
	if (torctl_command(dt.ctl, "GETINFO net/listeners/socks",
		daemon_tor_socks_cb, NULL) != 0)
		daemon_tor_lost("control connection closed");
}

/* A bootstrap status line, from GETINFO or an event. */
static void
daemon_tor_progress(const char *text)
{
	char tag[64], summary[256], esc[LOG_ESCAPE_MAX];
	bool warning;
	int p;

	if (torctl_parse_bootstrap(text, &p, tag, sizeof(tag), summary,
		sizeof(summary), &warning) != 0)
		return;
	if (warning) {
		log_progress_done();
		log_ratelim_warnx(&dt.warn_rl,
		    "tor: bootstrap problem at %d%%: %s. If this network "
		    "blocks Tor, use bridges (UseBridges, Bridge; see "
		    "docs/tor.md)",
		    p, log_escape(esc, sizeof(esc), summary, strlen(summary)));
		return;
	}
	if (p != dt.progress) {
		dt.progress = p;
		dt.progress_at = time(NULL);
	}
	tor_set_bootstrap(p);
	if (tor_state() != TOR_BOOTSTRAPPING)
		return;
	log_progress("tor: bootstrapping %3d%% %s", p,
	    log_escape(esc, sizeof(esc), summary, strlen(summary)));
	if (p == 100)
		daemon_tor_bootstrapped();
}

/* The answer to GETINFO status/bootstrap-phase. */
static void
daemon_tor_phase_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	if (r == NULL)
		return;
	if (r->code != 250 || r->nlines < 1) {
		daemon_tor_lost("tor did not tell its bootstrap state");
		return;
	}
	daemon_tor_progress(r->lines[0].text);
}

/* An event from tor. */
static void
daemon_tor_event_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	const char *text;

	if (r->nlines == 0 ||
	    strncmp(r->lines[0].text, "STATUS_CLIENT ", 14) != 0)
		return;
	text = r->lines[0].text;
	/* Ready but cut off (the machine went offline): say so once. */
	if (strstr(text, " CIRCUIT_NOT_ESTABLISHED") != NULL) {
		if (!dt.no_circuits)
			log_warnx(
			    "tor: cannot build circuits; calls fail until "
			    "the network is back");
		dt.no_circuits = true;
	} else if (strstr(text, " CIRCUIT_ESTABLISHED") != NULL) {
		if (dt.no_circuits)
			log_notice("tor: circuits again");
		dt.no_circuits = false;
	} else
		daemon_tor_progress(text);
}

/* A plain command that must answer 250. */
static void
daemon_tor_ok_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	if (r != NULL && r->code != 250)
		daemon_tor_lost((const char *)arg);
}

static char msg_takeownership[] = "tor refused TAKEOWNERSHIP";
static char msg_setevents[] = "tor refused SETEVENTS";
static char msg_newnym[] = "tor refused SIGNAL NEWNYM";

/* Authenticated: own tor, listen for bootstrap, ask where it is. */
static void
daemon_tor_auth_cb(struct torctl *tc, bool ok, const char *why, void *arg)
{
	if (!ok) {
		daemon_tor_lost(why);
		return;
	}
	log_info("tor: authenticated (%s)", torctl_auth_method(tc));
	tor_set_state(TOR_BOOTSTRAPPING);
	dt.progress = -1;
	dt.progress_at = time(NULL);
	dt.stall_warned = false;
	/* Our own tor exits when this connection closes. */
	if ((dt.d->set.tor_mode == SETTINGS_TOR_LAUNCH &&
		torctl_command(tc, "TAKEOWNERSHIP", daemon_tor_ok_cb,
		    msg_takeownership) != 0) ||
	    torctl_command(tc, "SETEVENTS STATUS_CLIENT", daemon_tor_ok_cb,
		msg_setevents) != 0 ||
	    torctl_command(tc, "GETINFO status/bootstrap-phase",
		daemon_tor_phase_cb, NULL) != 0)
		daemon_tor_lost("control connection closed");
}

/* The control connection came up or went away. */
static void
daemon_tor_ctl_state_cb(struct torctl *tc, bool up, const char *why, void *arg)
{
	const char *cookie = NULL;

	if (!up) {
		daemon_tor_lost(why);
		return;
	}
	if (dt.d->set.tor_mode == SETTINGS_TOR_LAUNCH)
		cookie = torproc_cookie_path(dt.proc);
	else
		cookie = dt.d->set.tor_control_cookie_file;
	torctl_authenticate(tc, cookie, dt.d->set.tor_control_password,
	    daemon_tor_auth_cb, NULL);
}

/* Open the control connection. */
static void
daemon_tor_connect(const struct sockaddr *sa, socklen_t len)
{
	dt.ctl = torctl_new(dt.d->base, sa, len, daemon_tor_ctl_state_cb,
	    daemon_tor_event_cb, NULL);
}

/* Poll for the file where our tor writes its control port. */
static void
daemon_tor_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, DAEMON_TOR_POLL_MS * 1000 };
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (dt.proc == NULL || !torproc_running(dt.proc))
		return;
	rc = torproc_control_addr(dt.proc, &ss, &len);
	if (rc == 0) {
		daemon_tor_connect((struct sockaddr *)&ss, len);
		return;
	}
	if (rc < 0 ||
	    ++dt.poll_count * DAEMON_TOR_POLL_MS >
		DAEMON_TOR_CONTROL_WAIT * 1000) {
		log_warnx("tor: did not open its control port; restarting it");
		torproc_stop(dt.proc);
		return;
	}
	evtimer_add(dt.ev_poll, &tv);
}

/* Our tor exited. */
static void
daemon_tor_exit_cb(struct torproc *tp, int status, void *arg)
{
	char buf[64], why[96], esc[LOG_ESCAPE_MAX];
	const char *tail = torproc_output_tail(tp);
	size_t tl = strlen(tail);

	if (dt.stopping) {
		daemon_tor_stopped();
		return;
	}
	log_progress_done();
	torproc_status_str(status, buf, sizeof(buf));
	snprintf(why, sizeof(why), "tor exited (%s)", buf);
	log_warnx("%s", why);
	/* When tor gave up by itself, its last line says why. */
	if (WIFEXITED(status) && tl > 0) {
		const char *p, *end = tail + tl;

		while (end > tail && (end[-1] == '\n' || end[-1] == '\r'))
			end--;
		for (p = end; p > tail && p[-1] != '\n'; p--)
			;
		log_warnx("tor said: %s",
		    log_escape(esc, sizeof(esc), p, (size_t)(end - p)));
	}
	/* A kept SocksPort someone else took meanwhile: let tor pick. */
	if (tor_state() == TOR_STARTING && dt.socks_port != 0) {
		log_info("tor: SocksPort %u not usable; letting tor pick one",
		    dt.socks_port);
		dt.socks_port = 0;
	}
	evtimer_del(dt.ev_poll);
	daemon_tor_lost(why);
}

/* Start (or restart) tor, or connect to the configured one. */
static void
daemon_tor_begin(void)
{
	const struct settings *set = &dt.d->set;
	struct timeval tv = { 0, DAEMON_TOR_POLL_MS * 1000 };
	struct sockaddr_in sin;
	char err[512];

	if (dt.stopping)
		return;
	tor_set_state(TOR_STARTING);
	if (set->tor_mode == SETTINGS_TOR_EXTERNAL) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(set->tor_control_port);
		log_info("tor: connecting to the control port 127.0.0.1:%u",
		    set->tor_control_port);
		daemon_tor_connect((struct sockaddr *)&sin, sizeof(sin));
		return;
	}
	if (dt.proc != NULL) {
		torproc_free(dt.proc);
		dt.proc = NULL;
	}
	log_progress("tor: starting");
	dt.proc = torproc_start(dt.d->base, set, dt.d->data_dir, dt.socks_port,
	    daemon_tor_exit_cb, NULL, err, sizeof(err));
	if (dt.proc == NULL) {
		log_progress_done();
		if (!dt.announced)
			fatalx("%s", err);
		log_warnx("tor: %s", err);
		tor_set_state(TOR_DOWN);
		daemon_tor_retry_later();
		return;
	}
	dt.poll_count = 0;
	evtimer_add(dt.ev_poll, &tv);
}

/*
 * tor is gone or unusable: close everything, say so, and come back. From
 * here until ready again, tor_socks_addr() is NULL: nothing goes out.
 */
static void
daemon_tor_lost(const char *why)
{
	enum tor_state old = tor_state();

	tor_set_socks_addr(NULL, 0);
	dt.published = false;
	daemon_tor_drop_ctl();
	if (dt.stopping) {
		if (dt.proc == NULL || !torproc_running(dt.proc))
			daemon_tor_stopped();
		return;
	}
	/* Several paths report one loss (commands, auth, the connection,
	 * tor's exit): say it once. */
	if (old != TOR_DOWN) {
		log_progress_done();
		if (old == TOR_READY)
			log_warnx(
			    "tor: lost (%s); no calls until tor is back", why);
		else
			log_warnx("tor: %s", why ? why : "failed");
		tor_set_state(TOR_DOWN);
	}
	if (dt.proc != NULL && torproc_running(dt.proc)) {
		/* Our tor without its controller is no use: restart it. */
		torproc_stop(dt.proc);
		return; /* daemon_tor_exit_cb() comes back here */
	}
	if (!evtimer_pending(dt.ev_retry, NULL))
		daemon_tor_retry_later();
}

/* Every few seconds: is the bootstrap stuck? */
static void
daemon_tor_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	if (tor_state() != TOR_BOOTSTRAPPING || dt.stall_warned ||
	    time(NULL) - dt.progress_at < DAEMON_TOR_STALL)
		return;
	dt.stall_warned = true;
	log_progress_done();
	log_warnx("tor: bootstrap stuck at %d%% for %d s. Is this machine "
		  "online? If this network blocks Tor, use bridges: "
		  "UseBridges 1, Bridge obfs4 ..., ClientTransportPlugin obfs4 "
		  "exec /usr/bin/obfs4proxy (see docs/tor.md)",
	    dt.progress < 0 ? 0 : dt.progress, DAEMON_TOR_STALL);
}

/*
 * A call failed at an onion service's introduction or rendezvous. When the
 * service restarted, our tor may still use its old descriptor: NEWNYM
 * makes tor forget onion-service client state (and use fresh circuits for
 * new streams), so the caller's next try can work. At most once per
 * DAEMON_TOR_NEWNYM_GAP seconds.
 */
static void
daemon_tor_onion_failure(enum socks5_reason reason)
{
	time_t now = time(NULL);

	if (dt.ctl == NULL || !tor_ready() ||
	    now - dt.newnym_at < DAEMON_TOR_NEWNYM_GAP)
		return;
	dt.newnym_at = now;
	log_info("tor: %s; asking tor for fresh onion-service state",
	    socks5_reason_str(reason));
	torctl_command(dt.ctl, "SIGNAL NEWNYM", daemon_tor_ok_cb, msg_newnym);
}

/* Start the tor side of the daemon (from daemon_start()). */
void
daemon_tor_start(struct daemon *d)
{
	struct timeval watch = { 5, 0 };
	char err[512];
	size_t i;

	dt.d = d;
	dt.retry_delay = DAEMON_TOR_RETRY_MIN;
	for (i = 0; i < d->set.onion_authorized_clients.n; i++)
		if (onion_client_key_check(
			d->set.onion_authorized_clients.v[i]) != 0)
			fatalx("OnionAuthorizedClients: %s is not a base32 "
			       "x25519 public key",
			    d->set.onion_authorized_clients.v[i]);
	if (onion_key_load_or_create(d->data_dir, &dt.key, err, sizeof(err)) !=
	    0)
		fatalx("onion key: %s", err);
	tor_init(d->base);
	tor_set_onion_failure_hook(daemon_tor_onion_failure);
	tor_set_onion(dt.key.address, d->set.onion_virtual_port);
	dt.ev_retry = evtimer_new(d->base, daemon_tor_retry_cb, NULL);
	dt.ev_poll = evtimer_new(d->base, daemon_tor_poll_cb, NULL);
	dt.ev_reap = evtimer_new(d->base, daemon_tor_reap_cb, NULL);
	dt.ev_watch =
	    event_new(d->base, -1, EV_PERSIST, daemon_tor_watch_cb, NULL);
	event_add(dt.ev_watch, &watch);
	d->pending_stops++;
	daemon_tor_begin();
}

/* The answer to DEL_ONION: now let tor go. */
static void
daemon_tor_del_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	if (r == NULL)
		return; /* daemon_tor_lost() finishes */
	daemon_tor_drop_ctl();
	if (dt.proc != NULL && torproc_running(dt.proc))
		torproc_stop(dt.proc); /* daemon_tor_exit_cb() finishes */
	else
		daemon_tor_stopped();
}

/* Stop: withdraw the onion service, then stop our tor. */
void
daemon_tor_stop(struct daemon *d)
{
	char line[80];

	if (dt.d == NULL || dt.stopping)
		return;
	dt.stopping = true;
	evtimer_del(dt.ev_retry);
	evtimer_del(dt.ev_poll);
	event_del(dt.ev_watch);
	tor_set_socks_addr(NULL, 0);
	tor_set_state(TOR_OFF);
	if (dt.ctl != NULL && dt.published) {
		snprintf(line, sizeof(line), "DEL_ONION %s", dt.key.address);
		if (torctl_command(dt.ctl, line, daemon_tor_del_cb, NULL) == 0)
			return;
	}
	daemon_tor_drop_ctl();
	if (dt.proc != NULL && torproc_running(dt.proc))
		torproc_stop(dt.proc);
	else
		daemon_tor_stopped();
}

/* Free everything (after the loop). */
void
daemon_tor_free(void)
{
	if (dt.d == NULL)
		return;
	torctl_free(dt.ctl);
	torctl_free(dt.dead_ctl);
	torproc_free(dt.proc);
	event_free(dt.ev_retry);
	event_free(dt.ev_poll);
	event_free(dt.ev_reap);
	event_free(dt.ev_watch);
	onion_key_clear(&dt.key);
	tor_reset();
	dt.d = NULL;
}
