/* The recorded history of the input topics; see history.h. */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/snapshot.h"
#include "rules/error.h"

int history_collect(const yb_message *m, void *opaque)
{
	history *r = opaque;
	history_event *e;

	if (r->count == r->cap) {
		size_t cap = r->cap == 0 ? 4096 : r->cap * 2;
		history_event *grown = realloc(r->events, cap * sizeof(*grown));

		if (grown == NULL)
			return YB_ENOMEM;
		r->events = grown;
		r->cap = cap;
	}
	e = &r->events[r->count];
	e->value = malloc(m->len > 0 ? m->len : 1);
	if (e->value == NULL)
		return YB_ENOMEM;
	memcpy(e->value, m->value, m->len);
	e->len = m->len;
	e->rank = r->rank;
	e->time = m->timestamp_ms;
	e->partition = m->partition;
	e->offset = m->offset;
	r->count++;
	return YB_OK;
}

static int by_event_time(const void *a, const void *b)
{
	const history_event *x = a, *y = b;

	/* Reference data first, in log order; then event time; then topic, partition, offset. */
	if ((x->rank == 0) != (y->rank == 0))
		return x->rank == 0 ? -1 : 1;
	if (x->rank != 0 && x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->partition != y->partition)
		return x->partition - y->partition;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int history_read(history *h, const yb_props *props, const char *const topics[4],
		 const char *command, char *errstr, size_t errlen)
{
	for (int t = 0; t < 4; t++) {
		size_t n = 0;
		int rc;

		h->rank = t;
		rc = yb_snapshot_read(props, topics[t], 10000, history_collect, h, &n, errstr,
				      errlen);
		if (rc != YB_OK)
			return rc;
		fprintf(stderr, "claimctl %s: %-13s %8zu records\n", command, topics[t], n);
	}
	history_sort(h);
	return YB_OK;
}

void history_sort(history *h)
{
	qsort(h->events, h->count, sizeof(h->events[0]), by_event_time);
}

void history_free(history *h)
{
	for (size_t i = 0; i < h->count; i++)
		free(h->events[i].value);
	free(h->events);
	memset(h, 0, sizeof(*h));
}
