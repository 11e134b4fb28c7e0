/*
 * A consumer group's offset reset plan, and its text forms as Kafka's kafka-consumer-groups
 * --reset-offsets reads and writes them: --topic arguments ("TOPIC", or "TOPIC:0,1,2" for
 * some of its partitions) and the CSV of --export and --from-file, one "topic,partition,offset"
 * line per partition ("group,topic,partition,offset" when a file holds several groups).
 * Text in, plan out: nothing here talks to a broker (kafka/offsets.h does).
 */
#ifndef YB_IO_OFFSET_PLAN_H
#define YB_IO_OFFSET_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The partition of a --topic argument without a list: every partition of the topic. */
#define YB_ALL_PARTITIONS (-1)

/* Why a partition's new offset is not what was asked for (Kafka's tool warns of the same). */
typedef enum yb_reset_note {
	YB_RESET_AS_ASKED,
	YB_RESET_RAISED_TO_START, /* below the log start: the log start */
	YB_RESET_LOWERED_TO_END,  /* beyond the log end: the log end */
	YB_RESET_NO_LATER_RECORD, /* no record at or after the time: the log end */
} yb_reset_note;

typedef struct yb_offset_reset {
	char topic[256];
	int32_t partition; /* or YB_ALL_PARTITIONS in a scope */
	int64_t current;   /* committed now, -1 when none */
	int64_t target;    /* the new offset (in a plan file: the offset asked for) */
	yb_reset_note note;
} yb_offset_reset;

/* A growing array of partitions, each once. Zero-initialise it; free with
 * yb_offset_plan_free. */
typedef struct yb_offset_plan {
	yb_offset_reset *items;
	size_t count;
	size_t cap;
} yb_offset_plan;

void yb_offset_plan_free(yb_offset_plan *plan);

/* The entry of topic's partition, or NULL. */
yb_offset_reset *yb_offset_plan_find(const yb_offset_plan *plan, const char *topic,
				     int32_t partition);

/*
 * Add topic's partition with target (current -1), or, when it is there already, set its
 * target: a later line of a plan file wins, as in Kafka's tool. Returns YB_OK; YB_EINVAL for
 * an empty or too long topic name; YB_ENOMEM.
 */
int yb_offset_plan_put(yb_offset_plan *plan, const char *topic, int32_t partition, int64_t target);

/* Sort by topic, then partition: the order claimctl prints a plan in. */
void yb_offset_plan_sort(yb_offset_plan *plan);

/*
 * Add a --topic argument's partitions: "TOPIC" as (TOPIC, YB_ALL_PARTITIONS), "TOPIC:0,1"
 * as each listed partition. Returns YB_OK, or YB_EINVAL (or YB_ENOMEM) with errstr.
 */
int yb_offset_plan_add_topic_arg(yb_offset_plan *plan, const char *arg, char *errstr,
				 size_t errlen);

/*
 * Add group's partitions and offsets from len bytes of a plan in Kafka's CSV: every line
 * "topic,partition,offset", or every line "group,topic,partition,offset" (only group's
 * lines are taken). Blank lines and "\r\n" endings are accepted; fields may be quoted
 * ("..." with "" for a quote). Returns YB_OK; YB_EPARSE naming the line in errstr;
 * YB_ENOTFOUND when the file has no line for group; YB_ENOMEM.
 */
int yb_offset_plan_read_csv(yb_offset_plan *plan, const char *text, size_t len, const char *group,
			    char *errstr, size_t errlen);

/* Write the plan's targets as kafka-consumer-groups --export does for one group:
 * "topic,partition,offset" lines. Returns YB_OK, or YB_EIO when out fails. */
int yb_offset_plan_write_csv(const yb_offset_plan *plan, FILE *out);

#endif
