/*
 * Logging, private by construction (DESIGN.md section 5): URIs, addresses,
 * Call-IDs and onion addresses go through log_sensitive(), which scrubs
 * them unless the user asked for sensitive logging; untrusted bytes go
 * through log_escape(); anything a peer can trigger goes through a rate
 * limit.
 */
#ifndef ONIONSIP_LOG_H
#define ONIONSIP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum log_level {
	LOGL_ERR,
	LOGL_WARN,
	LOGL_NOTICE,
	LOGL_INFO,
	LOGL_DEBUG,
};

/* The longest escaped rendering of untrusted bytes log_escape() writes. */
#define LOG_ESCAPE_MAX 256

/*
 * At most burst messages per period seconds; the rest are counted and the
 * count is reported with the next message that gets through.
 */
struct log_ratelim {
	unsigned int period;
	unsigned int burst;
	time_t start;
	unsigned int used;
	unsigned int suppressed;
};

#define LOG_RATELIM_INIT(period, burst)    \
	{                                  \
		(period), (burst), 0, 0, 0 \
	}

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(bool to_stderr, enum log_level level, bool sensitive);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_is_sensitive(void);
const char *log_level_str(enum log_level level);
int log_level_from_str(const char *s, enum log_level *level);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_ratelim_warnx(struct log_ratelim *rl, const char *fmt, ...)
    LOG_PRINTF(2, 3);
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

const char *log_sensitive(const char *s);
const char *log_escape(char *dst, size_t dstsz, const void *src, size_t len);
bool
log_ratelim_allow(struct log_ratelim *rl, time_t now, unsigned int *suppressed);

void log_progress(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_progress_done(void);

#endif
