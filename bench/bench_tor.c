/*
 * bench_tor: speed of the tor codecs (SOCKS5 build and parse, control
 * reply parse, onion address derive and check). Prints figures; never
 * pass/fail.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "onion.h"
#include "socks5.h"
#include "torreply.h"

/* Seconds on the monotonic clock. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print one figure. */
static void
bench_report(const char *what, unsigned long n, double secs)
{
	printf("%-34s %10.0f ns/op %12.0f op/s\n", what, secs * 1e9 / (double)n,
	    (double)n / secs);
}

int
main(void)
{
	static const char reply[] =
	    "650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=50 "
	    "TAG=loading_descriptors SUMMARY=\"Loading relay descriptors\"\r\n"
	    "250-ServiceID=25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhken"
	    "l5sid\r\n"
	    "250+onions/current=\r\none\r\n..two\r\n.\r\n"
	    "250 OK\r\n";
	static const uint8_t sreply[] = { 5, 0, 0, 1, 127, 0, 0, 1, 0x13,
		0xc4 };
	uint8_t buf[600], seed[32] = { 1 }, pub[32];
	struct socks5_reply sr;
	struct onion_key k;
	struct torreply r;
	const char *why;
	unsigned long i, n;
	size_t used, off;
	volatile int sink = 0;
	double t;
	char addr[64];

	n = 2000000;
	t = bench_now();
	for (i = 0; i < n; i++) {
		sink += socks5_build_connect(buf, sizeof(buf),
		    "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid."
		    "onion",
		    5060);
		sink += socks5_parse_reply(sreply, sizeof(sreply), &used, &sr);
	}
	bench_report("socks5 build CONNECT + parse reply", n, bench_now() - t);

	n = 200000;
	t = bench_now();
	for (i = 0; i < n; i++) {
		off = 0;
		while (torreply_parse(reply + off, sizeof(reply) - 1 - off,
			   &used, &r, &why) == TORREPLY_DONE) {
			sink += r.code;
			torreply_free(&r);
			off += used;
		}
	}
	bench_report("torreply parse (event + 4 lines)", n, bench_now() - t);

	onion_key_from_seed(seed, &k);
	n = 200000;
	t = bench_now();
	for (i = 0; i < n; i++) {
		onion_address_from_pubkey(k.pub, addr);
		sink += addr[0];
	}
	bench_report("onion address from public key", n, bench_now() - t);
	t = bench_now();
	for (i = 0; i < n; i++)
		sink += onion_address_parse(k.address, pub);
	bench_report("onion address check", n, bench_now() - t);
	n = 20000;
	t = bench_now();
	for (i = 0; i < n; i++) {
		seed[0] = (uint8_t)i;
		sink += onion_key_from_seed(seed, &k);
	}
	bench_report("Ed25519 key from seed + address", n, bench_now() - t);
	onion_key_clear(&k);
	return sink == 42 ? 1 : 0;
}
