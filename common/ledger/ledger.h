/*
 * The ledger: the pipeline's state and the one path every input record takes through it.
 *
 * Institutions (every version, by position), members (their enrollment and payment history,
 * year accumulators, personal account), and every claim's settlement and the delta it moved.
 * One rule decides what a claim is judged on (docs/ARCHITECTURE.md, "What a claim is judged
 * on"):
 *
 *   a claim is judged on its member's events that had been applied when it was judged (in
 *   the pipeline: the offsets of its partition of enrollments and payments recorded in the
 *   settlement's judged_on), folded in event-time order up to the claim's own time
 *   (submitted_at); on the institutions applied then; and on the member's accumulators as
 *   the claims before it, in topic order, left them.
 *
 * A member may change scheme: the events of each scheme fold into that scheme's coverage, an
 * enrolment in one scheme ends the member's period in any other from its first day, and each
 * scheme keeps its own accumulators by benefit year. A claim is judged by the scheme whose
 * period covers its service day — the one it names when that one does, else the one that
 * does (the trace says so) — not by the member's latest scheme.
 *
 * So the same inputs give the same settlement whatever order the topics arrived in and
 * whenever the claim is judged again (a replay, a rebuild). What else holds:
 *
 *   - a claim_id belongs to the member who first settled it, for every member (the national
 *     platform's settlement id is global): the same member's repeat returns the recorded
 *     settlement marked duplicate, with CONFLICTING_DUPLICATE added when the content differs;
 *     another member's claim with that id is refused (rejected, CONFLICTING_DUPLICATE);
 *   - a reversal takes back exactly the delta its claim moved; a second one is a duplicate;
 *   - an event_id seen before in a member's history is ignored;
 *   - a claim's record is kept until its benefit year's filing deadline plus a margin of
 *     event time (YB_LEDGER_KEEP_DAYS), and a member's accumulators for the three years
 *     before its latest claim's: what no later claim can need is dropped
 *     (yb_ledger_purge_day), so the state stays bounded.
 *
 * claimctl adjudicate runs it over a file, each claim judged on the records before it; the
 * services keep the same state in Redis and use a ledger as one batch's working set.
 */
#ifndef YB_LEDGER_LEDGER_H
#define YB_LEDGER_LEDGER_H

#include <stdbool.h>
#include <stddef.h>

#include "codec/record.h"
#include "rules/member.h"
#include "rules/policy.h"

typedef struct yb_ledger yb_ledger;

/* Event ranks: an enrollment before a payment stamped in the same millisecond. */
#define YB_LEDGER_RANK_ENROLLMENT 1
#define YB_LEDGER_RANK_PAYMENT    2

/* The longest member_id, claim_id, event_id or institution_id taken (bytes). */
#define YB_LEDGER_ID_MAX 128

/* Days of event time a claim's record is kept after its benefit year's filing deadline. */
#define YB_LEDGER_KEEP_DAYS 90

/* Benefit years of accumulators kept before the year of the member's latest claim. */
#define YB_LEDGER_KEEP_YEARS 3

/*
 * *out = an empty ledger judging by the policy sets given (copied). Returns YB_OK or
 * YB_ENOMEM.
 */
int yb_ledger_new(yb_ledger **out, const yb_policy_set *sets, size_t count);

/* Free the ledger; NULL is allowed. */
void yb_ledger_destroy(yb_ledger *ledger);

/*
 * Could the pipeline take this input record at all? key (key_len bytes; NULL: no Kafka
 * message, a line of a file) is its Kafka key, which must be its member_id: a member's
 * records are co-partitioned by it. Returns YB_OK, or YB_EINVAL with errstr naming the
 * field: an id empty, over YB_LEDGER_ID_MAX bytes or with control characters; a key that is
 * not the member_id; a claim that breaks the contract (yb_claim_check); an unknown scheme; a
 * payment without what its kind needs; an output record given as input. enrollment-svc, the
 * adjudicator, fraud-svc and claimctl take exactly what this admits.
 */
int yb_ledger_admit(const yb_ledger *ledger, const yb_record *record, const void *key,
		    size_t key_len, char *errstr, size_t errlen);

