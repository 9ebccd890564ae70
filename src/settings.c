#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "settings.h"
#include "xmalloc.h"

static const char *const settings_tor_modes[] = { "launch", "external", NULL };

#define OFF(f) offsetof(struct settings, f)

/*
 * The keywords. Order is the order of onionsip.conf(5) and of the sample
 * file; tests/unit/test_settings.c keeps the three in step.
 */
const struct settings_key settings_keys[] = {
	{ "SIPListen", SETTINGS_ADDR, OFF(sip_listen), "127.0.0.1:5060", 0, 0,
	    NULL, "where the softphone reaches onionsip (UDP and TCP)" },
	{ "User", SETTINGS_STRING, OFF(user), "user", 0, 0, NULL,
	    "the user part of your address sip:<User>@<onion>.onion" },
	{ "DisplayName", SETTINGS_STRING, OFF(display_name), "", 0, 0, NULL,
	    "a display name sent with your address (none by default)" },
	{ "LocalContact", SETTINGS_STRING, OFF(local_contact), "", 0, 0, NULL,
	    "where incoming calls ring when no softphone has registered" },
	{ "SIPPassword", SETTINGS_SECRET, OFF(sip_password), "", 0, 0, NULL,
	    "password the softphone must register with (digest)" },
	{ "DataDirectory", SETTINGS_PATH, OFF(data_dir),
	    "~/.local/share/onionsip", 0, 0, NULL,
	    "onionsip's keys and tor's state" },
	{ "LogLevel", SETTINGS_LOGLEVEL, OFF(log_level), "notice", 0, 0, NULL,
	    "error, warn, notice, info or debug" },
	{ "SafeLogging", SETTINGS_BOOL, OFF(safe_logging), "1", 0, 0, NULL,
	    "0 shows addresses, URIs and Call-IDs in the logs" },
	{ "TorMode", SETTINGS_ENUM, OFF(tor_mode), "launch", 0, 0,
	    settings_tor_modes,
	    "launch: start our own tor; external: use one" },
	{ "TorBinary", SETTINGS_PATH, OFF(tor_binary), "tor", 0, 0, NULL,
	    "the tor program to launch" },
	{ "TorrcFile", SETTINGS_PATH, OFF(torrc_file), "", 0, 0, NULL,
	    "extra torrc for the launched tor (the shipped one by default)" },
	{ "TorSocksPort", SETTINGS_PORT, OFF(tor_socks_port), "9050", 0, 0,
	    NULL, "external tor: its SocksPort on 127.0.0.1" },
	{ "TorControlPort", SETTINGS_PORT, OFF(tor_control_port), "9051", 0, 0,
	    NULL, "external tor: its ControlPort on 127.0.0.1" },
	{ "TorControlCookieFile", SETTINGS_PATH, OFF(tor_control_cookie_file),
	    "", 0, 0, NULL,
	    "external tor: its control cookie (as tor reports it by default)" },
	{ "TorControlPassword", SETTINGS_SECRET, OFF(tor_control_password), "",
	    0, 0, NULL, "external tor: control port password" },
	{ "OnionListen", SETTINGS_ADDR, OFF(onion_listen), "127.0.0.1:0", 0, 0,
	    NULL, "where the onion service delivers calls (port 0: any)" },
	{ "OnionVirtualPort", SETTINGS_PORT, OFF(onion_virtual_port), "5060", 0,
	    0, NULL, "the port callers reach on your onion address" },
	{ "OnionAuthorizedClients", SETTINGS_LIST,
	    OFF(onion_authorized_clients), "", 0, 0, NULL,
	    "x25519 client keys allowed to reach a private onion service" },
	{ "UseBridges", SETTINGS_BOOL, OFF(use_bridges), "0", 0, 0, NULL,
	    "reach Tor through the Bridge lines" },
	{ "Bridge", SETTINGS_LIST, OFF(bridges), "", 0, 0, NULL,
	    "a bridge line as torrc takes it (one per line, repeatable)" },
	{ "ClientTransportPlugin", SETTINGS_STRING,
	    OFF(client_transport_plugin), "", 0, 0, NULL,
	    "a pluggable transport line for bridges (obfs4)" },
	{ "TURNServer", SETTINGS_HOSTPORT, OFF(turn_server), "", 0, 0, NULL,
	    "the TURN relay for media, host:port, reached through tor" },
	{ "TURNUser", SETTINGS_STRING, OFF(turn_user), "", 0, 0, NULL,
	    "TURN long-term credential user name" },
	{ "TURNPassword", SETTINGS_SECRET, OFF(turn_password), "", 0, 0, NULL,
	    "TURN long-term credential password" },
	{ "TURNWarm", SETTINGS_BOOL, OFF(turn_warm), "1", 0, 0, NULL,
	    "keep one TURN allocation ready for the next call" },
	{ "Codecs", SETTINGS_LIST, OFF(codecs),
	    "opus G722 PCMU PCMA telephone-event", 0, 0, NULL,
	    "audio codecs allowed in calls, by preference" },
	{ "AllowVideo", SETTINGS_BOOL, OFF(allow_video), "0", 0, 0, NULL,
	    "carry video streams (refused by default)" },
	{ "AllowPlainRTP", SETTINGS_BOOL, OFF(allow_plain_rtp), "0", 0, 0, NULL,
	    "allow unencrypted media toward peers that cannot do SRTP" },
	{ "MediaMaxDelay", SETTINGS_UINT, OFF(media_max_delay), "400", 0, 5000,
	    NULL, "one-way media delay in ms past which packets are shed" },
	{ "MaxCalls", SETTINGS_UINT, OFF(max_calls), "256", 1, 4096, NULL,
	    "calls at the same time" },
	{ "MaxRinging", SETTINGS_UINT, OFF(max_ringing), "4", 1, 256, NULL,
	    "incoming calls ringing at the same time" },
	{ "CallerRateLimit", SETTINGS_UINT, OFF(caller_rate_limit), "6", 1, 600,
	    NULL, "incoming calls per minute from one caller" },
	{ "AllowedCallers", SETTINGS_LIST, OFF(allowed_callers), "", 0, 0, NULL,
	    "onion addresses allowed to call you (everyone if empty)" },
};
const size_t settings_nkeys = sizeof(settings_keys) / sizeof(settings_keys[0]);

