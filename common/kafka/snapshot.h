/*
 * Reading a topic as it stood at one moment: every partition from the beginning up to the
 * last stable offset seen when the read starts, read_committed, outside any consumer group
 * and without commits, so production consumers are untouched and a replay sees a fixed
 * history however much is written meanwhile. For audits and rebuilds.
 */
#ifndef YB_IO_SNAPSHOT_H
#define YB_IO_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "kafka/consumer.h"
#include "io/props.h"

/* Called for each message in partition order; a non-zero return stops the read. */
typedef int (*yb_snapshot_fn)(const yb_message *msg, void *opaque);

/*
 * Read topic to its last stable offsets as of the call. Returns YB_OK; YB_ENOTFOUND when the
 * topic does not exist; YB_EIO / YB_ETIMEDOUT with errstr; or the callback's non-zero value.
 * *count (when not NULL) is set to the messages read.
 */
int yb_snapshot_read(const yb_props *props, const char *topic, int timeout_ms, yb_snapshot_fn fn,
		     void *opaque, size_t *count, char *errstr, size_t errlen);

#endif
