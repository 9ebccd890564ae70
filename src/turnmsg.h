/*
 * turnmsg: the STUN/TURN message adapter (issue 4). The only file that
 * uses libre's stun_msg_* codec. It builds the requests the TURN client
 * sends (Allocate with REQUESTED-TRANSPORT UDP, Refresh, CreatePermission,
 * ChannelBind, Send indications), with long-term credentials and
 * MESSAGE-INTEGRITY, never a SOFTWARE or FINGERPRINT attribute, and parses
 * what the server sends back into plain C values. Transaction ids come
 * from the caller (csprng in the shell; fixed ones in tests).
 */
#ifndef ONIONSIP_TURNMSG_H
#define ONIONSIP_TURNMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define TURNMSG_TID_LEN 12
#define TURNMSG_KEY_LEN 16   /* MD5(user:realm:password) */
#define TURNMSG_MAX_STR 256  /* realm, nonce, user name, reason (RFC: 763) */
#define TURNMSG_MAX_MSG 2048 /* the longest request we build */

enum turnmsg_method {
	TURNMSG_BINDING = 0x001, /* our delay probe toward the server */
	TURNMSG_ALLOCATE = 0x003,
	TURNMSG_REFRESH = 0x004,
	TURNMSG_SEND = 0x006,
	TURNMSG_DATA = 0x007,
	TURNMSG_CREATEPERM = 0x008,
	TURNMSG_CHANBIND = 0x009,
};

enum turnmsg_class {
	TURNMSG_REQUEST = 0,
	TURNMSG_INDICATION = 1,
	TURNMSG_SUCCESS = 2,
	TURNMSG_ERROR = 3,
};

/* Long-term credentials once the server told us its realm and nonce. */
struct turnmsg_auth {
	const char *user;
	const char *realm;
	const char *nonce;
	uint8_t key[TURNMSG_KEY_LEN];
};

/* What goes into a request or indication; unset fields are left out. */
struct turnmsg_req {
	enum turnmsg_method method;
	enum turnmsg_class cls; /* REQUEST or INDICATION */
	uint8_t tid[TURNMSG_TID_LEN];
	bool has_lifetime;
	uint32_t lifetime;
	bool req_transport_udp;	     /* Allocate */
	const struct sockaddr *peer; /* XOR-PEER-ADDRESS */
	uint16_t channel;	     /* CHANNEL-NUMBER (0: none) */
	const uint8_t *data;	     /* DATA (Send) */
	size_t datalen;
};

/* A parsed message from the server. Pointers are into the caller's bytes. */
struct turnmsg_parsed {
	enum turnmsg_method method;
	enum turnmsg_class cls;
	uint8_t tid[TURNMSG_TID_LEN];
	uint16_t error_code;	      /* TURNMSG_ERROR */
	char reason[TURNMSG_MAX_STR]; /* the server's reason text, raw */
	char realm[TURNMSG_MAX_STR];
	char nonce[TURNMSG_MAX_STR];
	bool has_lifetime;
	uint32_t lifetime;
	bool has_relayed, has_mapped, has_peer;
	struct sockaddr_storage relayed, mapped, peer;
	const uint8_t *data; /* DATA (Data indication) */
	size_t datalen;
	bool has_integrity;
	bool integrity_ok; /* checked against key if one was given */
};

/* The long-term key MD5(user ":" realm ":" password) (RFC 8489 9.2.2). */
void turnmsg_key(const char *user, const char *realm, const char *password,
    uint8_t key[TURNMSG_KEY_LEN]);

/*
 * Encode req into out. auth NULL: no credentials (the first Allocate).
 * Returns the length or 0 if it does not fit / bad arguments.
 */
size_t turnmsg_build(const struct turnmsg_req *req,
    const struct turnmsg_auth *auth, uint8_t *out, size_t outsz);

/*
 * Parse one whole STUN message (as framed by turnframe). key, if not NULL,
 * is used to check MESSAGE-INTEGRITY. 0, or -1 with a static reason.
 */
int turnmsg_parse(const uint8_t *p, size_t len, const uint8_t *key,
    size_t keylen, struct turnmsg_parsed *m, const char **why);

/* "Allocate", "Refresh", ... for logs. */
const char *turnmsg_method_str(enum turnmsg_method m);

#endif
