/*
 * torctl: a tor control-port client on the libevent loop (control-spec).
 * Commands are queued and answered in order; asynchronous 650 events go to
 * one event callback; a timeout bounds every command. Authentication picks
 * SAFECOOKIE, then COOKIE, then a password, as PROTOCOLINFO offers them.
 * The pure helpers (SAFECOOKIE hashes, ADD_ONION line, bootstrap status,
 * listener addresses) are apart and unit-tested.
 */
#ifndef ONIONSIP_TORCTL_H
#define ONIONSIP_TORCTL_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "torreply.h"

#define TORCTL_COMMAND_TIMEOUT 30 /* seconds for any one answer */
#define TORCTL_CONNECT_TIMEOUT 10 /* seconds to connect */
#define TORCTL_MAX_PENDING     32 /* commands in flight */
#define TORCTL_MAX_COMMAND     4096
#define TORCTL_COOKIE_LEN      32
#define TORCTL_MAX_CLIENTS     64 /* ClientAuthV3 keys in one ADD_ONION */

struct event_base;
struct torctl;

/* The answer to a command; r is NULL when the connection went away. */
typedef void
torctl_reply_cb(struct torctl *tc, const struct torreply *r, void *arg);
/* An asynchronous event (650). */
typedef void
torctl_event_cb(struct torctl *tc, const struct torreply *r, void *arg);
/* Connected (why NULL) or closed/failed (why says why); once each. */
typedef void
torctl_state_cb(struct torctl *tc, bool up, const char *why, void *arg);
/* Authentication finished: ok, or why not. */
typedef void
torctl_auth_cb(struct torctl *tc, bool ok, const char *why, void *arg);

/*
 * Connect to a control port. state_cb runs once with up=true when
 * connected, and once with up=false when it fails or closes (then pending
 * commands get r=NULL first); free with torctl_free() afterwards (not from
 * inside a callback: defer it).
 */
struct torctl *
torctl_new(struct event_base *base, const struct sockaddr *sa, socklen_t len,
    torctl_state_cb *state_cb, torctl_event_cb *event_cb, void *arg);
void torctl_free(struct torctl *tc);
/* Queue one command line (without CRLF); -1 when closed or full. */
int torctl_command(
    struct torctl *tc, const char *line, torctl_reply_cb *cb, void *arg);
/*
 * Authenticate: cookie_file overrides the one tor names (NULL: ask tor);
 * password is used when tor offers HASHEDPASSWORD (NULL or "": none).
 */
void torctl_authenticate(struct torctl *tc, const char *cookie_file,
    const char *password, torctl_auth_cb *cb, void *arg);
/* The method authentication used: SAFECOOKIE, COOKIE, HASHEDPASSWORD, NULL. */
const char *torctl_auth_method(const struct torctl *tc);
/* Close now (no state callback after). */
void torctl_close(struct torctl *tc);

/* Pure helpers. */
void torctl_safecookie_hashes(const uint8_t cookie[TORCTL_COOKIE_LEN],
    const uint8_t client_nonce[32], const uint8_t server_nonce[32],
    uint8_t server_hash[32], uint8_t client_hash[32]);
int torctl_hex_decode(const char *hex, uint8_t *out, size_t outlen);
void torctl_hex_encode(const uint8_t *in, size_t len, char *out);
int torctl_parse_bootstrap(const char *text, int *progress, char *tag,
    size_t taglen, char *summary, size_t summarylen, bool *warning);
int torctl_parse_addrport(
    const char *s, struct sockaddr_storage *ss, socklen_t *len);
int torctl_pick_socks(const char *value, uint16_t prefer_port,
    struct sockaddr_storage *ss, socklen_t *len);
int torctl_build_add_onion(char *out, size_t outlen, const char *keyblob,
    uint16_t virtual_port, const char *target, const char *const *clients,
    size_t nclients);

#endif
