/*
 * The recorded history of the input topics, for claimctl replay and rebuild: every message
 * of institutions, enrollments, payments and claims as it stands, in the order the
 * pipeline adjudicates in — reference data first, then event time (the record timestamp),
 * then enrollments before payments before claims, then partition and offset.
 */
#ifndef CLAIMCTL_HISTORY_H
#define CLAIMCTL_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "io/consumer.h"
#include "io/props.h"

typedef struct history_event {
	int rank; /* 0 institutions, 1 enrollments, 2 payments, 3 claims */
	int64_t time;
	int32_t partition;
	int64_t offset;
	uint8_t *value;
	size_t len;
} history_event;

typedef struct history {
	history_event *events;
	size_t count, cap;
	int rank; /* of the topic being read: set before each yb_snapshot_read */
} history;

/* A yb_snapshot_fn: keep a copy of the message (opaque: the history). */
int history_collect(const yb_message *m, void *opaque);

/*
 * Read the four input topics (institutions, enrollments, payments, claims: topics[0..4)) as
 * they stand, reporting each count on stderr as "claimctl COMMAND: ...", and sort them into
 * the pipeline's order. Returns YB_OK, or an error with errstr.
 */
int history_read(history *h, const yb_props *props, const char *const topics[4],
		 const char *command, char *errstr, size_t errlen);

/* Sort into the pipeline's order. */
void history_sort(history *h);

void history_free(history *h);

#endif
