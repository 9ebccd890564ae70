#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "registrar.h"

/* Start with no binding. */
void
registrar_init(struct registrar *r, const char *user, const char *password)
{
	memset(r, 0, sizeof(*r));
	r->user = user;
	r->password = password;
}

/* A fresh nonce (hex from the CSPRNG, chosen by the caller). */
void
registrar_set_nonce(struct registrar *r, const char *hex, time_t now)
{
	snprintf(r->nonce, sizeof(r->nonce), "%s", hex);
	r->nonce_time = now;
}

/* Whether SIPPassword is set. */
bool
registrar_needs_auth(const struct registrar *r)
{
	return r->password != NULL && r->password[0] != '\0';
}

/* Copy one parameter value (quoted or token) into dst; -1 if too long. */
static int
registrar_param_copy(char *dst, size_t dstsz, const char *v, size_t len)
{
	if (len >= dstsz)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/*
 * Parse `Digest name=value, name="value", ...` (RFC 2617 section 3.2.2).
 * Unknown parameters are skipped; a parameter that does not fit is an
 * error, so nothing is silently truncated into a different value.
 */
int
registrar_auth_parse(const char *value, struct registrar_auth *a)
{
	static const struct {
		const char *name;
		size_t off, size;
	} fields[] = {
#define F(n)                                      \
	{ #n, offsetof(struct registrar_auth, n), \
		sizeof(((struct registrar_auth *)0)->n) }
		F(username),
		F(realm),
		F(nonce),
		F(uri),
		F(response),
		F(qop),
		F(nc),
		F(cnonce),
		F(algorithm),
#undef F
	};
	const char *p = value, *name, *v;
	size_t nlen, vlen, i;

	memset(a, 0, sizeof(*a));
	if (strlen(value) > REGISTRAR_MAX_AUTH)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "Digest", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return -1;
	p += 6;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		name = p;
		while (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
			p++;
		nlen = (size_t)(p - name);
		while (*p == ' ' || *p == '\t')
			p++;
		if (nlen == 0 || *p != '=')
			return -1;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			v = ++p;
			while (*p != '"' && *p != '\0') {
				if (*p == '\\')
					return -1; /* no escapes in what we read
						    */
				p++;
			}
			if (*p != '"')
				return -1;
			vlen = (size_t)(p - v);
			p++;
		} else {
			v = p;
			while (
			    *p != ',' && *p != ' ' && *p != '\t' && *p != '\0')
				p++;
			vlen = (size_t)(p - v);
		}
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (strlen(fields[i].name) != nlen ||
			    strncasecmp(fields[i].name, name, nlen) != 0)
				continue;
			if (registrar_param_copy((char *)a + fields[i].off,
				fields[i].size, v, vlen) != 0)
				return -1;
		}
	}
	return a->username[0] && a->nonce[0] && a->uri[0] && a->response[0]
	    ? 0
	    : -1;
}

/* MD5 of a string as 32 lower-case hex characters. */
static void
registrar_md5_hex(const char *s, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	EVP_Digest(s, strlen(s), md, &mdlen, EVP_md5(), NULL);
	for (i = 0; i < 16 && i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
}

/* The digest response a client with the password would send. */
void
registrar_digest(const char *user, const char *realm, const char *password,
    const char *method, const char *uri, const char *nonce, const char *nc,
    const char *cnonce, const char *qop, char out[33])
{
	char ha1[33], ha2[33], buf[1024];

	snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, password);
	registrar_md5_hex(buf, ha1);
	OPENSSL_cleanse(buf, sizeof(buf));
	snprintf(buf, sizeof(buf), "%s:%s", method, uri);
	registrar_md5_hex(buf, ha2);
	if (qop != NULL && qop[0] != '\0')
		snprintf(buf, sizeof(buf), "%s:%s:%s:%s:%s:%s", ha1, nonce, nc,
		    cnonce, qop, ha2);
	else
		snprintf(buf, sizeof(buf), "%s:%s:%s", ha1, nonce, ha2);
	registrar_md5_hex(buf, out);
	OPENSSL_cleanse(ha1, sizeof(ha1));
}

/*
 * Check an Authorization value for method: 0 when it proves the password
 * with our current nonce; -1 with a reason otherwise.
 */
