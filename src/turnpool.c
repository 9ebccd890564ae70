/* Where calls get their TURN allocations; one kept warm. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "settings.h"
#include "turnclient.h"
#include "turnpool.h"
#include "xmalloc.h"

#define TURNPOOL_RETRY_MIN_S 5
#define TURNPOOL_RETRY_MAX_S 120

struct turnpool {
	struct event_base *base;
	struct sockaddr_storage socks;
	socklen_t sockslen;
	char *host, *user, *password;
	uint16_t port;
	bool warm_enabled;
	unsigned int max_delay_ms;
	int timeout_ms;
	struct turnclient *warm;
	struct event *ev_retry;
	unsigned int retry_s;
};

static void turnpool_start_warm(struct turnpool *p);

/* A fresh allocation with the pool's settings. */
static struct turnclient *
turnpool_client(struct turnpool *p)
{
	struct turnclient_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.socks = (const struct sockaddr *)&p->socks;
	cfg.sockslen = p->sockslen;
	cfg.host = p->host;
	cfg.port = p->port;
	cfg.user = p->user;
	cfg.password = p->password;
	cfg.timeout_ms = p->timeout_ms;
	return turnclient_new(p->base, &cfg);
}

/* The warm allocation is ready or failed. */
static void
turnpool_warm_cb(struct turnclient *tc, enum turnclient_event ev,
    const char *reason, void *arg)
{
	struct turnpool *p = arg;
	struct timeval tv;

	if (tc != p->warm)
		return;
	if (ev == TURNCLIENT_EV_READY) {
		p->retry_s = 0;
		log_info("turnpool: warm allocation ready");
		return;
	}
	log_notice("turnpool: warm allocation failed: %s", reason);
	turnclient_free(p->warm);
	p->warm = NULL;
	p->retry_s = p->retry_s == 0 ? TURNPOOL_RETRY_MIN_S : p->retry_s * 2;
	if (p->retry_s > TURNPOOL_RETRY_MAX_S)
		p->retry_s = TURNPOOL_RETRY_MAX_S;
	tv.tv_sec = p->retry_s;
	tv.tv_usec = 0;
	event_add(p->ev_retry, &tv);
}

/* Time to try the warm allocation again. */
static void
turnpool_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	turnpool_start_warm(arg);
}

/* Start a warm allocation if the pool keeps one and has none. */
static void
turnpool_start_warm(struct turnpool *p)
{
	if (!p->warm_enabled || p->warm != NULL)
		return;
	p->warm = turnpool_client(p);
	turnclient_set_cb(p->warm, turnpool_warm_cb, NULL, p);
}

/* The pool's settings from onionsip.conf and tor's SocksPort. */
void
turnpool_config_from_settings(struct turnpool_config *cfg,
    const struct settings *set, const struct sockaddr *socks,
    socklen_t sockslen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->socks = socks;
	cfg->sockslen = sockslen;
	cfg->server_host = set->turn_server.host;
	cfg->server_port = set->turn_server.port;
	cfg->user = set->turn_user != NULL ? set->turn_user : "";
	cfg->password = set->turn_password != NULL ? set->turn_password : "";
	cfg->warm = set->turn_warm;
	cfg->max_delay_ms = set->media_max_delay;
}

/* A new pool. */
struct turnpool *
turnpool_new(struct event_base *base, const struct turnpool_config *cfg)
{
	struct turnpool *p = xcalloc(1, sizeof(*p));

	p->base = base;
	if (cfg->sockslen <= sizeof(p->socks)) {
		memcpy(&p->socks, cfg->socks, cfg->sockslen);
		p->sockslen = cfg->sockslen;
	}
	p->host = xstrdup(cfg->server_host != NULL ? cfg->server_host : "");
	p->user = xstrdup(cfg->user != NULL ? cfg->user : "");
	p->password = xstrdup(cfg->password != NULL ? cfg->password : "");
	p->port = cfg->server_port;
	p->warm_enabled = cfg->warm;
	p->max_delay_ms = cfg->max_delay_ms;
	p->timeout_ms = (int)cfg->connect_timeout_ms;
	p->ev_retry = event_new(base, -1, 0, turnpool_retry_cb, p);
	turnpool_start_warm(p);
	return p;
}

/* Free the pool and its warm allocation. */
void
turnpool_free(struct turnpool *p)
{
	if (p == NULL)
		return;
	turnclient_free(p->warm);
	event_free(p->ev_retry);
	free(p->host);
	free(p->user);
	freezero(p->password, strlen(p->password));
	free(p);
}

/* Hand out the warm allocation (or a new one) and start a replacement. */
struct turnclient *
turnpool_take(struct turnpool *p)
{
	struct turnclient *tc = p->warm;

	if (tc != NULL && turnclient_state(tc) != TURNCLIENT_FAILED) {
		turnclient_set_cb(tc, NULL, NULL, NULL);
		p->warm = NULL;
	} else {
		tc = turnpool_client(p);
	}
	if (!event_pending(p->ev_retry, EV_TIMEOUT, NULL))
		turnpool_start_warm(p);
	return tc;
}

/* MediaMaxDelay for media made from this pool. */
unsigned int
turnpool_max_delay_ms(const struct turnpool *p)
{
	return p->max_delay_ms;
}

/* Whether a warm allocation is ready now. */
bool
turnpool_warm_ready(const struct turnpool *p)
{
	return p->warm != NULL && turnclient_state(p->warm) == TURNCLIENT_READY;
}
