/*
 * sanitize: the `onionsip sanitize` tool command (shell). Reads one SIP
 * message from a file or stdin and prints the message onionsip would send
 * in the given direction, built by sipsan with fresh random identifiers,
 * the machine's addresses and names loaded into the leak check.
 *
 * Exit status: 0 printed the message; 1 the input is malformed (or cannot
 * be read); 2 valid SIP that onionsip would not pass that way (or that the
 * leak check refused). The reason goes to stderr.
 */
#ifndef ONIONSIP_SANITIZE_H
#define ONIONSIP_SANITIZE_H

#define SANITIZE_DEFAULT_ONION \
	"etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"
#define SANITIZE_DEFAULT_RELAY "192.0.2.1:49170"
#define SANITIZE_DEFAULT_USER  "user"

/* argv[0] is "sanitize". Returns the exit status. */
int sanitize_main(int argc, char **argv);

#endif
