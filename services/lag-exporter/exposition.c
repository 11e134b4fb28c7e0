/* lag-exporter's /metrics text; see exposition.h. */
#include "exposition.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

const char *yb_exposition_label(const char *s, char *out, size_t len)
{
	size_t j = 0;

	for (; *s != '\0' && j + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			out[j++] = '\\';
			out[j++] = *s;
		} else if (*s == '\n') {
			out[j++] = '\\';
			out[j++] = 'n';
		} else {
			out[j++] = *s;
		}
	}
	out[j] = '\0';
	return out;
}

static void head(yb_buf *b, const char *name, const char *help)
{
	yb_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* Milliseconds as seconds with three decimals. */
static void seconds(yb_buf *b, int64_t ms)
{
	yb_buf_printf(b, "%" PRId64 ".%03" PRId64 "\n", ms / 1000, ms % 1000);
}

/* Was (topic, partition) of parts[i] already seen among parts[0..i)? */
static bool seen_before(const yb_partition_lag *parts, size_t i)
{
	for (size_t k = 0; k < i; k++) {
		if (parts[k].partition == parts[i].partition &&
		    strcmp(parts[k].topic, parts[i].topic) == 0)
			return true;
	}
	return false;
}

static void partition_ends(yb_buf *b, const yb_partition_lag *parts, size_t np)
{
	char t[512];

	for (int stable = 0; stable <= 1; stable++) {
		const char *name =
		    stable ? "kafka_partition_stable_offset" : "kafka_partition_latest_offset";

		head(b, name,
		     stable ? "The partition's last stable offset: what read_committed consumers "
			      "can reach."
			    : "The partition's log end offset (transaction markers included).");
		for (size_t i = 0; i < np; i++) {
			int64_t v = stable ? parts[i].stable_end : parts[i].log_end;

			if (v < 0 || seen_before(parts, i))
				continue;
			yb_buf_printf(b, "%s{topic=\"%s\",partition=\"%d\"} %" PRId64 "\n", name,
				      yb_exposition_label(parts[i].topic, t, sizeof(t)),
				      (int)parts[i].partition, v);
		}
	}
}

/* The per-partition families: 0 offset, 1 lag, 2 lag seconds. */
static void group_partitions(yb_buf *b, const yb_group_info *groups, const yb_partition_lag *parts,
			     size_t np)
{
	static const struct {
		const char *name, *help;
	} families[] = {
	    {"kafka_consumergroup_group_offset", "The group's committed offset of the partition."},
	    {"kafka_consumergroup_group_lag",
	     "Messages the group has not consumed, to the last stable offset (transaction markers "
	     "are not lag)."},
	    {"kafka_consumergroup_group_lag_seconds",
	     "Wall-clock seconds since the partition's end passed the group's committed offset "
	     "(interpolated from sampled ends; 0 when caught up)."},
	};
	char g[512], t[512];

	for (int f = 0; f < 3; f++) {
		head(b, families[f].name, families[f].help);
		for (size_t i = 0; i < np; i++) {
			const yb_partition_lag *p = &parts[i];
			int64_t v = f == 0 ? p->committed : f == 1 ? p->lag : p->lag_ms;

			if (v < 0)
				continue;
			yb_buf_printf(
			    b, "%s{group=\"%s\",topic=\"%s\",partition=\"%d\"} ", families[f].name,
			    yb_exposition_label(groups[p->group].group, g, sizeof(g)),
			    yb_exposition_label(p->topic, t, sizeof(t)), (int)p->partition);
			if (f == 2)
				seconds(b, v);
			else
				yb_buf_printf(b, "%" PRId64 "\n", v);
		}
	}
}

static void topic_sums(yb_buf *b, const yb_group_info *groups, const yb_partition_lag *parts,
		       size_t np)
{
	char g[512], t[512];

	head(b, "kafka_consumergroup_group_topic_sum_lag",
	     "Messages the group has not consumed, over the topic's partitions.");
	for (size_t i = 0; i < np; i++) {
		int64_t sum = 0;
		size_t k;

		if (i > 0 && parts[i - 1].group == parts[i].group &&
		    strcmp(parts[i - 1].topic, parts[i].topic) == 0)
			continue;
		for (k = i; k < np && parts[k].group == parts[i].group &&
			    strcmp(parts[k].topic, parts[i].topic) == 0;
		     k++)
			sum += parts[k].lag > 0 ? parts[k].lag : 0;
		yb_buf_printf(b,
			      "kafka_consumergroup_group_topic_sum_lag{group=\"%s\",topic=\"%s\"} "
			      "%" PRId64 "\n",
			      yb_exposition_label(groups[parts[i].group].group, g, sizeof(g)),
			      yb_exposition_label(parts[i].topic, t, sizeof(t)), sum);
	}
}

static void group_figures(yb_buf *b, const yb_group_info *groups, size_t ng)
{
	static const struct {
		const char *name, *help;
	} families[] = {
	    {"kafka_consumergroup_group_sum_lag", "Messages the group has not consumed, in all."},
	    {"kafka_consumergroup_group_max_lag",
	     "Messages behind on the group's partition furthest behind."},
	    {"kafka_consumergroup_group_max_lag_seconds",
	     "Wall-clock seconds behind on the group's partition furthest behind in time."},
	    {"kafka_consumergroup_members", "Active members of the group."},
	};
	char g[512];

	for (int f = 0; f < 4; f++) {
		head(b, families[f].name, families[f].help);
		for (size_t k = 0; k < ng; k++) {
			yb_buf_printf(b, "%s{group=\"%s\"} ", families[f].name,
				      yb_exposition_label(groups[k].group, g, sizeof(g)));
			if (f == 2)
				seconds(b, groups[k].max_lag_ms);
			else
				yb_buf_printf(b, "%" PRId64 "\n",
					      f == 0   ? groups[k].total_lag
					      : f == 1 ? groups[k].max_lag
						       : (int64_t)groups[k].members);
		}
	}
	head(b, "kafka_consumergroup_group_status",
	     "The group's status as Burrow evaluates it over the last samples (the label; the "
	     "value is 1): OK, WARN, STOP, STALL, REWIND, or ERR when it cannot be measured.");
	for (size_t k = 0; k < ng; k++)
		yb_buf_printf(b, "kafka_consumergroup_group_status{group=\"%s\",status=\"%s\"} 1\n",
			      yb_exposition_label(groups[k].group, g, sizeof(g)),
			      yb_lag_status_name(groups[k].status));
}

void yb_exposition_render(yb_buf *b, const yb_group_info *groups, size_t group_count,
			  const yb_partition_lag *parts, size_t part_count)
{
	b->len = 0;
	partition_ends(b, parts, part_count);
	group_partitions(b, groups, parts, part_count);
	topic_sums(b, groups, parts, part_count);
	group_figures(b, groups, group_count);
}
