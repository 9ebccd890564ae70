/* Common includes for the cmocka unit tests. */
#ifndef ONIONSIP_TEST_H
#define ONIONSIP_TEST_H

#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/*
 * Read a whole file below the source tree (ONIONSIP_SRCDIR, set by make
 * check) into a NUL-terminated heap buffer; fails the test if it cannot.
 */
char *test_read_file(const char *relpath, size_t *lenp);

#endif
