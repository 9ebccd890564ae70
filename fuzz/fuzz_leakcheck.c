/* Fuzz the leak check's scanner with a few secrets loaded. */
#include "config.h"

#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "leakcheck.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "192.0.2.7", "2001:db8::7" };
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct leakcheck *lc = leakcheck_new();

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	leakcheck_add_addr(lc, (struct sockaddr *)&sin);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "fe80::6676:baff:fe9c:ee4a", &sin6.sin6_addr);
	leakcheck_add_addr(lc, (struct sockaddr *)&sin6);
	leakcheck_add_name(lc, "myhost.example.org");
	leakcheck_add_software(lc, "baresip v1.0.0 (x86_64/linux)");
	leakcheck_scan(lc, (const char *)data, size, allowed, 2);
	leakcheck_free(lc);
	return 0;
}
