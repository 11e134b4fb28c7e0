/*
 * How many records a topic holds, counted, not read off its offsets: on a transactional
 * topic every transaction leaves a commit marker that takes an offset, so a topic written
 * one small transaction at a time (dead letters) shows up to twice its records in offsets.
 * A record counter reads the topic as a read_committed consumer would (without decoding,
 * outside any group, committing nothing) and keeps its place, so each update reads only
 * what came since.
 */
#ifndef YB_IO_RECORD_COUNT_H
#define YB_IO_RECORD_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "io/props.h"

typedef struct yb_record_counter yb_record_counter;

/* A counter of topic's records with the "kafka.*" props; NULL with errstr on a bad setting. */
yb_record_counter *yb_record_counter_new(const yb_props *props, const char *topic, char *errstr,
					 size_t errlen);
void yb_record_counter_destroy(yb_record_counter *c);

/*
 * Read what is new, for up to timeout_ms, and set *records to the committed records counted
 * so far. YB_OK when every partition was read to its end; YB_ETIMEDOUT when the time ran
 * out first (*records is then what was counted); YB_ENOTFOUND or YB_EIO with errstr.
 */
int yb_record_counter_update(yb_record_counter *c, int timeout_ms, int64_t *records, char *errstr,
			     size_t errlen);

#endif
