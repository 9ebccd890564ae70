#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "torctl.h"
#include "torproc.h"
#include "xmalloc.h"

#define TORPROC_CONTROL_FILE  "control_port"
#define TORPROC_COOKIE_FILE   "control_auth_cookie"
#define TORPROC_SHIPPED_TORRC ONIONSIP_DATADIR "/torrc"

/* One tor process. */
struct torproc {
	struct event_base *base;
	pid_t pid;
	bool running;
	int out_fd; /* tor's stdout and stderr */
	struct event *ev_out;
	struct event *ev_chld;
	char tail[TORPROC_TAIL];
	size_t taillen;
	char *control_file;
	char *cookie_file;
	torproc_exit_cb *cb;
	void *arg;
};

/* Append an argument (argv has TORPROC_MAX_ARGS slots). */
static void torproc_arg(char **argv, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
torproc_arg(char **argv, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n + 2 > TORPROC_MAX_ARGS)
		fatalx("torproc: too many tor arguments");
	va_start(ap, fmt);
	if (vasprintf(&argv[*n], fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	(*n)++;
	argv[*n] = NULL;
}

/* The torrc tor reads. */
const char *
torproc_torrc(const struct settings *set)
{
	if (set->torrc_file != NULL && set->torrc_file[0] != '\0')
		return set->torrc_file;
	return TORPROC_SHIPPED_TORRC;
}

/*
 * tor's command line. Options given here override the torrc, so what
 * onionsip depends on (where the ports are, how we authenticate, that tor
 * dies with us) cannot be changed by a TorrcFile by accident.
 */
char **
torproc_argv(const struct settings *set, const char *torrc, const char *tordir,
    pid_t owner, uint16_t socks_port)
{
	char **argv = xcalloc(TORPROC_MAX_ARGS, sizeof(char *));
	size_t n = 0, i;

	torproc_arg(argv, &n, "%s", set->tor_binary);
	torproc_arg(argv, &n, "--defaults-torrc");
	torproc_arg(argv, &n, "/dev/null");
	torproc_arg(argv, &n, "-f");
	torproc_arg(argv, &n, "%s", torrc);
	torproc_arg(argv, &n, "--hush");
	torproc_arg(argv, &n, "--DataDirectory");
	torproc_arg(argv, &n, "%s", tordir);
	torproc_arg(argv, &n, "--SocksPort");
	if (socks_port != 0)
		torproc_arg(argv, &n, "127.0.0.1:%u " TORPROC_SOCKS_FLAGS,
		    (unsigned)socks_port);
	else
		torproc_arg(argv, &n, "127.0.0.1:auto " TORPROC_SOCKS_FLAGS);
	torproc_arg(argv, &n, "--ControlPort");
	torproc_arg(argv, &n, "127.0.0.1:auto");
	torproc_arg(argv, &n, "--ControlPortWriteToFile");
	torproc_arg(argv, &n, "%s/" TORPROC_CONTROL_FILE, tordir);
	torproc_arg(argv, &n, "--CookieAuthentication");
	torproc_arg(argv, &n, "1");
	torproc_arg(argv, &n, "--CookieAuthFile");
	torproc_arg(argv, &n, "%s/" TORPROC_COOKIE_FILE, tordir);
	torproc_arg(argv, &n, "--__OwningControllerProcess");
	torproc_arg(argv, &n, "%ld", (long)owner);
	torproc_arg(argv, &n, "--RunAsDaemon");
	torproc_arg(argv, &n, "0");
	if (set->use_bridges) {
		torproc_arg(argv, &n, "--UseBridges");
		torproc_arg(argv, &n, "1");
		for (i = 0; i < set->bridges.n; i++) {
			torproc_arg(argv, &n, "--Bridge");
			torproc_arg(argv, &n, "%s", set->bridges.v[i]);
		}
		if (set->client_transport_plugin != NULL &&
		    set->client_transport_plugin[0] != '\0') {
			torproc_arg(argv, &n, "--ClientTransportPlugin");
			torproc_arg(
			    argv, &n, "%s", set->client_transport_plugin);
		}
	}
	return argv;
}

/* Free an argument vector. */
void
torproc_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* Whether binary names something we can run. */
bool
torproc_binary_found(const char *binary)
{
	const char *path, *p, *colon;
	char full[4096];
	size_t len;

	if (strchr(binary, '/') != NULL)
		return access(binary, X_OK) == 0;
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *colon ? colon + 1 : colon) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		len = (size_t)(colon - p);
		snprintf(full, sizeof(full), "%.*s/%s", (int)len, len ? p : ".",
		    binary);
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

/* Keep the tail of what tor prints. */
static void
torproc_out_cb(evutil_socket_t fd, short what, void *arg)
{
	struct torproc *tp = arg;
	char buf[1024];
	ssize_t n;
	size_t keep;

	n = read(tp->out_fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		event_del(tp->ev_out);
		return;
	}
	/* buf is smaller than tail: drop the oldest bytes to make room. */
	keep = sizeof(tp->tail) - 1 - (size_t)n;
	if (tp->taillen > keep) {
		memmove(tp->tail, tp->tail + tp->taillen - keep, keep);
		tp->taillen = keep;
	}
	memcpy(tp->tail + tp->taillen, buf, (size_t)n);
	tp->taillen += (size_t)n;
	tp->tail[tp->taillen] = '\0';
}

/* SIGCHLD: has our tor exited? */
static void
torproc_chld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct torproc *tp = arg;
	int status;
	pid_t r;

	if (!tp->running)
		return;
	r = waitpid(tp->pid, &status, WNOHANG);
	if (r != tp->pid)
		return;
	tp->running = false;
	/* Collect the last words before telling anyone. */
	torproc_out_cb(tp->out_fd, EV_READ, tp);
	tp->cb(tp, status, tp->arg);
}

/* Start tor (see torproc.h). */
struct torproc *
torproc_start(struct event_base *base, const struct settings *set,
    const char *data_dir, uint16_t socks_port, torproc_exit_cb *cb, void *arg,
    char *err, size_t errlen)
{
	struct torproc *tp;
	char *tordir, **argv;
	const char *torrc = torproc_torrc(set);
	int pipefd[2], fd;
	pid_t pid;

	if (!torproc_binary_found(set->tor_binary)) {
		snprintf(err, errlen,
		    "tor is not installed (TorBinary %s not found): install "
		    "it (apt install tor) or set TorMode external",
		    set->tor_binary);
		return NULL;
	}
	if (access(torrc, R_OK) != 0) {
		snprintf(err, errlen,
		    "cannot read the torrc %s: %s (run make install, or "
		    "name one in TorrcFile)",
		    torrc, strerror(errno));
		return NULL;
	}
	xasprintf(&tordir, "%s/tor", data_dir);
	if (mkdir(tordir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", tordir, strerror(errno));
		free(tordir);
		return NULL;
	}
	tp = xcalloc(1, sizeof(*tp));
	tp->base = base;
	tp->cb = cb;
	tp->arg = arg;
	xasprintf(&tp->control_file, "%s/" TORPROC_CONTROL_FILE, tordir);
	xasprintf(&tp->cookie_file, "%s/" TORPROC_COOKIE_FILE, tordir);
	/* A stale file from an earlier tor must not be taken for this one. */
	unlink(tp->control_file);
	argv = torproc_argv(set, torrc, tordir, getpid(), socks_port);
	free(tordir);
	if (pipe2(pipefd, O_CLOEXEC) == -1)
		fatal("pipe2");
	tp->ev_chld = evsignal_new(base, SIGCHLD, torproc_chld_cb, tp);
	evsignal_add(tp->ev_chld, NULL);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, STDIN_FILENO);
		setpgid(0, 0); /* a terminal's ^C reaches onionsip only */
		execvp(argv[0], argv);
		dprintf(
		    STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	torproc_argv_free(argv);
	close(pipefd[1]);
	tp->pid = pid;
	tp->running = true;
	tp->out_fd = pipefd[0];
	fcntl(tp->out_fd, F_SETFL, fcntl(tp->out_fd, F_GETFL) | O_NONBLOCK);
	tp->ev_out = event_new(
	    base, tp->out_fd, EV_READ | EV_PERSIST, torproc_out_cb, tp);
	event_add(tp->ev_out, NULL);
	log_info("tor: started (pid %ld, torrc %s)", (long)pid, torrc);
	return tp;
}

/* Read "PORT=127.0.0.1:NNNN" from the file tor writes. */
int
torproc_control_addr(
    struct torproc *tp, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[256], *nl;
	ssize_t n;
	int fd;

	if ((fd = open(tp->control_file, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	/* tor writes the file whole via a rename, but be careful anyway. */
	if ((nl = strchr(buf, '\n')) == NULL)
		return 1;
	*nl = '\0';
	if (strncmp(buf, "PORT=", 5) != 0 ||
	    torctl_parse_addrport(buf + 5, ss, len) != 0)
		return -1;
	return 0;
}

/* tor's cookie file. */
const char *
torproc_cookie_path(const struct torproc *tp)
{
	return tp->cookie_file;
}

/* What tor printed last. */
const char *
torproc_output_tail(struct torproc *tp)
{
	return tp->tail;
}

/* Whether tor still runs. */
bool
torproc_running(const struct torproc *tp)
{
	return tp != NULL && tp->running;
}

/* Ask tor to exit. */
void
torproc_stop(struct torproc *tp)
{
	if (tp->running)
		kill(tp->pid, SIGTERM);
}

/* Kill and free. */
void
torproc_free(struct torproc *tp)
{
	int status;

	if (tp == NULL)
		return;
	if (tp->running) {
		kill(tp->pid, SIGKILL);
		waitpid(tp->pid, &status, 0);
	}
	if (tp->ev_out != NULL)
		event_free(tp->ev_out);
	if (tp->ev_chld != NULL)
		event_free(tp->ev_chld);
	close(tp->out_fd);
	free(tp->control_file);
	free(tp->cookie_file);
	free(tp);
}

/* An exit status in words. */
const char *
torproc_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %d", status);
	return buf;
}
