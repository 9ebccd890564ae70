/*
 * daemon_tor: the daemon's tor. Starts or attaches to tor, follows its
 * bootstrap, publishes onionsip's onion service with our own key and keeps
 * the tor object (tor.h) up to date. Fails closed: while tor is missing,
 * bootstrapping or lost, tor_ready() is false and nothing goes out; it
 * reconnects or restarts tor and carries on when tor is back.
 */
#ifndef ONIONSIP_DAEMON_TOR_H
#define ONIONSIP_DAEMON_TOR_H

#define DAEMON_TOR_RETRY_MIN	1   /* seconds before the first retry */
#define DAEMON_TOR_RETRY_MAX	30  /* seconds between retries at most */
#define DAEMON_TOR_CONTROL_WAIT 30  /* seconds for tor to open its port */
#define DAEMON_TOR_STALL	60  /* seconds of no bootstrap progress */
#define DAEMON_TOR_POLL_MS	100 /* polling tor's control-port file */
#define DAEMON_TOR_NEWNYM_GAP	10  /* seconds between NEWNYMs at most */

struct daemon;

void daemon_tor_start(struct daemon *d);
void daemon_tor_stop(struct daemon *d);
void daemon_tor_free(void);

#endif
