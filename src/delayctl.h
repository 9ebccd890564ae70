/*
 * delayctl: keep media delay inside a budget over Tor (pure; issue 4).
 * Tor accepts hundreds of cells on a stream before its SOCKS socket pushes
 * back, so a full kernel buffer is no signal. Instead the media round trip
 * is measured end to end from RTCP (RFC 3550 6.4.1: the peer's report
 * block echoes our SR's NTP middle bits as LSR and the time it held them
 * as DLSR; RTT = now - sent(LSR) - DLSR), and when half of it (the one-way
 * delay) plus the local queue age passes the budget (MediaMaxDelay),
 * packets are shed so tor's queues drain. Time is passed in.
 */
#ifndef ONIONSIP_DELAYCTL_H
#define ONIONSIP_DELAYCTL_H

#include <stdbool.h>
#include <stdint.h>

#define DELAYCTL_SRS	      8	       /* recent SRs remembered */
#define DELAYCTL_STALE_US     15000000 /* an RTT older than this is ignored */
#define DELAYCTL_MAX_SHED_PCT 50       /* never shed more than half */

struct delayctl {
	uint32_t budget_ms;
	struct {
		uint32_t ntp_mid;
		uint64_t t_us;
	} sr[DELAYCTL_SRS];
	unsigned int nsr, next;
	uint32_t rtt_ms; /* last measurement, 0: none */
	uint64_t rtt_at_us;
	uint32_t acc; /* shedding accumulator, percent */
	uint64_t shed;
};

void delayctl_init(struct delayctl *d, uint32_t budget_ms);

/* We sent an SR whose NTP middle bits are ntp_mid. */
void delayctl_sr_sent(struct delayctl *d, uint32_t ntp_mid, uint64_t now_us);

/*
 * A report block about our stream arrived with lsr and dlsr (1/65536 s).
 * Returns the round trip in ms, or -1 if lsr matches no SR we sent.
 */
int delayctl_report(
    struct delayctl *d, uint32_t lsr, uint32_t dlsr, uint64_t now_us);

/* The share of packets to shed now, in percent (0..MAX_SHED_PCT). */
unsigned int delayctl_shed_pct(
    const struct delayctl *d, uint64_t queue_age_us, uint64_t now_us);

/* Decide for one packet about to be written: true means drop it. */
bool delayctl_should_shed(
    struct delayctl *d, uint64_t queue_age_us, uint64_t now_us);

#endif
