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

#include <stdbool.h>
#include <stddef.h>

#include "codec/record.h"
#include "rules/member.h"
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

/* What a claim is judged with: its member in the claim's scheme (NULL when not enrolled
 * there), its institution (NULL unknown) and the policy in force on its service day (NULL
 * none). Pointers valid until the ledger changes. */
typedef struct yb_claim_facts {
	const yb_member *member;
	const yb_institution *institution;
	const yb_policy *policy;
} yb_claim_facts;

void yb_ledger_claim_facts(const yb_ledger *ledger, const yb_claim *claim, yb_claim_facts *out);

/* Counts for a summary. */
typedef struct yb_ledger_stats {
	size_t members, institutions, claims, events;
} yb_ledger_stats;

void yb_ledger_stats_get(const yb_ledger *ledger, yb_ledger_stats *stats);

/*
 * The streaming services keep this state in Redis and use a ledger as the working set of
 * one batch (services/adjudicator): forget the members, load each member's recorded
 * accumulators and claims, fold its events and apply the batch's claims in event-time
 * order, then read back what each claim recorded and moved. claimctl rebuild goes the other
 * way: it replays the topics into a ledger and writes every member and claim out.
 */

/* One claim as recorded: what was published for it and what it moved. */
typedef struct yb_claim_state {
	const char *claim_id;
	const char *member_id;
	const uint8_t *settlement; /* Avro single-object bytes, as published */
	size_t settlement_len;
	const uint8_t *reversal; /* the reversal's settlement, NULL when not reversed */
	size_t reversal_len;
	yb_year_acc delta; /* what the claim moved; zero when rejected */
	int32_t year;
	int32_t level; /* the institution's, for referrals; -1 unknown */
	bool rejected;
	/* Where the claim and its reversal were read (-1 unknown): a message read again after
	 * a crash is told from a resubmitted claim_id by these. */
	int32_t partition, reversal_partition;
	int64_t offset, reversal_offset;
} yb_claim_state;

/* One benefit year of a member's accumulators. */
typedef struct yb_member_year {
	int32_t year;
	yb_year_acc acc;
} yb_member_year;

/* Forget every member, claim and event id; institutions stay. */
void yb_ledger_forget_members(yb_ledger *ledger);

/*
 * Load a member's recorded accumulators and personal-account spending, before its events
 * are folded. Returns YB_OK or YB_ENOMEM.
 */
int yb_ledger_load_member(yb_ledger *ledger, const char *member_id, int64_t pa_spent_fen,
			  const yb_member_year *years, size_t count);

/* Load a recorded claim (copied), so a duplicate, a reversal or a referral finds it. */
int yb_ledger_load_claim(yb_ledger *ledger, const yb_claim_state *claim);

/*
 * *out = the recorded state of claim_id (pointers valid until the ledger changes), with
 * the source position set by yb_ledger_set_source. Returns YB_OK or YB_ENOTFOUND.
 */
int yb_ledger_claim(const yb_ledger *ledger, const char *claim_id, yb_claim_state *out);

/* Record where a claim (reversal = false) or its reversal was read. */
void yb_ledger_set_source(yb_ledger *ledger, const char *claim_id, bool reversal, int32_t partition,
			  int64_t offset);

/*
 * A member's accumulators for year and personal-account spending. Returns YB_OK, or
 * YB_ENOTFOUND when the member has no such year (acc zeroed; pa set when the member exists,
 * else 0).
 */
int yb_ledger_member_year(const yb_ledger *ledger, const char *member_id, int32_t year,
			  yb_year_acc *acc, int64_t *pa_spent_fen);

/* Every member with its years, and every claim, for claimctl rebuild; stops on non-zero. */
int yb_ledger_each_member(const yb_ledger *ledger,
			  int (*fn)(const char *member_id, int64_t pa_spent_fen,
				    const yb_member_year *years, size_t count, void *opaque),
			  void *opaque);
int yb_ledger_each_claim(const yb_ledger *ledger,
			 int (*fn)(const yb_claim_state *claim, void *opaque), void *opaque);

/*
 * The stored form of a claim's state (Redis): a versioned binary record. Byte 0 is the
 * format, byte 1 is 1 when the claim has been reversed (the Lua scripts read it).
 */
#define YB_CLAIM_STATE_FORMAT 1
int yb_claim_state_pack(const yb_claim_state *claim, yb_buf *out);
/* Unpack (pointers into bytes); YB_EINVAL when the bytes are not a record of this format. */
int yb_claim_state_unpack(const uint8_t *bytes, size_t len, const char *claim_id,
			  yb_claim_state *out);

#endif
