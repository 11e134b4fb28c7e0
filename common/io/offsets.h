/*
 * Moving a consumer group's committed offsets, for reprocessing after an incident, as
 * Kafka's kafka-consumer-groups --reset-offsets does: plan first (a dry run shows it), then
 * apply, and never while the group has active members (they would overwrite the change).
 */
#ifndef YB_IO_OFFSETS_H
#define YB_IO_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "io/props.h"

typedef enum yb_reset_mode {
	YB_RESET_EARLIEST, /* the log start */
	YB_RESET_LATEST,   /* the log end */
	YB_RESET_OFFSET,   /* a given offset, kept within the log */
	YB_RESET_SHIFT,    /* the committed offset plus or minus n, kept within the log */
	YB_RESET_DATETIME, /* the first record at or after a time (ms); the log end when none */
} yb_reset_mode;

typedef struct yb_offset_reset {
	char topic[256];
	int32_t partition;
	int64_t current; /* committed now, -1 when none */
	int64_t target;
} yb_offset_reset;

/*
 * Plan a reset of group: every partition it has committed, or, with topic, every partition
 * of that topic. *plan is a malloc'ed array the caller frees; state and members say whether
 * the group is active. Returns YB_OK; YB_ENOTFOUND (no such topic, or nothing to reset);
 * YB_EIO with errstr.
 */
int yb_kafka_plan_reset(const yb_props *props, const char *group, const char *topic,
			yb_reset_mode mode, int64_t value, int timeout_ms, yb_offset_reset **plan,
			size_t *count, char state[32], int *members, char *errstr, size_t errlen);

/* Commit the planned targets for group. Returns YB_OK, or YB_EIO with errstr. */
int yb_kafka_apply_reset(const yb_props *props, const char *group, const yb_offset_reset *plan,
			 size_t count, int timeout_ms, char *errstr, size_t errlen);

#endif
