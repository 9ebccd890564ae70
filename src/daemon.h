/*
 * daemon: the onionsip process. Options, settings, the data directory, the
 * one libevent loop, signals (SIGTERM/SIGINT: clean shutdown, SIGHUP:
 * reload) and detaching from the terminal once the gateway is ready.
 * Subsystems (tor, SIP, media) are started from daemon_start() and stopped
 * from daemon_shutdown().
 */
#ifndef ONIONSIP_DAEMON_H
#define ONIONSIP_DAEMON_H

#include <stdbool.h>

#include "settings.h"

struct event_base;
struct event;

#define DAEMON_SHUTDOWN_TIMEOUT 5 /* seconds the subsystems get to stop */

/* The running daemon: one per process. */
struct daemon {
	struct event_base *base;
	struct settings set; /* the running settings */
	char *settings_path; /* NULL: built-in defaults */
	char *data_dir;	     /* DataDirectory, ~ expanded */
	bool foreground;     /* -d */
	int verbose;	     /* number of -v */
	int ready_fd;	     /* pipe to the waiting parent, or -1 */
	bool stopping;
	int exit_status;
	struct event *ev_signals[4];
	struct event *ev_stop_timer;
	unsigned int pending_stops; /* subsystems still stopping */
};

int daemon_main(int argc, char **argv);
void daemon_ready(struct daemon *d, const char *summary);
void daemon_shutdown(struct daemon *d, int status);
void daemon_stopped(struct daemon *d);
int daemon_prepare_dir(const char *path, char *err, size_t errlen);

#endif
