#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* Out of memory: nothing sane is left to do, least of all in a gateway. */
static void __attribute__((noreturn)) xmalloc_die(const char *what, size_t n)
{
	fprintf(stderr, "onionsip: %s of %zu bytes failed\n", what, n);
	abort();
}

/* malloc(3) that never returns NULL. */
void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		xmalloc_die("malloc", size);
	return p;
}

/* calloc(3) that never returns NULL. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		xmalloc_die("calloc", nmemb * size);
	return p;
}

/* reallocarray(3) that never returns NULL and checks the multiplication. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (nmemb > SIZE_MAX / size)
		xmalloc_die("reallocarray overflow", SIZE_MAX);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		xmalloc_die("realloc", nmemb * size);
	return p;
}

/* strdup(3) that never returns NULL. */
char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

/* strndup(3) that never returns NULL. */
char *
xstrndup(const char *s, size_t maxlen)
{
	return xmemdup(s, strnlen(s, maxlen));
}

/* A NUL-terminated copy of len bytes (which may themselves hold NULs). */
char *
xmemdup(const void *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		xmalloc_die("memdup overflow", len);
	s = xmalloc(len + 1);
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* asprintf(3) that never fails; returns the length. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmalloc_die("vasprintf", 0);
	return n;
}

/* Wipe a secret before its memory goes back to the allocator. */
void
freezero(void *ptr, size_t size)
{
	if (ptr == NULL)
		return;
	explicit_bzero(ptr, size);
	free(ptr);
}