/*
 * Apply one input record of a file, in the file's order: an institution or an event joins
 * the state at the next position of its kind, a claim or a reversal is judged on everything
 * before it. Returns 1 with *settlement set (valid until the next call) for a claim or a
 * reversal; 0 when the record only changed the state; YB_EINVAL with errstr when
 * yb_ledger_admit refuses it.
 */
int yb_ledger_apply(yb_ledger *ledger, const yb_record *record, const yb_settlement **settlement,
		    char *errstr, size_t errlen);

/*
 * What a claim (or reversal) is judged on: where it was read, and the next offsets of the
 * member's partition of enrollments and payments, and of the institutions topic, that had
 * been applied. Published in the settlement (judged_on).
 */
typedef struct yb_judged_on {
	int32_t partition;
	int64_t offset;
	int64_t enrollments, payments, institutions;
} yb_judged_on;

/* Set a settlement's judged_on to on (none for NULL), its entries in store[0..5). */
void yb_judged_on_put(yb_settlement *settlement, yb_long_entry store[5], const yb_judged_on *on);

/* Read a settlement's judged_on; false when it has none (claimctl adjudicate's, older). */
bool yb_judged_on_of(const yb_settlement *settlement, yb_judged_on *out);

/* Add an institution record read at offset of the institutions topic (its one partition). */
int yb_ledger_add_institution(yb_ledger *ledger, const yb_institution *institution, int64_t offset,
			      char *errstr, size_t errlen);

/*
 * Add an event (Avro single-object bytes of an enrollment or a payment, copied) to member_id's
 * history: stamped time_ms, rank YB_LEDGER_RANK_*, read at partition/offset of its topic.
 * The same event at the same position twice is kept once. YB_OK or YB_ENOMEM.
 */
int yb_ledger_add_event(yb_ledger *ledger, const char *member_id, int64_t time_ms, int rank,
			int32_t partition, int64_t offset, const uint8_t *bytes, size_t len);

/*
 * Judge a claim or a reversal on what judged_on names (above); the settlement carries it.
 * Returns 1 with *settlement set, or YB_EINVAL with errstr for a record yb_ledger_admit
 * refuses.
 */
int yb_ledger_judge(yb_ledger *ledger, const yb_record *record, const yb_judged_on *judged_on,
		    const yb_settlement **settlement, char *errstr, size_t errlen);

/*
 * The answer to a claim whose claim_id its member already settled: the recorded settlement
 * (settlement[0..len), Avro) marked duplicate, with CONFLICTING_DUPLICATE added when the
 * claim's content differs from the recorded fingerprint. Returns 1 with *out set (valid until
 * the next call), or YB_EINVAL when the bytes do not decode.
 */
int yb_ledger_repeat(yb_ledger *ledger, const yb_claim *claim, const uint8_t *settlement,
		     size_t len, uint64_t recorded_fingerprint, const yb_settlement **out,
		     char *errstr, size_t errlen);

/* What a claim is judged with: its member in the claim's scheme (NULL when not enrolled
 * there), its institution (NULL unknown) and the policy in force on its service day (NULL
 * none), as of judged_on (NULL: everything the ledger holds). Pointers valid until the
 * ledger changes. */
typedef struct yb_claim_facts {
	const yb_member *member;
	const yb_institution *institution;
	const yb_policy *policy;
} yb_claim_facts;

void yb_ledger_claim_facts(yb_ledger *ledger, const yb_claim *claim, const yb_judged_on *judged_on,
			   yb_claim_facts *out);

/* Counts for a summary. */
typedef struct yb_ledger_stats {
	size_t members, institutions, claims, events;
} yb_ledger_stats;

void yb_ledger_stats_get(const yb_ledger *ledger, yb_ledger_stats *stats);

/*
 * The streaming services keep this state in Redis and use a ledger as the working set of
 * one batch (services/adjudicator): forget the members, load each member's events,
 * accumulators and the claims the batch names, judge the batch's claims in topic order, then
 * read back what each claim recorded and moved. claimctl rebuild goes the other way: it
 * replays the topics into a ledger and writes every member and claim out.
 */

