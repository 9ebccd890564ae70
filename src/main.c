/*
 * onionsip: a privacy gateway for SIP softphones. main() only dispatches:
 * the daemon, or one of the tool commands (onionsip sanitize ...).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "onion_export.h"
#include "sanitize.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("onionsip %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "sanitize") == 0)
		return sanitize_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "export-onion") == 0)
		return onion_export_main(argc - 1, argv + 1);
	return daemon_main(argc, argv);
}
