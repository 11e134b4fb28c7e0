/*
 * The ledger: the pipeline's state and the one path every input record takes through it.
 *
 * Institutions, members (coverage state, year accumulators), every claim's settlement and
 * the delta it moved, and the event ids already applied. yb_ledger_apply takes one input
 * record (institution, enrollment, payment, claim, reversal) in event-time order, updates
 * the state and, for a claim or a reversal, returns its settlement, exactly as the rule
 * engine (rules/adjudicate.h) decides it:
 *
 *   - a claim_id seen before returns its recorded settlement marked duplicate; nothing moves;
 *   - a reversal takes back exactly the delta its claim moved and returns the settlement
 *     with status "reversed"; a second reversal is a duplicate;
 *   - an event_id seen before is ignored.
 *
 * This is the in-memory ledger claimctl adjudicate uses; the services keep the same state
 * in Redis and run the same rule code, so a topic exported to a file settles the same.
 */
#ifndef YB_LEDGER_LEDGER_H
#define YB_LEDGER_LEDGER_H

#include <stddef.h>

#include "codec/record.h"
#include "rules/policy.h"

typedef struct yb_ledger yb_ledger;

/*
 * *out = an empty ledger judging by the policy sets given (copied). Returns YB_OK or
 * YB_ENOMEM.
 */
int yb_ledger_new(yb_ledger **out, const yb_policy_set *sets, size_t count);

/* Free the ledger; NULL is allowed. */
void yb_ledger_destroy(yb_ledger *ledger);

/*
 * Apply one input record. Returns 1 with *settlement set (valid until the next call) for a
 * claim or a reversal; 0 when the record only changed the state or was a repeated event;
 * YB_EINVAL with errstr naming the field when the record cannot be taken (a claim that
 * breaks the contract, an unknown scheme, a payment without what its kind needs, an output
 * record type given as input).
 */
int yb_ledger_apply(yb_ledger *ledger, const yb_record *record, const yb_settlement **settlement,
		    char *errstr, size_t errlen);

/* Counts for a summary. */
typedef struct yb_ledger_stats {
	size_t members, institutions, claims, events;
} yb_ledger_stats;

void yb_ledger_stats_get(const yb_ledger *ledger, yb_ledger_stats *stats);

#endif
