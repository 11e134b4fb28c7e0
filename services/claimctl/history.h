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

/* Sort into the pipeline's order. */
void history_sort(history *h);

void history_free(history *h);

#endif