int
registrar_check_auth(const struct registrar *r, const char *method,
    const char *auth, time_t now, const char **reason)
{
	struct registrar_auth a;
	char want[33];

	if (!registrar_needs_auth(r))
		return 0;
	if (auth == NULL) {
		*reason = "no credentials";
		return -1;
	}
	if (registrar_auth_parse(auth, &a) != 0) {
		*reason = "malformed credentials";
		return -1;
	}
	if (a.algorithm[0] != '\0' && strcasecmp(a.algorithm, "MD5") != 0) {
		*reason = "unsupported algorithm";
		return -1;
	}
	if (r->nonce[0] == '\0' || strcmp(a.nonce, r->nonce) != 0 ||
	    now - r->nonce_time > REGISTRAR_NONCE_SECONDS) {
		*reason = "stale nonce";
		return -1;
	}
	if (strcmp(a.username, r->user) != 0 ||
	    strcmp(a.realm, REGISTRAR_REALM) != 0) {
		*reason = "wrong user or realm";
		return -1;
	}
	if (a.qop[0] != '\0' && strcmp(a.qop, "auth") != 0) {
		*reason = "unsupported qop";
		return -1;
	}
	registrar_digest(a.username, a.realm, r->password, method, a.uri,
	    a.nonce, a.nc, a.cnonce, a.qop, want);
	if (CRYPTO_memcmp(want, a.response, 32) != 0 ||
	    strlen(a.response) != 32) {
		*reason = "wrong password";
		return -1;
	}
	return 0;
}

/* Fill a 401 challenge with the current nonce. */
static void
registrar_challenge(
    const struct registrar *r, struct registrar_answer *ans, const char *why)
{
	ans->status = 401;
	ans->reason = "Unauthorized";
	snprintf(ans->www_auth, sizeof(ans->www_auth),
	    "Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"%s",
	    REGISTRAR_REALM, r->nonce,
	    strcmp(why, "stale nonce") == 0 ? ", stale=true" : "");
}

/*
 * Handle a REGISTER: authenticate, then add, refresh, remove or report the
 * binding. Always fills ans; returns 0 if the binding changed.
 */
int
registrar_register(struct registrar *r, const struct registrar_req *req,
    time_t now, struct registrar_answer *ans)
{
	const char *why = NULL;
	long exp;

	memset(ans, 0, sizeof(*ans));
	if (registrar_check_auth(r, "REGISTER", req->auth, now, &why) != 0) {
		registrar_challenge(r, ans, why);
		return -1;
	}
	if (r->b.active && r->b.expires <= now)
		r->b.active = false;
	if (req->contact == NULL) {
		/* A query: report what we hold. */
		ans->status = 200;
		ans->reason = "OK";
		if (r->b.active) {
			snprintf(ans->contact, sizeof(ans->contact), "%s",
			    r->b.contact);
			ans->expires = (long)(r->b.expires - now);
		}
		return -1;
	}
	exp = req->expires < 0 ? REGISTRAR_DEF_EXPIRES : req->expires;
	if (strcmp(req->contact, "*") == 0 || exp == 0) {
		if (strcmp(req->contact, "*") == 0 && req->expires != 0) {
			ans->status = 400;
			ans->reason = "Bad Request";
			return -1;
		}
		r->b.active = false;
		ans->status = 200;
		ans->reason = "OK";
		return 0;
	}
	if (exp < REGISTRAR_MIN_EXPIRES) {
		ans->status = 423;
		ans->reason = "Interval Too Brief";
		ans->expires = REGISTRAR_MIN_EXPIRES;
		return -1;
	}
	if (strlen(req->contact) >= sizeof(r->b.contact) ||
	    strncasecmp(req->contact, "sip:", 4) != 0) {
		ans->status = 400;
		ans->reason = "Bad Request";
		return -1;
	}
	if (exp > REGISTRAR_MAX_EXPIRES)
		exp = REGISTRAR_MAX_EXPIRES;
	r->b.active = true;
	snprintf(r->b.contact, sizeof(r->b.contact), "%s", req->contact);
	r->b.peer = *req->peer;
	r->b.expires = now + exp;
	ans->status = 200;
	ans->reason = "OK";
	ans->expires = exp;
	snprintf(ans->contact, sizeof(ans->contact), "%s", r->b.contact);
	return 0;
}

/* The live binding, or NULL. */
const struct registrar_binding *
registrar_lookup(struct registrar *r, time_t now)
{
	if (r->b.active && r->b.expires <= now)
		r->b.active = false;
	return r->b.active ? &r->b : NULL;
}

/* A stream closed: a binding over it keeps its Contact but loses the flow. */
void
registrar_forget_conn(struct registrar *r, uint64_t conn)
{
	if (r->b.active && r->b.peer.proto == SIPUA_TCP &&
	    r->b.peer.conn == conn)
		r->b.peer.conn = 0;
}
