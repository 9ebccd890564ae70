/*
 * registrar: where the softphone is (pure). The softphone REGISTERs with
 * onionsip on 127.0.0.1; the binding (its Contact and the transport it
 * came on) lives in memory only and says where incoming calls ring. With
 * SIPPassword set, REGISTER needs HTTP digest authentication (RFC 2617
 * MD5, qop=auth or none) so that another local user cannot take the
 * binding, nor, through the same check on INVITE, call under this user.
 * Without a binding, calls ring LocalContact when one is configured.
 *
 * Pure: the caller passes the clock and the nonce bytes.
 */
#ifndef ONIONSIP_REGISTRAR_H
#define ONIONSIP_REGISTRAR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "sipua_tp.h"

#define REGISTRAR_MAX_CONTACT	512
#define REGISTRAR_MAX_EXPIRES	3600 /* seconds granted at most */
#define REGISTRAR_MIN_EXPIRES	30
#define REGISTRAR_DEF_EXPIRES	600
#define REGISTRAR_NONCE_LEN	32   /* hex characters */
#define REGISTRAR_NONCE_SECONDS 300  /* a nonce is good this long */
#define REGISTRAR_MAX_AUTH	1024 /* bytes of an Authorization value */
#define REGISTRAR_REALM		"onionsip"

/* The parts of a digest Authorization header onionsip reads. */
struct registrar_auth {
	char username[128];
	char realm[64];
	char nonce[64];
	char uri[256];
	char response[33];
	char qop[16];
	char nc[9];
	char cnonce[64];
	char algorithm[16];
};

/* The one binding. */
struct registrar_binding {
	bool active;
	char contact[REGISTRAR_MAX_CONTACT]; /* the Contact URI as sent */
	struct sipua_peer peer;		     /* where it came from */
	time_t expires;			     /* absolute */
};

/* The registrar; owned by the daemon's call table. */
struct registrar {
	const char *user;     /* settings; not owned */
	const char *password; /* settings; "" or NULL: no authentication */
	char nonce[REGISTRAR_NONCE_LEN + 1];
	time_t nonce_time;
	struct registrar_binding b;
};

/* What a REGISTER said, taken from the parsed message by the caller. */
struct registrar_req {
	const char *ruri;    /* Request-URI */
	const char *auth;    /* Authorization value, or NULL */
	const char *contact; /* Contact URI, "*", or NULL (a query) */
	long expires;	     /* Expires / ;expires=, -1 if absent */
	const struct sipua_peer *peer;
};

/* The answer to send. */
struct registrar_answer {
	int status;	    /* 200, 400, 401, 403, 423 */
	const char *reason; /* reason phrase */
	char www_auth[160]; /* 401: the WWW-Authenticate value */
	long expires;	    /* 200: seconds granted (0: removed) */
	char contact[REGISTRAR_MAX_CONTACT]; /* 200: the binding, or "" */
};

void
registrar_init(struct registrar *r, const char *user, const char *password);
void registrar_set_nonce(struct registrar *r, const char *hex, time_t now);
bool registrar_needs_auth(const struct registrar *r);
int registrar_register(struct registrar *r, const struct registrar_req *req,
    time_t now, struct registrar_answer *ans);
int registrar_check_auth(const struct registrar *r, const char *method,
    const char *auth, time_t now, const char **reason);
const struct registrar_binding *
registrar_lookup(struct registrar *r, time_t now);
void registrar_forget_conn(struct registrar *r, uint64_t conn);
int registrar_auth_parse(const char *value, struct registrar_auth *a);
void registrar_digest(const char *user, const char *realm, const char *password,
    const char *method, const char *uri, const char *nonce, const char *nc,
    const char *cnonce, const char *qop, char out[33]);

#endif
