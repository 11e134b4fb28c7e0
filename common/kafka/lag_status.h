/*
 * A consumer's status over a window of lag samples, evaluated as Burrow evaluates it
 * (linkedin/Burrow, core/internal/evaluator: calculatePartitionStatus), in its order:
 *
 *   OK      the lag is within the allowed lag now, or was at some sample of the window;
 *   STOP    lagging and nobody consumes: the group has no active member (Burrow: no commit
 *           for longer than the window spans; our services commit only when they consume,
 *           so a silent group with members would look stopped: we ask the group instead);
 *   REWIND  the committed offset went back within the window and has not come back to
 *           where it was (a reset, a consumer that lost its work);
 *   STALL   lagging at every sample and the committed offset never moved: members that do
 *           not progress (stuck on a message, a dependency down);
 *   WARN    lagging at every sample, the offset moves but the lag never falls: the
 *           consumer is slower than its producers;
 *   ERR     (a group only) its lag could not be measured.
 *
 * A group's status is its worst partition's (the order above, ERR worst). Burrow reports a
 * group with a STOP, STALL or REWIND partition as ERR and names the partition; the status
 * word here names the kind. Fewer than two samples decide only OK and STOP, as a Burrow
 * window not yet complete is OK. Pure.
 */
#ifndef YB_IO_LAG_STATUS_H
#define YB_IO_LAG_STATUS_H

#include <stdint.h>

typedef enum yb_lag_status {
	YB_LAG_OK = 0,
	YB_LAG_WARN,
	YB_LAG_STOP,
	YB_LAG_STALL,
	YB_LAG_REWIND,
	YB_LAG_ERR
} yb_lag_status;

/* One measurement of a group's partition. */
typedef struct yb_lag_sample {
	int64_t committed; /* the group's committed offset */
	int64_t lag;       /* messages behind (to the last stable offset) */
	int64_t time_ms;
} yb_lag_sample;

/* The status of a partition over window[0..n) (oldest first), for a group with members
 * active members; lag up to allowed_lag counts as none. */
yb_lag_status yb_lag_evaluate(const yb_lag_sample *window, int n, int members, int64_t allowed_lag);

/* "OK", "WARN", "STOP", "STALL", "REWIND", "ERR". */
const char *yb_lag_status_name(yb_lag_status s);

#endif
