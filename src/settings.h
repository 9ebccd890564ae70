/*
 * settings: onionsip.conf, `Keyword value` lines like torrc (pure parser).
 * One table describes every keyword: its type, its default and a line of
 * help. The defaults are parsed from the table by the same code as the
 * file, and a test keeps the table, onionsip.conf(5) and the sample file
 * in sync. Unknown keywords and bad values are errors with file:line.
 */
#ifndef ONIONSIP_SETTINGS_H
#define ONIONSIP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define SETTINGS_MAX_FILE  (256 * 1024) /* bytes of configuration read */
#define SETTINGS_MAX_LINE  4096
#define SETTINGS_MAX_LIST  64  /* values of one repeatable keyword */
#define SETTINGS_MAX_ERROR 512 /* one error message */

/* A numeric address and port ([::1]:5060 or 127.0.0.1:5060); port 0: auto. */
struct settings_addr {
	char host[46];
	uint16_t port;
};

/* A host name or address and a port, handed to tor, never resolved here. */
struct settings_hostport {
	char host[256];
	uint16_t port;
};

struct settings_list {
	char *v[SETTINGS_MAX_LIST];
	size_t n;
};

enum settings_tor_mode {
	SETTINGS_TOR_LAUNCH,
	SETTINGS_TOR_EXTERNAL,
};

/* The running configuration; owned by the daemon, freed by settings_free(). */
struct settings {
	/* The softphone side. */
	struct settings_addr sip_listen;
	char *user;
	char *display_name;
	char *local_contact;
	char *sip_password;

	/* The machine. */
	char *data_dir;
	enum log_level log_level;
	bool safe_logging;

	/* Tor. */
	enum settings_tor_mode tor_mode;
	char *tor_binary;
	char *torrc_file;
	uint16_t tor_socks_port;
	uint16_t tor_control_port;
	char *tor_control_cookie_file;
	char *tor_control_password;
	struct settings_addr onion_listen;
	uint16_t onion_virtual_port;
	struct settings_list onion_authorized_clients;
	bool use_bridges;
	struct settings_list bridges;
	char *client_transport_plugin;

	/* Media. */
	struct settings_hostport turn_server;
	char *turn_user;
	char *turn_password;
	bool turn_warm;
	struct settings_list codecs;
	bool allow_video;
	bool allow_plain_rtp;
	unsigned int media_max_delay; /* ms; 0: never shed */

	/* Calls. */
	unsigned int max_calls;
	unsigned int max_ringing;
	unsigned int caller_rate_limit;
	struct settings_list allowed_callers;
};

enum settings_type {
	SETTINGS_STRING,
	SETTINGS_PATH,	   /* a string; a leading ~/ is the home directory */
	SETTINGS_SECRET,   /* a string never printed by settings_dump() */
	SETTINGS_BOOL,	   /* 0 or 1 */
	SETTINGS_UINT,	   /* min..max */
	SETTINGS_PORT,	   /* 1..65535 */
	SETTINGS_ADDR,	   /* struct settings_addr */
	SETTINGS_HOSTPORT, /* struct settings_hostport */
	SETTINGS_ENUM,	   /* one of names */
	SETTINGS_LOGLEVEL, /* enum log_level */
	SETTINGS_LIST,	   /* repeatable; each line adds its words */
};

/* One keyword. */
struct settings_key {
	const char *name;
	enum settings_type type;
	size_t offset;
	const char *def; /* default as it would be written in the file */
	unsigned int min, max;
	const char *const
	    *names; /* SETTINGS_ENUM: value names, in enum order */
	const char *help;
};

extern const struct settings_key settings_keys[];
extern const size_t settings_nkeys;

void settings_init(struct settings *cf);
int settings_parse(struct settings *cf, const char *text, size_t len,
    const char *filename, char *err, size_t errlen);
int
settings_load(struct settings *cf, const char *path, char *err, size_t errlen);
int settings_check(const struct settings *cf, char *err, size_t errlen);
void settings_free(struct settings *cf);
char *settings_dump(const struct settings *cf);
const struct settings_key *settings_find(const char *name);
char *settings_expand_path(const char *path);

#endif
