/*
 * lag-exporter's metrics in the Prometheus text format, under kafka-lag-exporter's names
 * (kafka_consumergroup_group_lag, ..._lag_seconds, ..._max_lag, ..._sum_lag, ...), so its
 * dashboards and alerts work here too, and Burrow's status per group as a label:
 *
 *   kafka_partition_latest_offset{topic,partition}            log end, once per partition
 *   kafka_partition_stable_offset{topic,partition}            last stable offset
 *   kafka_consumergroup_group_offset{group,topic,partition}   committed offset
 *   kafka_consumergroup_group_lag{group,topic,partition}      messages behind (to the LSO)
 *   kafka_consumergroup_group_lag_seconds{group,topic,partition}  by the wall clock
 *   kafka_consumergroup_group_topic_sum_lag{group,topic}
 *   kafka_consumergroup_group_sum_lag{group}, ..._max_lag{group}, ..._max_lag_seconds{group}
 *   kafka_consumergroup_group_status{group,status}            1: OK WARN STOP STALL REWIND ERR
 *   kafka_consumergroup_members{group}
 *
 * The partitions' ends are published once each, not once per group reading them, so a sum
 * over them is the topic's size.
 */
#ifndef YB_LAG_EXPORTER_EXPOSITION_H
#define YB_LAG_EXPORTER_EXPOSITION_H

#include <stddef.h>

#include "codec/record.h"
#include "kafka/lag.h"

/* Render a judged measurement (kafka/lag_monitor.h) into b (cleared first). */
void yb_exposition_render(yb_buf *b, const yb_group_info *groups, size_t group_count,
			  const yb_partition_lag *parts, size_t part_count);

/* A label value with \, " and newline escaped, as the exposition format wants. */
const char *yb_exposition_label(const char *s, char *out, size_t len);

#endif
