/*
 * The main() of a fuzz target built without libFuzzer: it feeds every file
 * of the target's seed folder (fuzz/seeds/<name>, name taken from the
 * program's own name fuzz_<name>), or the files named on the command line,
 * to LLVMFuzzerTestOneInput once, and reports in TAP. Under ASan/UBSan this
 * turns the seed corpus and every crash ever found into a regression test.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xmalloc.h"

/* Run one file through the target; -1 if it cannot be read. */
static int
replay_file(const char *path)
{
	unsigned char *data = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			data = xreallocarray(data, cap, 1);
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("ONIONSIP_SRCDIR");
	const char *name = strrchr(argv[0], '/');
	char dir[4096], path[8192];
	struct dirent *de;
	int i, count = 0, bad = 0;
	DIR *d;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay_file(argv[i]) != 0)
				fprintf(stderr, "cannot read %s\n", argv[i]);
		return 0;
	}
	name = name ? name + 1 : argv[0];
	if (strncmp(name, "fuzz_", 5) == 0)
		name += 5;
	snprintf(dir, sizeof(dir), "%s/fuzz/seeds/%s", top ? top : ".", name);
	printf("1..1\n");
	if ((d = opendir(dir)) == NULL) {
		printf("not ok 1 - no seed folder %s\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (replay_file(path) != 0)
			bad++;
		else
			count++;
	}
	closedir(d);
	if (count == 0 || bad > 0) {
		printf("not ok 1 - %s: %d seeds replayed, %d unreadable\n",
		    name, count, bad);
		return 1;
	}
	printf("ok 1 - %s: %d seeds replayed without a fault\n", name, count);
	return 0;
}
