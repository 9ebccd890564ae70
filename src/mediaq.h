/*
 * mediaq: a call's bounded queue of frames waiting for the TURN stream
 * (pure; issue 4). Old audio is worth nothing: a frame older than the
 * queue's age limit (~200 ms) is dropped, and when the ring is full the
 * oldest goes, never the newest. Drops are counted. Time is passed in.
 */
#ifndef ONIONSIP_MEDIAQ_H
#define ONIONSIP_MEDIAQ_H

#include <stddef.h>
#include <stdint.h>

#define MEDIAQ_SLOTS	  32	     /* frames queued at most */
#define MEDIAQ_MAX_AGE_US 200000     /* default age limit */
#define MEDIAQ_MAX_FRAME  (1500 + 8) /* one ChannelData frame */

struct mediaq_slot {
	uint8_t *buf; /* grown on demand, reused */
	size_t cap;
	size_t len;
	uint64_t t_us; /* when it was queued */
};

struct mediaq {
	struct mediaq_slot slot[MEDIAQ_SLOTS];
	size_t head, count;
	uint64_t max_age_us;
	uint64_t drops_full; /* oldest dropped to make room */
	uint64_t drops_age;  /* dropped for age */
};

void mediaq_init(struct mediaq *q, uint64_t max_age_us);
void mediaq_free(struct mediaq *q);

/*
 * Room for a frame of len bytes queued at now_us; the caller fills the
 * returned buffer. Drops the oldest frame if the ring is full. NULL if len
 * is over MEDIAQ_MAX_FRAME.
 */
uint8_t *mediaq_push(struct mediaq *q, uint64_t now_us, size_t len);

/* Drop frames older than the age limit. */
void mediaq_expire(struct mediaq *q, uint64_t now_us);

/* The oldest frame (NULL if empty); *len and *t_us set. */
const uint8_t *mediaq_peek(const struct mediaq *q, size_t *len, uint64_t *t_us);

/* Remove the oldest frame. */
void mediaq_pop(struct mediaq *q);

/* Frames queued. */
size_t mediaq_count(const struct mediaq *q);

#endif
