/* Fuzz the settings parser and the dump of what it accepted. */
#include "config.h"

#include <stdlib.h>

#include "../fuzz/fuzz.h"
#include "settings.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SETTINGS_MAX_ERROR];
	struct settings s;

	settings_init(&s);
	if (settings_parse(
		&s, (const char *)data, size, "fuzz", err, sizeof(err)) == 0) {
		settings_check(&s, err, sizeof(err));
		free(settings_dump(&s));
	}
	settings_free(&s);
	return 0;
}
