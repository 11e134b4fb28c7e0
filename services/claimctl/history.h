/*
 * The recorded history of the pipeline, for claimctl replay and rebuild: every message of
 * institutions, enrollments, payments and claims as it stands, the settlements recorded for
 * them, and the pipeline's decisions taken again through the ledger in the pipeline's own
 * order (docs/ARCHITECTURE.md, "What a claim is judged on"):
 *
 *   - institutions, every version, at its offset; enrollments and payments into their
 *     members' histories at their partitions and offsets: each input the pipeline admitted
 *     (yb_ledger_admit, its Kafka key included), the others counted as dead letters;
 *   - then the claims and reversals of each partition in offset order, each judged on what
 *     its recorded settlement says it was judged on (judged_on), and on the owners the
 *     recorded settlements give claim_ids that two members used; or, as of now, on
 *     everything the topics hold.
 */
#ifndef CLAIMCTL_HISTORY_H
#define CLAIMCTL_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec/avro.h"
#include "kafka/consumer.h"
#include "io/props.h"
#include "ledger/ledger.h"
#include "ledger/strmap.h"

/* Topic ranks. */
enum { HISTORY_INSTITUTIONS, HISTORY_ENROLLMENTS, HISTORY_PAYMENTS, HISTORY_CLAIMS };

#define HISTORY_MAX_PARTITIONS 1024

typedef struct history_event {
	int rank; /* HISTORY_* */
	int64_t time;
	int32_t partition;
	int64_t offset;
	uint8_t *value;
	size_t len;
	uint8_t *key; /* NULL when the message had none */
	size_t key_len;
} history_event;

/* A recorded settlement. */
typedef struct history_recorded {
	uint8_t *bytes;
	size_t len;
} history_recorded;

typedef struct history {
	history_event *events;
	size_t count, cap;
	int rank; /* of the topic being read: set before each yb_snapshot_read */
	/* The recorded settlements: the first not marked duplicate for each claims-topic
	 * position (its judged_on), or, for settlements written before judged_on, for each
	 * claim_id (reversals under claim_id + "\x01r"); the member each claim_id belongs to. */
	yb_strmap *by_position; /* "<partition>/<offset>" → history_recorded */
	yb_strmap *by_claim;    /* claim_id[\x01r] → history_recorded */
	yb_strmap *owners;      /* claim_id → char * member_id */
	size_t settlements, undecodable;
	/* Next offset per partition of enrollments, payments, institutions: what "now" is. */
	int64_t ends[3][HISTORY_MAX_PARTITIONS];
	yb_avro *avro;
	char *arena;          /* the message being taken */
	char *recorded_arena; /* its recorded settlement */
} history;

/*
 * Read the four input topics (institutions, enrollments, payments, claims: topics[0..4))
 * and the settlements topic as they stand, reporting each count on stderr as "claimctl
 * COMMAND: ...". Returns YB_OK, or an error with errstr.
 */
int history_read(history *h, const yb_props *props, const char *const topics[4],
		 const char *settlements, const char *command, char *errstr, size_t errlen);

void history_free(history *h);

/*
 * Decode e as a record of the topic it was read from, into arena, and admit it as the
 * pipeline would (its Kafka key included). YB_OK, or an error with why: the reason the
 * pipeline dead-letters it.
 */
int history_take(history *h, yb_ledger *ledger, const history_event *e, yb_arena *arena,
		 yb_record *rec, char *why, size_t whylen);

/* How each claim or reversal is judged again. */
typedef enum history_view {
	HISTORY_AS_JUDGED, /* on what its recorded settlement says (else as of now) */
	HISTORY_AS_OF_NOW, /* on everything the topics hold now */
} history_view;

/* One claim or reversal taken again. */
typedef struct history_decision {
	const history_event *message;
	const yb_record *record;          /* NULL when it could not be decoded */
	const char *refused;              /* why the pipeline dead-letters it, else NULL */
	const yb_settlement *settlement;  /* the decision now (NULL when refused) */
	const history_recorded *recorded; /* the settlement recorded for it, or NULL */
	bool judged_as_recorded;          /* judged on the recorded settlement's judged_on */
} history_decision;

/* Counts of a run. */
typedef struct history_counts {
	uint64_t institutions, events, refused_events, claims, refused_claims, skipped;
} history_counts;

/*
 * Take the pipeline's decisions again through ledger: every input as above, each claim or
 * reversal at offsets before claims_end[partition] (NULL: all) judged on view, and fn called
 * with it (a non-zero return stops the run and is returned). Claims beyond claims_end are
 * counted as skipped.
 */
int history_replay(history *h, yb_ledger *ledger, history_view view, const int64_t *claims_end,
		   int (*fn)(const history_decision *decision, void *opaque), void *opaque,
		   history_counts *counts, char *errstr, size_t errlen);

/*
 * Write the inputs the pipeline took as JSON Lines to out, in an order in which claimctl
 * adjudicate (each claim judged on the records before it) gives the pipeline's answers:
 * the claims of each partition in offset order, merged by the institutions offset they were
 * judged on, each preceded by the institutions, enrollments and payments its recorded
 * judged_on names that are not out yet; what no claim was judged on comes last. A reversal
 * without member_id gets its Kafka key's. *written = the records written.
 */
int history_export(history *h, yb_ledger *ledger, FILE *out, uint64_t *written, char *errstr,
		   size_t errlen);

#endif
