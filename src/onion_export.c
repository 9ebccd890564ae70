#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "onion.h"
#include "onion_export.h"
#include "settings.h"

#define ONION_EXPORT_USER_SETTINGS "~/.config/onionsip/onionsip.conf"

/* Usage of the tool command. */
static int
onion_export_usage(void)
{
	fprintf(stderr,
	    "usage: onionsip export-onion [-f file] [-c name]\n"
	    "  -f file  onionsip's settings (as for the daemon)\n"
	    "  -c name  make a client key pair for a friend of a private\n"
	    "           onion service (OnionAuthorizedClients)\n");
	return 1;
}

/* Load the settings the daemon would use. */
static int
onion_export_settings(const char *path, struct settings *set)
{
	char err[SETTINGS_MAX_ERROR];
	char *p = NULL;

	settings_init(set);
	if (path == NULL) {
		p = settings_expand_path(ONION_EXPORT_USER_SETTINGS);
		if (access(p, F_OK) == 0)
			path = p;
	}
	if ((path != NULL && settings_load(set, path, err, sizeof(err)) != 0) ||
	    settings_check(set, err, sizeof(err)) != 0) {
		fprintf(stderr, "onionsip: %s\n", err);
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

/* onionsip export-onion: print what friends need to call us. */
int
onion_export_main(int argc, char **argv)
{
	char err[512], pub[ONION_CLIENT_B32 + 1], priv[ONION_CLIENT_B32 + 1];
	const char *path = NULL, *client = NULL;
	struct settings set;
	struct onion_key key;
	char *dir;
	int ch, rc = 1;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:f:")) != -1) {
		switch (ch) {
		case 'c':
			client = optarg;
			break;
		case 'f':
			path = optarg;
			break;
		default:
			return onion_export_usage();
		}
	}
	if (optind != argc)
		return onion_export_usage();
	if (onion_export_settings(path, &set) != 0)
		return 1;
	dir = settings_expand_path(set.data_dir);
	/* The key is made here if need be: the address is known at once. */
	if (daemon_prepare_dir(dir, err, sizeof(err)) != 0 ||
	    onion_key_load_or_create(dir, &key, err, sizeof(err)) != 0) {
		fprintf(stderr, "onionsip: %s\n", err);
		goto out;
	}
	printf("onion address  %s.onion\n", key.address);
	if (set.onion_virtual_port == 5060)
		printf(
		    "SIP address    sip:%s@%s.onion\n", set.user, key.address);
	else
		printf("SIP address    sip:%s@%s.onion:%u\n", set.user,
		    key.address, set.onion_virtual_port);
	if (set.onion_authorized_clients.n == 0)
		printf("access         public: anyone who knows the address "
		       "can reach it\n");
	else
		printf("access         private: %zu authorized client key(s)\n",
		    set.onion_authorized_clients.n);
	if (client != NULL) {
		if (onion_client_keygen(pub, priv) != 0) {
			fprintf(
			    stderr, "onionsip: cannot make an x25519 key\n");
			goto out;
		}
		printf("\n# In your onionsip.conf (then restart onionsip):\n"
		       "OnionAuthorizedClients %s\n"
		       "\n# For %s: a file %s.auth_private in the directory "
		       "named by\n# ClientOnionAuthDir in their torrc, "
		       "holding this line (keep it secret):\n"
		       "%s:descriptor:x25519:%s\n",
		    pub, client, client, key.address, priv);
		explicit_bzero(priv, sizeof(priv));
	}
	rc = 0;
out:
	onion_key_clear(&key);
	free(dir);
	settings_free(&set);
	return rc;
}
