/*
 * Fuzz the B2BUA's pure parsers: the stream framer (every prefix, and the
 * messages it cuts out back to back) and the digest Authorization parser
 * with the check that uses it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "registrar.h"
#include "sipua_tp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct registrar_auth a;
	struct registrar r;
	const char *why;
	size_t off = 0, skip;
	long n;
	char *s;

	while (off < size) {
		n = sipua_tp_frame(p + off, size - off, &skip);
		if (skip > size - off)
			__builtin_trap();
		if (n <= 0)
			break;
		if ((size_t)n > size - off - skip || n > SIPUA_TP_MAX_MSG)
			__builtin_trap();
		off += skip + (size_t)n;
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (registrar_auth_parse(s, &a) == 0 &&
	    (strlen(a.username) >= sizeof(a.username) ||
		strlen(a.response) >= sizeof(a.response)))
		__builtin_trap();
	registrar_init(&r, "alice", "secret");
	registrar_set_nonce(&r, "0123456789abcdef0123456789abcdef", 100);
	(void)registrar_check_auth(&r, "INVITE", s, 100, &why);
	free(s);
	return 0;
}
