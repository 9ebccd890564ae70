/* Bounded drop-oldest frame queue (pure). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mediaq.h"
#include "xmalloc.h"

/* An empty queue with an age limit (0: MEDIAQ_MAX_AGE_US). */
void
mediaq_init(struct mediaq *q, uint64_t max_age_us)
{
	memset(q, 0, sizeof(*q));
	q->max_age_us = max_age_us ? max_age_us : MEDIAQ_MAX_AGE_US;
}

/* Free the slots' buffers. */
void
mediaq_free(struct mediaq *q)
{
	size_t i;

	for (i = 0; i < MEDIAQ_SLOTS; i++)
		free(q->slot[i].buf);
	memset(q, 0, sizeof(*q));
}

/* Room for a new frame at the tail. */
uint8_t *
mediaq_push(struct mediaq *q, uint64_t now_us, size_t len)
{
	struct mediaq_slot *s;

	if (len > MEDIAQ_MAX_FRAME)
		return NULL;
	if (q->count == MEDIAQ_SLOTS) {
		mediaq_pop(q);
		q->drops_full++;
	}
	s = &q->slot[(q->head + q->count) % MEDIAQ_SLOTS];
	if (s->cap < len) {
		s->cap = len < 256 ? 256 : MEDIAQ_MAX_FRAME;
		free(s->buf);
		s->buf = xmalloc(s->cap);
	}
	s->len = len;
	s->t_us = now_us;
	q->count++;
	return s->buf;
}

/* Drop what is too old to be worth sending. */
void
mediaq_expire(struct mediaq *q, uint64_t now_us)
{
	while (q->count > 0 && now_us - q->slot[q->head].t_us > q->max_age_us) {
		mediaq_pop(q);
		q->drops_age++;
	}
}

/* The oldest frame. */
const uint8_t *
mediaq_peek(const struct mediaq *q, size_t *len, uint64_t *t_us)
{
	const struct mediaq_slot *s;

	if (q->count == 0)
		return NULL;
	s = &q->slot[q->head];
	*len = s->len;
	if (t_us != NULL)
		*t_us = s->t_us;
	return s->buf;
}

/* Remove the oldest frame. */
void
mediaq_pop(struct mediaq *q)
{
	if (q->count == 0)
		return;
	q->head = (q->head + 1) % MEDIAQ_SLOTS;
	q->count--;
}

/* Frames queued. */
size_t
mediaq_count(const struct mediaq *q)
{
	return q->count;
}