/* Write an error message with its file:line. */
static int __attribute__((format(printf, 5, 6))) settings_error(char *err,
    size_t errlen, const char *file, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (file != NULL)
		n = snprintf(err, errlen, "%s:%u: ", file, line);
	if (n < 0 || (size_t)n >= errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The keyword called name (any case), or NULL. */
const struct settings_key *
settings_find(const char *name)
{
	size_t i;

	for (i = 0; i < settings_nkeys; i++)
		if (strcasecmp(settings_keys[i].name, name) == 0)
			return &settings_keys[i];
	return NULL;
}

/* Parse a decimal number in [min, max]. */
static int
settings_number(
    const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	if (!span_to_u32(span_cstr(s), max, out) || *out < min)
		return -1;
	return 0;
}

/* Parse "IP:port" or "[IPv6]:port", numeric only. */
static int
settings_parse_addr(const char *s, struct settings_addr *a)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	const char *colon, *host = s;
	size_t hostlen;
	unsigned long port;
	int af = AF_INET;

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		host = s + 1;
		hostlen = (size_t)(end - host);
		colon = end + 1;
		af = AF_INET6;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hostlen = (size_t)(colon - s);
	}
	if (hostlen == 0 || hostlen >= sizeof(a->host))
		return -1;
	memcpy(a->host, host, hostlen);
	a->host[hostlen] = '\0';
	if (inet_pton(af, a->host, tmp) != 1)
		return -1;
	if (settings_number(colon + 1, 0, 65535, &port) != 0)
		return -1;
	a->port = (uint16_t)port;
	return 0;
}

