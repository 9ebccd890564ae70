/*
 * onionsip: a privacy gateway for SIP softphones. main() only dispatches:
 * the daemon, or one of the tool commands (onionsip sanitize ...).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((noreturn)) usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: onionsip [-dnv] [-f file]\n"
	    "       onionsip --version\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("onionsip %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		usage(0);
	fprintf(stderr, "onionsip: the daemon is not built yet\n");
	return 1;
}
