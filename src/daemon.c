#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "daemon_calls.h"
#include "daemon_tor.h"
#include "log.h"
#include "xmalloc.h"

/* Where onionsip looks for its settings when -f is not given. */
#define DAEMON_USER_SETTINGS "~/.config/onionsip/onionsip.conf"

static void __attribute__((noreturn)) daemon_usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: onionsip [-dnv] [-f file]\n"
	    "       onionsip sanitize [options] [file]\n"
	    "       onionsip export-onion [-f file] [-c name]\n"
	    "       onionsip --version\n"
	    "\n"
	    "  -d       stay in the foreground and log to stderr\n"
	    "  -f file  read settings from file (default %s\n"
	    "           if it exists, else built-in defaults)\n"
	    "  -n       check the settings and exit\n"
	    "  -v       more verbose (repeat for debug); with -n, print the\n"
	    "           effective settings\n"
	    "\n"
	    "See onionsip(8) and onionsip.conf(5).\n",
	    DAEMON_USER_SETTINGS);
	exit(status);
}

/*
 * Make sure a private directory exists: created 0700, and refused when it
 * is not ours or when group or others can reach into it.
 */
int
daemon_prepare_dir(const char *path, char *err, size_t errlen)
{
	char *copy, *p;
	struct stat st;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", copy, strerror(errno));
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by another user", path);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
		    "%s: group or others can access it; chmod 700 it", path);
		return -1;
	}
	return 0;
}

/* Load the settings named by -f, or the user's file, or the defaults. */
static int
daemon_load_settings(
    struct daemon *d, struct settings *set, char *err, size_t errlen)
{
	settings_init(set);
	if (d->settings_path != NULL &&
	    settings_load(set, d->settings_path, err, errlen) != 0) {
		settings_free(set);
		return -1;
	}
	if (settings_check(set, err, errlen) != 0) {
		settings_free(set);
		return -1;
	}
	return 0;
}

/* LogLevel, raised one step per -v. */
static enum log_level
daemon_log_level(const struct daemon *d)
{
	int level = (int)d->set.log_level + d->verbose;

	return level > LOGL_DEBUG ? LOGL_DEBUG : (enum log_level)level;
}

/* SIGHUP: parse the file anew, check it, and only then swap it in. */
static void
daemon_reload(struct daemon *d)
{
	char err[SETTINGS_MAX_ERROR];
	struct settings fresh;

	if (daemon_load_settings(d, &fresh, err, sizeof(err)) != 0) {
		log_warnx("reload: %s; keeping the running settings", err);
		return;
	}
	/* Changing where the gateway listens or which tor it uses needs a
	 * restart; the rest takes effect for new calls. */
	if (memcmp(&fresh.sip_listen, &d->set.sip_listen,
		sizeof(fresh.sip_listen)) != 0 ||
	    fresh.tor_mode != d->set.tor_mode ||
	    strcmp(fresh.data_dir, d->set.data_dir) != 0)
		log_warnx("reload: SIPListen, TorMode and DataDirectory "
			  "changes take effect after a restart");
	settings_free(&d->set);
	d->set = fresh;
	log_set_level(daemon_log_level(d));
	log_notice("settings reloaded");
}

/* One signal: stop, reload, or ignore. */
static void
daemon_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct daemon *d = arg;

	switch (sig) {
	case SIGINT:
	case SIGTERM:
		if (d->stopping) {
			log_notice("second signal: exiting now");
			exit(d->exit_status);
		}
		log_notice("signal %d: shutting down", (int)sig);
		daemon_shutdown(d, 0);
		break;
	case SIGHUP:
		daemon_reload(d);
		break;
	}
}

/* The subsystems took too long to stop. */
static void
daemon_stop_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct daemon *d = arg;

	log_warnx("shutdown: %u subsystem(s) did not stop in %d s",
	    d->pending_stops, DAEMON_SHUTDOWN_TIMEOUT);
	event_base_loopexit(d->base, NULL);
}

/*
 * Begin a clean shutdown: ask every subsystem to stop (each calls
 * daemon_stopped() when done) and leave the loop when all have, or after
 * DAEMON_SHUTDOWN_TIMEOUT.
 */
void
daemon_shutdown(struct daemon *d, int status)
{
	struct timeval tv = { DAEMON_SHUTDOWN_TIMEOUT, 0 };

	if (d->stopping)
		return;
	d->stopping = true;
	d->exit_status = status;
	d->ev_stop_timer = evtimer_new(d->base, daemon_stop_timeout_cb, d);
	evtimer_add(d->ev_stop_timer, &tv);
	/* Calls end first (their BYEs go through tor), then tor stops. */
	daemon_calls_stop(d);
	if (d->pending_stops == 0)
		event_base_loopexit(d->base, NULL);
}

