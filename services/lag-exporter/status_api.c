/* The status page's JSON; see status_api.h. */
#include "status_api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* A group at one measurement. */
struct point {
	int64_t t_ms, lag, lag_ms;
	int64_t consumed; /* the sum of its committed offsets: what it has consumed */
};

struct track {
	char name[256];
	struct point *ring; /* h->points of them */
	size_t next, count;
	uint64_t seen;
};

struct yb_status_history {
	size_t points;
	struct track *tracks;
	size_t track_count, track_cap;
	uint64_t measurement;
	int64_t updated_ms;
	/* the last measurement, for the page's table and a group's partitions */
	yb_group_info *groups;
	size_t group_count, group_cap;
	yb_partition_lag *parts;
	size_t part_count, part_cap;
};

yb_status_history *yb_status_history_new(size_t points)
{
	yb_status_history *h = calloc(1, sizeof(*h));

	if (h != NULL)
		h->points = points >= 2 ? points : 2;
	return h;
}

void yb_status_history_destroy(yb_status_history *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->track_count; i++)
		free(h->tracks[i].ring);
	free(h->tracks);
	free(h->groups);
	free(h->parts);
	free(h);
}

/* Make room for n elements of size in *array of capacity *cap. */
static int reserve(void **array, size_t *cap, size_t n, size_t size)
{
	void *grown;

	if (n <= *cap)
		return YB_OK;
	grown = realloc(*array, n * size);
	if (grown == NULL)
		return YB_ENOMEM;
	*array = grown;
	*cap = n;
	return YB_OK;
}

static struct track *track_of(yb_status_history *h, const char *name)
{
	struct track *t;

	for (size_t i = 0; i < h->track_count; i++) {
		if (strcmp(h->tracks[i].name, name) == 0)
			return &h->tracks[i];
	}
	if (reserve((void **)&h->tracks, &h->track_cap, h->track_count + 1, sizeof(*h->tracks)) !=
	    YB_OK)
		return NULL;
	t = &h->tracks[h->track_count];
	memset(t, 0, sizeof(*t));
	if ((t->ring = calloc(h->points, sizeof(*t->ring))) == NULL)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", name);
	h->track_count++;
	return t;
}

/* The i-th oldest point of t. */
static const struct point *point_at(const yb_status_history *h, const struct track *t, size_t i)
{
	return &t->ring[(t->next + h->points - t->count + i) % h->points];
}

/* Forget groups the last measurement did not show. */
static void forget_gone(yb_status_history *h)
{
	size_t kept = 0;

	for (size_t i = 0; i < h->track_count; i++) {
		if (h->tracks[i].seen == h->measurement)
			h->tracks[kept++] = h->tracks[i];
		else
			free(h->tracks[i].ring);
	}
	h->track_count = kept;
}

int yb_status_history_add(yb_status_history *h, int64_t t_ms, const yb_group_info *groups,
			  size_t group_count, const yb_partition_lag *parts, size_t part_count)
{
	if (reserve((void **)&h->groups, &h->group_cap, group_count + 1, sizeof(*groups)) !=
		YB_OK ||
	    reserve((void **)&h->parts, &h->part_cap, part_count + 1, sizeof(*parts)) != YB_OK)
		return YB_ENOMEM;
	memcpy(h->groups, groups, group_count * sizeof(*groups));
	memcpy(h->parts, parts, part_count * sizeof(*parts));
	h->group_count = group_count;
	h->part_count = part_count;
	h->updated_ms = t_ms;
	h->measurement++;
	for (size_t g = 0; g < group_count; g++) {
		struct track *t = track_of(h, groups[g].group);
		struct point *p;

		if (t == NULL)
			return YB_ENOMEM;
		p = &t->ring[t->next];
		memset(p, 0, sizeof(*p));
		p->t_ms = t_ms;
		p->lag = groups[g].total_lag;
		p->lag_ms = groups[g].max_lag_ms;
		for (size_t i = 0; i < part_count; i++) {
			if (parts[i].group == (int)g && parts[i].committed > 0)
				p->consumed += parts[i].committed;
		}
		t->next = (t->next + 1) % h->points;
		if (t->count < h->points)
			t->count++;
		t->seen = h->measurement;
	}
	forget_gone(h);
	return YB_OK;
}

/* Messages a second the group consumed between its last two measurements; -1 unknown. */
static double rate_of(const yb_status_history *h, const struct track *t)
{
	const struct point *a, *b;

	if (t == NULL || t->count < 2)
		return -1;
	a = point_at(h, t, t->count - 2);
	b = point_at(h, t, t->count - 1);
	if (b->t_ms <= a->t_ms || b->consumed < a->consumed)
		return -1;
	return (double)(b->consumed - a->consumed) * 1000.0 / (double)(b->t_ms - a->t_ms);
}

