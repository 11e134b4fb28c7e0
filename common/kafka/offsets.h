/*
 * Moving a consumer group's committed offsets, for reprocessing after an incident, as
 * Kafka's kafka-consumer-groups --reset-offsets does: plan first (a dry run shows it), then
 * apply, and never while the group has active members (they would overwrite the change).
 * The plans are Kafka's tool's: the same partitions, the same new offsets.
 */
#ifndef YB_IO_OFFSETS_H
#define YB_IO_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "kafka/offset_plan.h"
#include "io/props.h"

typedef enum yb_reset_mode {
	YB_RESET_EARLIEST, /* the log start */
	YB_RESET_LATEST,   /* the log end */
	YB_RESET_OFFSET,   /* a given offset, kept within the log */
	YB_RESET_SHIFT,    /* the committed offset plus or minus n, kept within the log */
	YB_RESET_DATETIME, /* the first record at or after a time (ms); the log end when none */
	YB_RESET_CURRENT,  /* the committed offset as it is; the log end when none */
	YB_RESET_FILE,     /* each partition's offset from a plan file, kept within the log */
} yb_reset_mode;

/* What to reset and to where, as kafka-consumer-groups --reset-offsets takes it. */
typedef struct yb_reset_request {
	const char *group;
	/* The partitions: every one the group has committed (--all-topics), else scope's, where
	 * YB_ALL_PARTITIONS stands for each partition of the topic. With YB_RESET_FILE, scope
	 * holds the file's partitions, each with the offset asked for as its target. */
	int all_topics;
	const yb_offset_plan *scope;
	yb_reset_mode mode;
	int64_t value; /* OFFSET: the offset; SHIFT: the shift; DATETIME: ms since the epoch */
	int timeout_ms;
} yb_reset_request;

/*
 * Plan the reset into *plan (zero-initialised; the caller frees it with yb_offset_plan_free),
 * sorted by topic and partition, each entry with the group's committed offset and the new
 * one; state and members say whether the group is active. A group that never committed is
 * "Dead" with nothing committed: a --topic scope still plans for it.
 * Returns YB_OK; YB_ENOTFOUND (no such topic or partition, or all_topics and nothing
 * committed); YB_EINVAL (a shift of a partition the group has not committed); YB_EIO or
 * YB_ETIMEDOUT; errstr says which.
 */
int yb_kafka_plan_reset(const yb_props *props, const yb_reset_request *req, yb_offset_plan *plan,
			char state[32], int *members, char *errstr, size_t errlen);

/* Commit the planned targets for group. Returns YB_OK, or YB_EIO with errstr. */
int yb_kafka_apply_reset(const yb_props *props, const char *group, const yb_offset_plan *plan,
			 int timeout_ms, char *errstr, size_t errlen);

#endif
