/*
 * torproc: onionsip's own tor process (TorMode launch). tor runs from the
 * shipped torrc (or TorrcFile) with everything that must be ours on its
 * command line: its DataDirectory under ours, SocksPort and ControlPort
 * "auto" on 127.0.0.1 (the control port written to a file we read),
 * cookie authentication, and __OwningControllerProcess so that tor exits
 * when onionsip does, even when onionsip is killed.
 */
#ifndef ONIONSIP_TORPROC_H
#define ONIONSIP_TORPROC_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

#define TORPROC_MAX_ARGS    64
#define TORPROC_TAIL	    4096 /* bytes of tor's output kept for errors */
#define TORPROC_SOCKS_FLAGS "ExtendedErrors IsolateSOCKSAuth"

struct event_base;
struct torproc;

/* tor exited: status as from waitpid(). */
typedef void torproc_exit_cb(struct torproc *tp, int status, void *arg);

/*
 * The argument vector to run tor with (pure): argv[0] is the binary,
 * NULL-terminated; free with torproc_argv_free(). torrc is the file to
 * read, tordir tor's DataDirectory, socks_port the SocksPort (0: auto).
 */
char **torproc_argv(const struct settings *set, const char *torrc,
    const char *tordir, pid_t owner, uint16_t socks_port);
void torproc_argv_free(char **argv);
/* The torrc to use: TorrcFile, or the shipped one. */
const char *torproc_torrc(const struct settings *set);
/* Whether the binary can be run (a path, or found on PATH). */
bool torproc_binary_found(const char *binary);

/*
 * Start tor; NULL with err when it cannot be started at all. socks_port 0
 * lets tor pick; a restart passes the port it picked before, so those who
 * kept the address reach the new tor.
 */
struct torproc *torproc_start(struct event_base *base,
    const struct settings *set, const char *data_dir, uint16_t socks_port,
    torproc_exit_cb *cb, void *arg, char *err, size_t errlen);
/*
 * Where tor's control port listens: 0 and the address once tor wrote it,
 * 1 while not yet, -1 when the file is garbage.
 */
int torproc_control_addr(
    struct torproc *tp, struct sockaddr_storage *ss, socklen_t *len);
const char *torproc_cookie_path(const struct torproc *tp);
/* The last lines tor printed (warnings and errors), for the user. */
const char *torproc_output_tail(struct torproc *tp);
bool torproc_running(const struct torproc *tp);
/* Ask tor to stop (SIGTERM); the exit callback follows. */
void torproc_stop(struct torproc *tp);
/* Kill (if still running) and free; no callback after. */
void torproc_free(struct torproc *tp);
/* Describe an exit status in words. */
const char *torproc_status_str(int status, char *buf, size_t len);

#endif