/* Parse "host:port": a name or an address, never looked up here. */
static int
settings_parse_hostport(const char *s, struct settings_hostport *hp)
{
	const char *colon = strrchr(s, ':');
	size_t i, len;
	unsigned long port;

	if (colon == NULL || colon == s)
		return -1;
	len = (size_t)(colon - s);
	if (*s == '[' && colon[-1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(hp->host))
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '-' && c != ':' && c != '_')
			return -1;
	}
	memcpy(hp->host, s, len);
	hp->host[len] = '\0';
	if (settings_number(colon + 1, 1, 65535, &port) != 0)
		return -1;
	hp->port = (uint16_t)port;
	return 0;
}

/* Empty a list. */
static void
settings_list_clear(struct settings_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

/* Set one keyword's value from its text; -1 with a message on error. */
static int
settings_set(struct settings *cf, const struct settings_key *k, const char *val,
    char *msg, size_t msglen)
{
	void *field = (char *)cf + k->offset;
	unsigned long n;
	size_t i;

	switch (k->type) {
	case SETTINGS_STRING:
	case SETTINGS_PATH:
	case SETTINGS_SECRET: {
		char **sp = field;

		if (k->type == SETTINGS_SECRET && *sp != NULL)
			explicit_bzero(*sp, strlen(*sp));
		free(*sp);
		*sp = xstrdup(val);
		return 0;
	}
	case SETTINGS_BOOL:
		if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
			break;
		*(bool *)field = val[0] == '1';
		return 0;
	case SETTINGS_UINT:
		if (settings_number(val, k->min, k->max, &n) != 0) {
			snprintf(msg, msglen, "%s wants a number from %u to %u",
			    k->name, k->min, k->max);
			return -1;
		}
		*(unsigned int *)field = (unsigned int)n;
		return 0;
	case SETTINGS_PORT:
		if (settings_number(val, 1, 65535, &n) != 0)
			break;
		*(uint16_t *)field = (uint16_t)n;
		return 0;
	case SETTINGS_ADDR:
		if (settings_parse_addr(val, field) != 0)
			break;
		return 0;
	case SETTINGS_HOSTPORT:
		if (*val == '\0') {
			memset(field, 0, sizeof(struct settings_hostport));
			return 0;
		}
		if (settings_parse_hostport(val, field) != 0)
			break;
		return 0;
	case SETTINGS_ENUM:
		for (i = 0; k->names[i] != NULL; i++) {
			if (strcasecmp(val, k->names[i]) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
		}
		break;
	case SETTINGS_LOGLEVEL:
		if (log_level_from_str(val, field) != 0)
			break;
		return 0;
	case SETTINGS_LIST: {
		struct settings_list *l = field;
		char *copy = xstrdup(val), *word, *save = NULL;

		/* Bridge lines are one value each; other lists hold words. */
		if (k->offset == OFF(bridges)) {
			if (*val == '\0') {
				free(copy);
				return 0;
			}
			if (l->n == SETTINGS_MAX_LIST) {
				free(copy);
				goto toomany;
			}
			l->v[l->n++] = copy;
			return 0;
		}
		for (word = strtok_r(copy, " \t,", &save); word != NULL;
		     word = strtok_r(NULL, " \t,", &save)) {
			if (l->n == SETTINGS_MAX_LIST) {
				free(copy);
				goto toomany;
			}
			l->v[l->n++] = xstrdup(word);
		}
		free(copy);
		return 0;
	toomany:
		snprintf(msg, msglen, "more than %d values for %s",
		    SETTINGS_MAX_LIST, k->name);
		return -1;
	}
	}
	snprintf(msg, msglen, "bad value for %s", k->name);
	return -1;
}

/* An empty configuration with every keyword at its default. */
void
settings_init(struct settings *cf)
{
	char msg[SETTINGS_MAX_ERROR];
	size_t i;

	memset(cf, 0, sizeof(*cf));
	for (i = 0; i < settings_nkeys; i++)
		if (settings_set(cf, &settings_keys[i], settings_keys[i].def,
			msg, sizeof(msg)) != 0)
			abort(); /* a bad default is a programmer's bug */
}

/*
 * Parse configuration text over cf (which holds defaults or an earlier
 * file). Lines are `Keyword value`; a line whose first non-blank is # is a
 * comment. A single-value keyword may appear once; a list keyword's first
 * line replaces the default and later lines add to it.
 */
int
settings_parse(struct settings *cf, const char *text, size_t len,
    const char *filename, char *err, size_t errlen)
{
	bool seen[sizeof(settings_keys) / sizeof(settings_keys[0])] = { false };
	char line[SETTINGS_MAX_LINE + 1], msg[SETTINGS_MAX_ERROR];
	unsigned int lineno = 0;
	size_t pos = 0;

	if (len > SETTINGS_MAX_FILE)
		return settings_error(err, errlen, filename, 0,
		    "larger than %d bytes", SETTINGS_MAX_FILE);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const struct settings_key *k;
		char *kw, *val, *end;
		size_t ki;

		lineno++;
		if (n > SETTINGS_MAX_LINE)
			return settings_error(err, errlen, filename, lineno,
			    "line longer than %d bytes", SETTINGS_MAX_LINE);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n) != NULL)
			return settings_error(
			    err, errlen, filename, lineno, "NUL byte");
		kw = line + strspn(line, " \t");
		if (*kw == '\0' || *kw == '#')
			continue;
		val = kw + strcspn(kw, " \t");
		if (*val != '\0')
			*val++ = '\0';
		val += strspn(val, " \t");
		end = val + strlen(val);
		while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if ((k = settings_find(kw)) == NULL)
			return settings_error(err, errlen, filename, lineno,
			    "unknown keyword \"%.64s\"", kw);
		ki = (size_t)(k - settings_keys);
		if (seen[ki] && k->type != SETTINGS_LIST)
			return settings_error(err, errlen, filename, lineno,
			    "%s given twice", k->name);
		if (!seen[ki] && k->type == SETTINGS_LIST)
			settings_list_clear(
			    (struct settings_list *)((char *)cf + k->offset));
		seen[ki] = true;
		if (settings_set(cf, k, val, msg, sizeof(msg)) != 0)
			return settings_error(err, errlen, filename, lineno,
			    "%s: \"%.64s\"", msg, val);
	}
	return 0;
}

