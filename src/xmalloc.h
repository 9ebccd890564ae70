/* Allocation that never returns NULL: running out of memory is fatal. */
#ifndef ONIONSIP_XMALLOC_H
#define ONIONSIP_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t maxlen);
char *xmemdup(const void *p, size_t len);
int xasprintf(char **ret, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void freezero(void *ptr, size_t size);

#endif
