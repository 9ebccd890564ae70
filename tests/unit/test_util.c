#include "test.h"

#include <stdio.h>

#include "xmalloc.h"

/* Read relpath under $ONIONSIP_SRCDIR (or .) whole, byte-exact. */
char *
test_read_file(const char *relpath, size_t *lenp)
{
	const char *top = getenv("ONIONSIP_SRCDIR");
	char path[4096];
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", relpath);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			data = xreallocarray(data, cap, 1);
		}
		n = fread(data + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	data[len] = '\0';
	*lenp = len;
	return data;
}
