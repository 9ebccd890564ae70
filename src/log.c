#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The logger is one of the two globals STYLE.md allows. */
static struct {
	bool to_stderr;
	enum log_level level;
	bool sensitive;
	bool progress_open; /* a progress line waits for its newline */
	char progress_last[256];
} log_state = { true, LOGL_NOTICE, false, false, "" };

static const char *const log_level_names[] = {
	[LOGL_ERR] = "error",
	[LOGL_WARN] = "warn",
	[LOGL_NOTICE] = "notice",
	[LOGL_INFO] = "info",
	[LOGL_DEBUG] = "debug",
};

/* Start logging to stderr (foreground) or syslog (daemon). */
void
log_init(bool to_stderr, enum log_level level, bool sensitive)
{
	log_state.to_stderr = to_stderr;
	log_state.level = level;
	log_state.sensitive = sensitive;
	if (!to_stderr)
		openlog("onionsip", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/* Change the level, for -v and for a reload. */
void
log_set_level(enum log_level level)
{
	log_state.level = level;
}

/* The current level. */
enum log_level
log_get_level(void)
{
	return log_state.level;
}

/* Whether the user asked for addresses and URIs in the logs. */
bool
log_is_sensitive(void)
{
	return log_state.sensitive;
}

/* The name of a level, as the configuration spells it. */
const char *
log_level_str(enum log_level level)
{
	if ((unsigned int)level >=
	    sizeof(log_level_names) / sizeof(log_level_names[0]))
		return "unknown";
	return log_level_names[level];
}

/* Parse a level name; -1 if it is not one. */
int
log_level_from_str(const char *s, enum log_level *level)
{
	size_t i;

	for (i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]);
	     i++) {
		if (strcasecmp(s, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Finish a pending progress line so that a log line does not overwrite it. */
static void
log_break_progress(void)
{
	if (log_state.progress_open) {
		fputc('\n', stderr);
		log_state.progress_open = false;
	}
}

/* Write one line at a level, with an optional errno text. */
static void __attribute__((format(printf, 3, 0)))
log_vwrite(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const int prio[] = {
		[LOGL_ERR] = LOG_ERR,
		[LOGL_WARN] = LOG_WARNING,
		[LOGL_NOTICE] = LOG_NOTICE,
		[LOGL_INFO] = LOG_INFO,
		[LOGL_DEBUG] = LOG_DEBUG,
	};
	char msg[1024];
	int n;

	if (level > log_state.level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && errnum != 0 && (size_t)n < sizeof(msg))
		snprintf(
		    msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));
	if (log_state.to_stderr) {
		char stamp[32];
		struct tm tm;
		time_t now = time(NULL);

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		log_break_progress();
		fprintf(
		    stderr, "%s [%s] %s\n", stamp, log_level_str(level), msg);
		fflush(stderr);
	} else
		syslog(prio[level], "%s", msg);
}

#define LOG_DEFINE(name, level, with_errno)                         \
	void name(const char *fmt, ...)                             \
	{                                                           \
		int saved = errno;                                  \
		va_list ap;                                         \
                                                                    \
		va_start(ap, fmt);                                  \
		log_vwrite(level, with_errno ? saved : 0, fmt, ap); \
		va_end(ap);                                         \
		errno = saved;                                      \
	}

/* log_warn() appends strerror(errno); the others log the text as given. */
LOG_DEFINE(log_warn, LOGL_WARN, 1)
LOG_DEFINE(log_warnx, LOGL_WARN, 0)
LOG_DEFINE(log_notice, LOGL_NOTICE, 0)
LOG_DEFINE(log_info, LOGL_INFO, 0)
LOG_DEFINE(log_debug, LOGL_DEBUG, 0)

/* An error at start-up that onionsip cannot go on from, with errno. */
void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOGL_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* An error at start-up that onionsip cannot go on from. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOGL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * A warning that a peer can trigger at will: at most rl->burst of them per
 * rl->period seconds, then a count of what was held back.
 */
void
log_ratelim_warnx(struct log_ratelim *rl, const char *fmt, ...)
{
	unsigned int suppressed;
	char msg[768];
	va_list ap;

	if (!log_ratelim_allow(rl, time(NULL), &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (suppressed > 0)
		log_warnx(
		    "%s (%u similar messages suppressed)", msg, suppressed);
	else
		log_warnx("%s", msg);
}

/*
 * Whether a rate-limited message may go out at time now; when it may, the
 * number held back since the last one that did is stored in *suppressed.
 */
bool
log_ratelim_allow(struct log_ratelim *rl, time_t now, unsigned int *suppressed)
{
	if (now - rl->start >= (time_t)rl->period || now < rl->start) {
		rl->start = now;
		rl->used = 0;
	}
	if (rl->used >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->used++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

/* s itself with sensitive logging on, otherwise a fixed placeholder. */
const char *
log_sensitive(const char *s)
{
	if (s == NULL)
		return "(null)";
	return log_state.sensitive ? s : "[scrubbed]";
}

/*
 * Render untrusted bytes for a log line: printable ASCII as is, backslash
 * and quote escaped, everything else as \xNN; cut with "..." to fit dstsz
 * (at least 8). Returns dst.
 */
const char *
log_escape(char *dst, size_t dstsz, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		size_t need = (c >= 0x20 && c < 0x7f)
		    ? ((c == '\\' || c == '"') ? 2 : 1)
		    : 4;

		if (o + need + 4 > dstsz) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1)
			dst[o++] = (char)c;
		else if (need == 2) {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

/*
 * A progress line for something slow (tor's bootstrap): rewritten in place
 * on a terminal, one line per change otherwise.
 */
void
log_progress(const char *fmt, ...)
{
	char line[sizeof(log_state.progress_last)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (strcmp(line, log_state.progress_last) == 0)
		return;
	strcpy(log_state.progress_last, line);
	if (!log_state.to_stderr) {
		syslog(LOG_NOTICE, "%s", line);
		return;
	}
	if (isatty(STDERR_FILENO)) {
		fprintf(stderr, "\r%s\033[K", line);
		log_state.progress_open = true;
	} else
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

/* End the progress line. */
void
log_progress_done(void)
{
	log_break_progress();
	log_state.progress_last[0] = '\0';
}
