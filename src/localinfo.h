/*
 * localinfo: the machine's own identifiers (shell). Fills a leak check with
 * every interface address (IPv4 and IPv6, getifaddrs(3)), every hardware
 * address (AF_PACKET entries on Linux), and every name the
 * machine goes by (gethostname(3), uname(2) nodename, /etc/hostname,
 * /etc/mailname), so that none of them can leave in a message.
 */
#ifndef ONIONSIP_LOCALINFO_H
#define ONIONSIP_LOCALINFO_H

#include "leakcheck.h"

/* Counts of what localinfo_gather() added, for the start-up log. */
struct localinfo_counts {
	size_t addrs;
	size_t macs; /* hardware addresses (Linux) */
	size_t names;
	size_t unsearched; /* names too short or common to search for */
};

/*
 * Add the machine's addresses and names to lc. -1 if the interface list
 * cannot be read (the caller must not start: fail closed), else 0.
 */
int localinfo_gather(struct leakcheck *lc, struct localinfo_counts *counts);

/* Add the names in one file such as /etc/hostname (first line, if any). */
int localinfo_add_name_file(
    struct leakcheck *lc, const char *path, struct localinfo_counts *counts);

#endif
