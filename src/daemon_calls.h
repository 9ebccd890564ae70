/*
 * daemon_calls: the B2BUA inside the daemon (shell glue). Opens SIPListen
 * for the softphone at start-up, takes the onion service's listener from
 * the tor module, keeps a TURN pool once tor is usable, and on shutdown
 * ends every call with BYE before tor is stopped (the BYEs travel through
 * it).
 */
#ifndef ONIONSIP_DAEMON_CALLS_H
#define ONIONSIP_DAEMON_CALLS_H

#define DAEMON_CALLS_RELEASE_MS 300 /* for TURN releases to leave at exit */

struct daemon;

void daemon_calls_start(struct daemon *d);
void daemon_calls_stop(struct daemon *d);
void daemon_calls_free(void);

#endif