/* [[seconds before the update, lag, lag seconds], ...]: at most YB_STATUS_POINTS. */
static json_t *points_json(const yb_status_history *h, const struct track *t)
{
	json_t *list = json_array();
	size_t step;

	if (t == NULL || t->count == 0)
		return list;
	step = (t->count + YB_STATUS_POINTS - 1) / YB_STATUS_POINTS;
	/* Every step-th point counted back from the newest, so the newest is always in. */
	for (size_t i = (t->count - 1) % step; i < t->count; i += step) {
		const struct point *p = point_at(h, t, i);

		json_array_append_new(
		    list, json_pack("[I, I, I]", (json_int_t)((h->updated_ms - p->t_ms) / 1000),
				    (json_int_t)p->lag, (json_int_t)(p->lag_ms / 1000)));
	}
	return list;
}

static const struct track *find_track(const yb_status_history *h, const char *name)
{
	for (size_t i = 0; i < h->track_count; i++) {
		if (strcmp(h->tracks[i].name, name) == 0)
			return &h->tracks[i];
	}
	return NULL;
}

static json_t *group_json(const yb_status_history *h, const yb_group_info *g)
{
	const struct track *t = find_track(h, g->group);
	json_t *out = json_pack("{s:s, s:s, s:s, s:i, s:b, s:I, s:I, s:f, s:b, s:f, s:o}", "group",
				g->group, "status", yb_lag_status_name(g->status), "state",
				g->state, "members", g->members, "active", g->members > 0, "lag",
				(json_int_t)g->total_lag, "max_lag", (json_int_t)g->max_lag,
				"lag_seconds", (double)g->max_lag_ms / 1000.0,
				"lag_seconds_at_least", g->max_lag_time == YB_LAG_TIME_AT_LEAST,
				"rate", rate_of(h, t), "points", points_json(h, t));

	if (g->error[0] != '\0')
		json_object_set_new(out, "error", json_string(g->error));
	return out;
}

static void dump(json_t *doc, yb_buf *b)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));

	if (text != NULL)
		yb_buf_printf(b, "%s\n", text);
	free(text);
	json_decref(doc);
}

void yb_status_render(const yb_status_history *h, const yb_status_facts *f, yb_buf *b)
{
	json_t *groups = json_array();

	for (size_t g = 0; g < h->group_count; g++)
		json_array_append_new(groups, group_json(h, &h->groups[g]));
	dump(json_pack("{s:I, s:I, s:{s:b, s:s, s:I, s:I}, s:{s:s, s:o}, s:{s:s, s:o}, s:o}",
		       "updated_ms", (json_int_t)h->updated_ms, "interval_ms",
		       (json_int_t)f->interval_ms, "exporter", "measuring",
		       f->last_error[0] == '\0', "error", f->last_error, "scrapes",
		       (json_int_t)f->scrapes, "scrape_errors", (json_int_t)f->scrape_errors,
		       "throughput", "topic", f->throughput_topic, "per_s",
		       f->throughput_milli >= 0 ? json_real((double)f->throughput_milli / 1000.0)
						: json_null(),
		       "dead_letters", "topic", f->dead_letter_topic, "records",
		       f->dead_letters >= 0 ? json_integer(f->dead_letters) : json_null(), "groups",
		       groups),
	     b);
}

int yb_status_render_partitions(const yb_status_history *h, const char *group, yb_buf *b)
{
	json_t *parts = json_array();
	int index = -1;

	for (size_t g = 0; g < h->group_count && index < 0; g++) {
		if (strcmp(h->groups[g].group, group) == 0)
			index = (int)g;
	}
	if (index < 0) {
		json_decref(parts);
		return -1;
	}
	for (size_t i = 0; i < h->part_count; i++) {
		const yb_partition_lag *p = &h->parts[i];

		if (p->group != index)
			continue;
		json_array_append_new(
		    parts,
		    json_pack("{s:s, s:i, s:I, s:I, s:I, s:f, s:b, s:s}", "topic", p->topic,
			      "partition", (int)p->partition, "committed", (json_int_t)p->committed,
			      "stable_end", (json_int_t)p->stable_end, "lag", (json_int_t)p->lag,
			      "lag_seconds", p->lag_ms >= 0 ? (double)p->lag_ms / 1000.0 : -1.0,
			      "lag_seconds_at_least", p->lag_time == YB_LAG_TIME_AT_LEAST, "status",
			      yb_lag_status_name(p->status)));
	}
	dump(json_pack("{s:s, s:o}", "group", group, "partitions", parts), b);
	return 0;
}
