/* Round trip measurement and packet shedding (pure). */
#include "config.h"

#include <string.h>

#include "delayctl.h"

/* A controller with a budget in ms (one-way delay we accept). */
void
delayctl_init(struct delayctl *d, uint32_t budget_ms)
{
	memset(d, 0, sizeof(*d));
	d->budget_ms = budget_ms;
}

/* Remember when an SR left. */
void
delayctl_sr_sent(struct delayctl *d, uint32_t ntp_mid, uint64_t now_us)
{
	d->sr[d->next].ntp_mid = ntp_mid;
	d->sr[d->next].t_us = now_us;
	d->next = (d->next + 1) % DELAYCTL_SRS;
	if (d->nsr < DELAYCTL_SRS)
		d->nsr++;
}

/* A report block echoed one of our SRs: compute the round trip. */
int
delayctl_report(
    struct delayctl *d, uint32_t lsr, uint32_t dlsr, uint64_t now_us)
{
	uint64_t held_us, since_us;
	unsigned int i, k;

	if (lsr == 0)
		return -1;
	/* Newest first: an SR repeated with the same NTP counts from its
	 * last sending. */
	for (k = 1; k <= d->nsr; k++) {
		i = (d->next + DELAYCTL_SRS - k) % DELAYCTL_SRS;
		if (d->sr[i].ntp_mid != lsr || now_us < d->sr[i].t_us)
			continue;
		since_us = now_us - d->sr[i].t_us;
		held_us = (uint64_t)dlsr * 1000000 / 65536;
		if (held_us > since_us)
			return -1;
		d->rtt_ms = (uint32_t)((since_us - held_us) / 1000);
		d->rtt_at_us = now_us;
		return (int)d->rtt_ms;
	}
	return -1;
}

/* How much to shed: proportional to how far delay is over budget. */
unsigned int
delayctl_shed_pct(
    const struct delayctl *d, uint64_t queue_age_us, uint64_t now_us)
{
	uint64_t owd_ms = queue_age_us / 1000, over, pct;

	if (d->budget_ms == 0)
		return 0;
	if (d->rtt_ms != 0 && now_us - d->rtt_at_us < DELAYCTL_STALE_US)
		owd_ms += d->rtt_ms / 2;
	if (owd_ms <= d->budget_ms)
		return 0;
	over = owd_ms - d->budget_ms;
	pct = over * 100 / d->budget_ms;
	if (pct < 10)
		pct = 10;
	return pct > DELAYCTL_MAX_SHED_PCT ? DELAYCTL_MAX_SHED_PCT
					   : (unsigned int)pct;
}

/* Spread the drops evenly: an accumulator adds the share per packet. */
bool
delayctl_should_shed(struct delayctl *d, uint64_t queue_age_us, uint64_t now_us)
{
	unsigned int pct = delayctl_shed_pct(d, queue_age_us, now_us);

	if (pct == 0) {
		d->acc = 0;
		return false;
	}
	d->acc += pct;
	if (d->acc >= 100) {
		d->acc -= 100;
		d->shed++;
		return true;
	}
	return false;
}