/* One claim as recorded: what was published for it and what it moved. */
typedef struct yb_claim_state {
	const char *claim_id;
	const char *member_id;
	const uint8_t *settlement; /* Avro single-object bytes, as published */
	size_t settlement_len;
	const uint8_t *reversal; /* the reversal's settlement, NULL when not reversed */
	size_t reversal_len;
	yb_year_acc delta;  /* what the claim moved; zero when rejected */
	const char *scheme; /* the scheme that judged it: its accumulators were charged */
	int32_t year;
	int32_t level; /* the institution's, for referrals; -1 unknown */
	bool rejected;
	/* Of the claim's content, every field but submitted_at (a resubmission may be stamped
	 * anew): a repeated claim_id with other content is told from a plain repeat. */
	uint64_t fingerprint;
	int32_t keep_until; /* the last day (event time) the record is answered from */
	/* Where the claim and its reversal were read (-1 unknown): a message read again after
	 * a crash is told from a resubmitted claim_id by these. */
	int32_t partition, reversal_partition;
	int64_t offset, reversal_offset;
} yb_claim_state;

/* One benefit year of a member's accumulators in one scheme (a member who changes scheme
 * has a year in each). */
typedef struct yb_member_year {
	char scheme[YB_POLICY_NAME_LEN];
	int32_t year;
	yb_year_acc acc;
} yb_member_year;

/* Forget every member and claim; institutions stay. */
void yb_ledger_forget_members(yb_ledger *ledger);

/*
 * Load a member's recorded accumulators, personal-account spending and watermark (the
 * latest submitted_at of its recorded claims, ms; 0 none), before its claims are judged.
 * Years the watermark has closed are dropped. Returns YB_OK or YB_ENOMEM.
 */
int yb_ledger_load_member(yb_ledger *ledger, const char *member_id, int64_t pa_spent_fen,
			  int64_t watermark_ms, const yb_member_year *years, size_t count);

/* Load a recorded claim (copied), so a duplicate, a reversal or a referral finds it. */
int yb_ledger_load_claim(yb_ledger *ledger, const yb_claim_state *claim);

/* Record that claim_id belongs to another member, owner (the adjudicator's claim_id
 * registry said so): a claim of any other member with that id is refused. */
int yb_ledger_load_owner(yb_ledger *ledger, const char *claim_id, const char *owner);

/*
 * *out = the recorded state of claim_id (pointers valid until the ledger changes), with
 * the source position set by yb_ledger_set_source. Returns YB_OK or YB_ENOTFOUND (also for
 * a claim_id only known to belong to another member).
 */
int yb_ledger_claim(const yb_ledger *ledger, const char *claim_id, yb_claim_state *out);

/* Record where a claim (reversal = false) or its reversal was read. */
void yb_ledger_set_source(yb_ledger *ledger, const char *claim_id, bool reversal, int32_t partition,
			  int64_t offset);

/*
 * A member's accumulators for year in scheme, personal-account spending and watermark.
 * Returns YB_OK, or YB_ENOTFOUND when the member has no such year (acc zeroed; pa and the
 * watermark set when the member exists, else 0).
 */
int yb_ledger_member_year(const yb_ledger *ledger, const char *member_id, const char *scheme,
			  int32_t year, yb_year_acc *acc, int64_t *pa_spent_fen,
			  int64_t *watermark_ms);

/* The day before which a member at watermark_ms has dropped claim records (keep_until
 * earlier than it), and the first benefit year it keeps accumulators of. */
int32_t yb_ledger_purge_day(int64_t watermark_ms);
int32_t yb_ledger_first_kept_year(int64_t watermark_ms);

/* Every member with its years, and every claim, for claimctl rebuild; stops on non-zero. */
int yb_ledger_each_member(const yb_ledger *ledger,
			  int (*fn)(const char *member_id, int64_t pa_spent_fen,
				    int64_t watermark_ms, const yb_member_year *years, size_t count,
				    void *opaque),
			  void *opaque);
int yb_ledger_each_claim(const yb_ledger *ledger,
			 int (*fn)(const yb_claim_state *claim, void *opaque), void *opaque);

/*
 * The stored form of a claim's state (Redis): a versioned binary record. Byte 0 is the
 * format, byte 1 is 1 when the claim has been reversed (the Lua scripts read it).
 */
#define YB_CLAIM_STATE_FORMAT 3
int yb_claim_state_pack(const yb_claim_state *claim, yb_buf *out);
/* Unpack (pointers into bytes); YB_EINVAL when the bytes are not a record of this format. */
int yb_claim_state_unpack(const uint8_t *bytes, size_t len, const char *claim_id,
			  yb_claim_state *out);

#endif
