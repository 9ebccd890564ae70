/* The machine's own addresses and names, gathered for the leak check. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <ifaddrs.h>
#ifdef __linux__
#include <netpacket/packet.h>
#endif
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "leakcheck.h"
#include "localinfo.h"

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 255
#endif

/* Add one name and count the outcome. */
static void
localinfo_name(
    struct leakcheck *lc, const char *name, struct localinfo_counts *c)
{
	int rc;

	if (name[0] == '\0')
		return;
	rc = leakcheck_add_name(lc, name);
	if (rc == 0)
		c->names++;
	else
		c->unsearched++;
}

/* Add the first line of a file like /etc/hostname, if it exists. */
int
localinfo_add_name_file(
    struct leakcheck *lc, const char *path, struct localinfo_counts *c)
{
	char line[HOST_NAME_MAX + 2];
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		localinfo_name(lc, line, c);
	}
	fclose(f);
	return 0;
}

/* Add every interface address, and (Linux) every hardware address. */
static int
localinfo_addrs(struct leakcheck *lc, struct localinfo_counts *c)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
#ifdef __linux__
		if (i->ifa_addr->sa_family == AF_PACKET) {
			const struct sockaddr_ll *ll =
			    (const struct sockaddr_ll *)(const void *)
				i->ifa_addr;

			if (ll->sll_halen == 6 &&
			    leakcheck_add_mac(lc, ll->sll_addr) == 0)
				c->macs++;
			continue;
		}
#endif
		if (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6)
			continue;
		if (leakcheck_add_addr(lc, i->ifa_addr) == 0)
			c->addrs++;
	}
	freeifaddrs(ifa);
	return 0;
}

/* Add the machine's addresses and names to lc. */
int
localinfo_gather(struct leakcheck *lc, struct localinfo_counts *counts)
{
	struct localinfo_counts c;
	char host[HOST_NAME_MAX + 1];
	struct utsname u;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = localinfo_addrs(lc, &c);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		localinfo_name(lc, host, &c);
	}
	if (uname(&u) == 0)
		localinfo_name(lc, u.nodename, &c);
	localinfo_add_name_file(lc, "/etc/hostname", &c);
	localinfo_add_name_file(lc, "/etc/mailname", &c);
	if (counts != NULL)
		*counts = c;
	return rc;
}
