/*
 * torhelper: drives onionsip's tor code for the system tests (t_tor.py).
 *   torhelper socks PROXYPORT HOST PORT [MESSAGE]
 *       one CONNECT through 127.0.0.1:PROXYPORT; prints "result N name
 *       sip" and, connected with MESSAGE, "reply <text>" (what comes back).
 *   torhelper addonion CONTROLPORT COOKIEFILE DATADIR TARGETPORT [CLIENTKEY]
 *       authenticate (SAFECOOKIE), ADD_ONION with the key in DATADIR;
 *       prints "ours <address>" and "tor <ServiceID>".
 *   torhelper newaddr DATADIR
 *       make (or read) the key in DATADIR; prints its address.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "onion.h"
#include "socks5_conn.h"
#include "torctl.h"

static struct event_base *base;
static int status = 1;

/* Loopback address with a port. */
static void
loopback(struct sockaddr_in *sin, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons((uint16_t)atoi(port));
}

static const char *message;

/* The CONNECT finished. */
static void
socks_cb(int fd, enum socks5_reason reason, void *arg)
{
	struct pollfd pfd;
	char buf[512];
	ssize_t n;

	printf("result %d %s %d\n", (int)reason, socks5_reason_str(reason),
	    socks5_reason_sip_status(reason));
	status = reason == SOCKS5_OK ? 0 : 2;
	if (fd != -1 && message != NULL) {
		if (write(fd, message, strlen(message)) < 0)
			status = 3;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10000) == 1 &&
		    (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\r\n")] = '\0';
			printf("reply %s\n", buf);
		} else
			printf("noreply\n");
	}
	if (fd != -1)
		close(fd);
	event_base_loopbreak(base);
}

static const char *cookie, *datadir, *target, *clientkey;
static struct onion_key key;

/* ADD_ONION answered. */
static void
add_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	char sid[80];
	size_t i;

	if (r == NULL) {
		printf("error connection lost\n");
	} else if (r->code != 250) {
		printf("error %d %s\n", r->code, r->lines[0].text);
	} else {
		for (i = 0; i < r->nlines; i++)
			if (torreply_kv(r->lines[i].text, "ServiceID", sid,
				sizeof(sid)) == 0)
				printf("tor %s\n", sid);
		status = 0;
	}
	event_base_loopbreak(base);
}

/* Authenticated: publish. */
static void
auth_cb(struct torctl *tc, bool ok, const char *why, void *arg)
{
	char blob[ONION_ADDONION_MAX], line[1024], t[64];
	const char *clients[1] = { clientkey };

	if (!ok) {
		printf("error auth %s\n", why);
		event_base_loopbreak(base);
		return;
	}
	printf("authenticated\n");
	snprintf(t, sizeof(t), "127.0.0.1:%s", target);
	onion_addonion_keyblob(&key, blob, sizeof(blob));
	torctl_build_add_onion(line, sizeof(line), blob, 5060, t, clients,
	    clientkey != NULL ? 1 : 0);
	torctl_command(tc, line, add_cb, NULL);
}

/* The control connection. */
static void
state_cb(struct torctl *tc, bool up, const char *why, void *arg)
{
	if (up)
		torctl_authenticate(tc, cookie, NULL, auth_cb, NULL);
	else {
		printf("error closed %s\n", why);
		event_base_loopbreak(base);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct socks5_conn *c;
	struct torctl *tc;
	char err[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	base = event_base_new();
	if (argc >= 5 && strcmp(argv[1], "socks") == 0) {
		message = argc > 5 ? argv[5] : NULL;
		loopback(&sin, argv[2]);
		c = socks5_connect(base, (struct sockaddr *)&sin, sizeof(sin),
		    argv[3], (uint16_t)atoi(argv[4]), NULL, 20000, socks_cb,
		    NULL);
		if (c == NULL) {
			printf("error bad arguments\n");
			return 1;
		}
		event_base_dispatch(base);
	} else if (argc >= 6 && strcmp(argv[1], "addonion") == 0) {
		cookie = argv[3];
		datadir = argv[4];
		target = argv[5];
		clientkey = argc > 6 ? argv[6] : NULL;
		if (onion_key_load_or_create(datadir, &key, err, sizeof(err)) !=
		    0) {
			printf("error key %s\n", err);
			return 1;
		}
		printf("ours %s\n", key.address);
		loopback(&sin, argv[2]);
		tc = torctl_new(base, (struct sockaddr *)&sin, sizeof(sin),
		    state_cb, NULL, NULL);
		event_base_dispatch(base);
		torctl_free(tc);
		onion_key_clear(&key);
	} else if (argc == 3 && strcmp(argv[1], "newaddr") == 0) {
		if (onion_key_load_or_create(argv[2], &key, err, sizeof(err)) !=
		    0) {
			printf("error key %s\n", err);
			return 1;
		}
		printf("%s\n", key.address);
		status = 0;
	} else {
		fprintf(stderr, "usage: see the comment in torhelper.c\n");
		return 1;
	}
	event_base_free(base);
	return status;
}
