/*
 * leakcheck: the last look at every message before it leaves toward the
 * network (pure). A message passes only if
 *  - every IP address literal in it (IPv4 dotted quad; IPv6, bracketed or
 *    not, including IPv4-mapped forms) is one of the allowed addresses of
 *    that call (its relay addresses), and
 *  - it contains none of the machine's own addresses in any textual form,
 *    none of its host names, and none of the softphone's software strings.
 * Otherwise the message is refused: fail closed. The shell fills the lists
 * (localinfo.c: getifaddrs(3), gethostname(3), User-Agent values the
 * softphone sent) and counts and logs refusals.
 */
#ifndef ONIONSIP_LEAKCHECK_H
#define ONIONSIP_LEAKCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define LEAKCHECK_MAX_NEEDLES 1024 /* addresses, names and strings held */
#define LEAKCHECK_MIN_NAME    3	   /* shorter names are not searched for */

/* The machine's secrets; owned by whoever called leakcheck_new(). */
struct leakcheck;

enum leakcheck_verdict {
	LEAKCHECK_PASS,
	LEAKCHECK_LOCAL_ADDRESS, /* one of the machine's addresses */
	LEAKCHECK_FOREIGN_IP,	 /* an IP literal that is not allowed */
	LEAKCHECK_HOST_NAME,	 /* the machine's host or domain name */
	LEAKCHECK_SOFTWARE,	 /* the softphone's software string */
};

/* A new, empty check; never NULL. The caller owns it (leakcheck_free). */
struct leakcheck *leakcheck_new(void);
void leakcheck_free(struct leakcheck *lc);

/*
 * One of the machine's addresses (AF_INET or AF_INET6): refused in every
 * textual form (dotted, any IPv6 spelling, IPv4-mapped/compatible, NAT64,
 * 6to4, IPv4 as 8 hex digits or a 32-bit decimal). 0, or -1 (not an IP
 * address, or the table is full).
 */
int leakcheck_add_addr(struct leakcheck *lc, const struct sockaddr *sa);

/*
 * One of the machine's hardware addresses (6 bytes): refused as 12 hex
 * digits (a version-1 UUID's node) or with ':' or '-' between the bytes.
 * 0; 1 for the all-zero address (not searched); -1 if the table is full.
 */
int leakcheck_add_mac(struct leakcheck *lc, const unsigned char mac[6]);

/*
 * A host or domain name: searched for case-insensitively as a word (no
 * letter or digit either side), the whole name and, for a dotted one, its
 * first label and its domain. 0 if searched for; 1 if not, because it is
 * shorter than LEAKCHECK_MIN_NAME, all digits, or a word onionsip writes
 * itself (the vocabulary in leakcheck.c; the shell should say so); -1 if
 * unusable or the table is full.
 */
int leakcheck_add_name(struct leakcheck *lc, const char *name);

/*
 * A software string the softphone sent (User-Agent, Server, a=tool): the
 * whole string as a substring, each word in it that starts with a letter
 * as a word. Returns as leakcheck_add_name().
 */
int leakcheck_add_software(struct leakcheck *lc, const char *software);
/*
 * A word onionsip itself writes for this user: the configured SIP user name
 * or display name. A host name or software word equal to it is not
 * searched for (before or after this call), or a user who named the SIP
 * account after the machine could send nothing. 0, or -1 (list full).
 */
int leakcheck_allow_word(struct leakcheck *lc, const char *word);

const char *leakcheck_verdict_str(enum leakcheck_verdict v);

/*
 * Scan len bytes (which may hold NULs). allowed is a list of nallowed IP
 * literals (the call's relay addresses, IPv6 with or without brackets)
 * that may appear; an allowed address passes even when it is also one of
 * the machine's own (a TURN server on this machine, as in the tests).
 * Returns the first problem found, or LEAKCHECK_PASS.
 */
enum leakcheck_verdict leakcheck_scan(const struct leakcheck *lc,
    const char *msg, size_t len, const char *const *allowed, size_t nallowed);

#endif