/* Read and parse a file; refuses one that others may write. */
int
settings_load(struct settings *cf, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd, rv;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return settings_error(
		    err, errlen, NULL, 0, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return settings_error(
		    err, errlen, NULL, 0, "%s: not a regular file", path);
	}
	/* It may hold secrets and decides where calls go: guard it. */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		close(fd);
		return settings_error(err, errlen, NULL, 0,
		    "%s: writable by others; chmod go-w it", path);
	}
	if (st.st_size > SETTINGS_MAX_FILE) {
		close(fd);
		return settings_error(err, errlen, NULL, 0,
		    "%s: larger than %d bytes", path, SETTINGS_MAX_FILE);
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	    (n = read(fd, text + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	rv = settings_parse(cf, text, len, path, err, errlen);
	freezero(text, (size_t)st.st_size + 1);
	return rv;
}

/* Whether s is a SIP user part onionsip will write (RFC 3261 unreserved). */
static bool
settings_valid_user(const char *s)
{
	size_t i;

	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("-_.!~*'()", s[i]) == NULL)
			return false;
	return true;
}

/* Checks across keywords, after the whole file is read. */
int
settings_check(const struct settings *cf, char *err, size_t errlen)
{
	size_t i;

	if (!settings_valid_user(cf->user))
		return settings_error(err, errlen, NULL, 0,
		    "User must be 1-64 letters, digits or -_.!~*'()");
	for (i = 0; cf->display_name[i] != '\0'; i++)
		if ((unsigned char)cf->display_name[i] < 0x20 ||
		    cf->display_name[i] == '"' || cf->display_name[i] == '\\')
			return settings_error(err, errlen, NULL, 0,
			    "DisplayName may not hold quotes, backslashes or "
			    "control characters");
	if (cf->sip_listen.port == 0)
		return settings_error(
		    err, errlen, NULL, 0, "SIPListen needs a port");
	if (*cf->local_contact != '\0' &&
	    strncasecmp(cf->local_contact, "sip:", 4) != 0)
		return settings_error(
		    err, errlen, NULL, 0, "LocalContact must be a sip: URI");
	if (*cf->turn_server.host != '\0' &&
	    (*cf->turn_user == '\0' || *cf->turn_password == '\0'))
		return settings_error(err, errlen, NULL, 0,
		    "TURNServer needs TURNUser and TURNPassword");
	if (cf->use_bridges && cf->bridges.n == 0)
		return settings_error(err, errlen, NULL, 0,
		    "UseBridges 1 needs at least one Bridge line");
	if (cf->codecs.n == 0)
		return settings_error(
		    err, errlen, NULL, 0, "Codecs lists no codec");
	return 0;
}

/* Release everything the configuration owns; secrets are wiped. */
void
settings_free(struct settings *cf)
{
	size_t i;

	for (i = 0; i < settings_nkeys; i++) {
		const struct settings_key *k = &settings_keys[i];
		void *field = (char *)cf + k->offset;

		switch (k->type) {
		case SETTINGS_SECRET: {
			char *s = *(char **)field;

			if (s != NULL)
				freezero(s, strlen(s));
			break;
		}
		case SETTINGS_STRING:
		case SETTINGS_PATH:
			free(*(char **)field);
			break;
		case SETTINGS_LIST:
			settings_list_clear(field);
			break;
		default:
			break;
		}
	}
	memset(cf, 0, sizeof(*cf));
}

/* The effective configuration as a file would say it; secrets hidden. */
char *
settings_dump(const struct settings *cf)
{
	struct buf b;
	size_t i, j;

	buf_init(&b, SETTINGS_MAX_FILE);
	for (i = 0; i < settings_nkeys; i++) {
		const struct settings_key *k = &settings_keys[i];
		const void *field = (const char *)cf + k->offset;

		switch (k->type) {
		case SETTINGS_STRING:
		case SETTINGS_PATH:
			buf_printf(
			    &b, "%s %s\n", k->name, *(char *const *)field);
			break;
		case SETTINGS_SECRET:
			buf_printf(&b, "%s %s\n", k->name,
			    **(char *const *)field ? "[hidden]" : "");
			break;
		case SETTINGS_BOOL:
			buf_printf(&b, "%s %d\n", k->name,
			    *(const bool *)field ? 1 : 0);
			break;
		case SETTINGS_UINT:
			buf_printf(&b, "%s %u\n", k->name,
			    *(const unsigned int *)field);
			break;
		case SETTINGS_PORT:
			buf_printf(
			    &b, "%s %u\n", k->name, *(const uint16_t *)field);
			break;
		case SETTINGS_ADDR: {
			const struct settings_addr *a = field;

			buf_printf(&b,
			    strchr(a->host, ':') ? "%s [%s]:%u\n"
						 : "%s %s:%u\n",
			    k->name, a->host, a->port);
			break;
		}
		case SETTINGS_HOSTPORT: {
			const struct settings_hostport *hp = field;

			if (*hp->host == '\0')
				buf_printf(&b, "%s \n", k->name);
			else
				buf_printf(&b, "%s %s:%u\n", k->name, hp->host,
				    hp->port);
			break;
		}
		case SETTINGS_ENUM:
			buf_printf(&b, "%s %s\n", k->name,
			    k->names[*(const int *)field]);
			break;
		case SETTINGS_LOGLEVEL:
			buf_printf(&b, "%s %s\n", k->name,
			    log_level_str(*(const enum log_level *)field));
			break;
		case SETTINGS_LIST: {
			const struct settings_list *l = field;

			if (l->n == 0)
				buf_printf(&b, "%s \n", k->name);
			for (j = 0; j < l->n; j++)
				buf_printf(&b, "%s %s\n", k->name, l->v[j]);
			break;
		}
		}
	}
	return buf_steal(&b, NULL);
}

/* A path with a leading ~/ made absolute with the home directory. */
char *
settings_expand_path(const char *path)
{
	const char *home;
	char *out;

	if (strncmp(path, "~/", 2) != 0)
		return xstrdup(path);
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		struct passwd *pw = getpwuid(getuid());

		home = pw != NULL ? pw->pw_dir : "/";
	}
	xasprintf(&out, "%s/%s", home, path + 2);
	return out;
}