/* A subsystem has finished stopping. */
void
daemon_stopped(struct daemon *d)
{
	if (d->pending_stops > 0)
		d->pending_stops--;
	if (d->stopping && d->pending_stops == 0)
		event_base_loopexit(d->base, NULL);
}

/*
 * Without -d, the process forks at once: the parent stays attached to the
 * terminal and waits until the child says it is ready (exit 0) or dies
 * (exit 1), while the child shows progress on the same terminal.
 */
static void
daemon_detach_begin(struct daemon *d)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe(fds) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) == -1 && errno == EINTR)
			;
		_exit(c == 'r' ? 0 : 1);
	}
	close(fds[0]);
	d->ready_fd = fds[1];
	if (setsid() == -1)
		fatal("setsid");
}

/*
 * The gateway is ready: tell the user how to use it and, without -d, let
 * the waiting parent go and carry on in the background, logging to syslog.
 */
void
daemon_ready(struct daemon *d, const char *summary)
{
	int fd;

	if (summary != NULL) {
		log_progress_done();
		fprintf(stderr, "%s", summary);
		fflush(stderr);
	}
	if (d->ready_fd == -1)
		return;
	log_init(false, log_get_level(), log_is_sensitive());
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (write(d->ready_fd, "r", 1) != 1)
		log_warn("telling the parent we are ready");
	close(d->ready_fd);
	d->ready_fd = -1;
}

/* Start everything; the subsystems call daemon_ready() when done. */
static void
daemon_start(struct daemon *d)
{
	/* daemon_tor calls daemon_ready() once the onion is published. */
	daemon_calls_start(d);
	daemon_tor_start(d);
}

/* onionsip without a tool command: the gateway. */
int
daemon_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	char err[SETTINGS_MAX_ERROR];
	struct daemon d;
	bool check_only = false;
	size_t i;
	int ch;

	memset(&d, 0, sizeof(d));
	d.ready_fd = -1;
	while ((ch = getopt_long(argc, argv, "df:hnv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			d.foreground = true;
			break;
		case 'f':
			free(d.settings_path);
			d.settings_path = xstrdup(optarg);
			break;
		case 'h':
			daemon_usage(0);
		case 'n':
			check_only = true;
			break;
		case 'v':
			d.verbose++;
			break;
		default:
			daemon_usage(1);
		}
	}
	if (optind != argc)
		daemon_usage(1);
	if (d.settings_path == NULL) {
		char *p = settings_expand_path(DAEMON_USER_SETTINGS);

		if (access(p, F_OK) == 0)
			d.settings_path = p;
		else
			free(p);
	}
	if (daemon_load_settings(&d, &d.set, err, sizeof(err)) != 0) {
		fprintf(stderr, "onionsip: %s\n", err);
		free(d.settings_path);
		return 1;
	}
	if (check_only) {
		if (d.verbose > 0) {
			char *dump = settings_dump(&d.set);

			fputs(dump, stdout);
			free(dump);
		}
		printf("settings OK (%s)\n",
		    d.settings_path ? d.settings_path : "built-in defaults");
		settings_free(&d.set);
		free(d.settings_path);
		return 0;
	}

	log_init(true, daemon_log_level(&d), !d.set.safe_logging);
	d.data_dir = settings_expand_path(d.set.data_dir);
	if (daemon_prepare_dir(d.data_dir, err, sizeof(err)) != 0)
		fatalx("DataDirectory %s", err);
	if (!d.foreground)
		daemon_detach_begin(&d);

	signal(SIGPIPE, SIG_IGN);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		d.ev_signals[i] =
		    evsignal_new(d.base, signals[i], daemon_signal_cb, &d);
		evsignal_add(d.ev_signals[i], NULL);
	}
	log_info("starting (settings: %s)",
	    d.settings_path ? d.settings_path : "built-in defaults");
	daemon_start(&d);
	event_base_dispatch(d.base);

	log_notice("stopped");
	daemon_calls_free();
	daemon_tor_free();
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (d.ev_signals[i] != NULL)
			event_free(d.ev_signals[i]);
	if (d.ev_stop_timer != NULL)
		event_free(d.ev_stop_timer);
	event_base_free(d.base);
	settings_free(&d.set);
	free(d.settings_path);
	free(d.data_dir);
	return d.exit_status;
}
