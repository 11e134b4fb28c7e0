/* Lag over successive measurements; see lag_monitor.h. */
#include "kafka/lag_monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* A partition's end over time. */
struct end_entry {
	char topic[256];
	int32_t partition;
	yb_lag_table table;
	uint64_t seen; /* the observation that last showed it */
};

/* A group's partition: its last samples, oldest first. */
struct window_entry {
	char group[256], topic[256];
	int32_t partition;
	yb_lag_sample *samples; /* window of them */
	int count;
	uint64_t seen;
};

struct yb_lag_monitor {
	int window;
	int64_t allowed_lag;
	uint64_t observation;
	struct end_entry *ends;
	size_t end_count, end_cap;
	struct window_entry *windows;
	size_t window_count, window_cap;
};

yb_lag_monitor *yb_lag_monitor_new(int window, int64_t allowed_lag)
{
	yb_lag_monitor *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->window = window >= 2 ? window : 2;
	m->allowed_lag = allowed_lag;
	return m;
}

void yb_lag_monitor_destroy(yb_lag_monitor *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->window_count; i++)
		free(m->windows[i].samples);
	free(m->windows);
	free(m->ends);
	free(m);
}

/* Room for one more element of size in *array (capacity *cap, count used). */
static int grow(void **array, size_t *cap, size_t count, size_t size)
{
	void *grown;
	size_t want = *cap == 0 ? 16 : 2 * *cap;

	if (count < *cap)
		return YB_OK;
	grown = realloc(*array, want * size);
	if (grown == NULL)
		return YB_ENOMEM;
	*array = grown;
	*cap = want;
	return YB_OK;
}

static struct end_entry *end_of(yb_lag_monitor *m, const yb_partition_lag *p)
{
	struct end_entry *e;

	for (size_t i = 0; i < m->end_count; i++) {
		if (m->ends[i].partition == p->partition && strcmp(m->ends[i].topic, p->topic) == 0)
			return &m->ends[i];
	}
	if (grow((void **)&m->ends, &m->end_cap, m->end_count, sizeof(*m->ends)) != YB_OK)
		return NULL;
	e = &m->ends[m->end_count++];
	memset(e, 0, sizeof(*e));
	memcpy(e->topic, p->topic, sizeof(e->topic));
	e->partition = p->partition;
	return e;
}

static struct window_entry *window_of(yb_lag_monitor *m, const char *group,
				      const yb_partition_lag *p)
{
	struct window_entry *w;

	for (size_t i = 0; i < m->window_count; i++) {
		w = &m->windows[i];
		if (w->partition == p->partition && strcmp(w->topic, p->topic) == 0 &&
		    strcmp(w->group, group) == 0)
			return w;
	}
	if (grow((void **)&m->windows, &m->window_cap, m->window_count, sizeof(*m->windows)) !=
	    YB_OK)
		return NULL;
	w = &m->windows[m->window_count];
	memset(w, 0, sizeof(*w));
	if ((w->samples = calloc((size_t)m->window, sizeof(*w->samples))) == NULL)
		return NULL;
	m->window_count++;
	snprintf(w->group, sizeof(w->group), "%s", group);
	memcpy(w->topic, p->topic, sizeof(w->topic));
	w->partition = p->partition;
	return w;
}

static void push(yb_lag_monitor *m, struct window_entry *w, const yb_partition_lag *p,
		 int64_t now_ms)
{
	if (w->count == m->window) {
		memmove(&w->samples[0], &w->samples[1],
			(size_t)(w->count - 1) * sizeof(w->samples[0]));
		w->count--;
	}
	w->samples[w->count].committed = p->committed;
	w->samples[w->count].lag = p->lag;
	w->samples[w->count].time_ms = now_ms;
	w->count++;
	w->seen = m->observation;
}

/* Judge one partition of the measurement. */
static int judge_partition(yb_lag_monitor *m, int64_t now_ms, const yb_group_info *g,
			   yb_partition_lag *p)
{
	struct end_entry *e = end_of(m, p);
	struct window_entry *w;

	if (e == NULL)
		return YB_ENOMEM;
	if (e->seen != m->observation && p->stable_end >= 0)
		yb_lag_table_add(&e->table, p->stable_end, now_ms);
	e->seen = m->observation;
	p->lag_ms = -1;
	p->lag_time = YB_LAG_TIME_UNKNOWN;
	if (p->lag == 0) {
		p->lag_ms = 0; /* markers only count as none, whatever the offsets say */
		p->lag_time = YB_LAG_TIME_ESTIMATE;
	} else if (p->lag > 0) {
		p->lag_time = yb_lag_table_lag_ms(&e->table, p->committed, now_ms, &p->lag_ms);
	}
	if ((w = window_of(m, g->group, p)) == NULL)
		return YB_ENOMEM;
	push(m, w, p, now_ms);
	p->status = yb_lag_evaluate(w->samples, w->count, g->members, m->allowed_lag);
	return YB_OK;
}

/* The group's status and totals from its partitions. */
static void judge_group(yb_group_info *g, int index, const yb_partition_lag *parts, size_t count)
{
	g->status = g->error[0] != '\0' ? YB_LAG_ERR : YB_LAG_OK;
	g->total_lag = g->max_lag = 0;
	g->max_lag_ms = -1;
	g->max_lag_time = YB_LAG_TIME_UNKNOWN;
	for (size_t i = 0; i < count; i++) {
		const yb_partition_lag *p = &parts[i];

		if (p->group != index)
			continue;
		if (p->status > g->status)
			g->status = p->status;
		if (p->lag > 0) {
			g->total_lag += p->lag;
			if (p->lag > g->max_lag)
				g->max_lag = p->lag;
		}
		/* The furthest behind; of equals, a lower bound says more than an estimate. */
		if (p->lag_ms > g->max_lag_ms ||
		    (p->lag_ms == g->max_lag_ms && p->lag_time == YB_LAG_TIME_AT_LEAST)) {
			g->max_lag_ms = p->lag_ms;
			g->max_lag_time = p->lag_time;
		}
	}
	if (g->max_lag_ms < 0) {
		g->max_lag_ms = 0;
		g->max_lag_time = YB_LAG_TIME_ESTIMATE;
	}
}

/* Forget what the last `window` observations did not show. */
static void forget_unseen(yb_lag_monitor *m)
{
	size_t kept = 0;

	for (size_t i = 0; i < m->window_count; i++) {
		if (m->observation - m->windows[i].seen <= (uint64_t)m->window)
			m->windows[kept++] = m->windows[i];
		else
			free(m->windows[i].samples);
	}
	m->window_count = kept;
	kept = 0;
	for (size_t i = 0; i < m->end_count; i++) {
		if (m->observation - m->ends[i].seen <= (uint64_t)m->window)
			m->ends[kept++] = m->ends[i];
	}
	m->end_count = kept;
}

int yb_lag_monitor_observe(yb_lag_monitor *m, int64_t now_ms, yb_group_info *groups,
			   size_t group_count, yb_partition_lag *parts, size_t part_count)
{
	m->observation++;
	for (size_t i = 0; i < part_count; i++) {
		if (parts[i].group < 0 || (size_t)parts[i].group >= group_count)
			continue;
		if (judge_partition(m, now_ms, &groups[parts[i].group], &parts[i]) != YB_OK)
			return YB_ENOMEM;
	}
	for (size_t g = 0; g < group_count; g++)
		judge_group(&groups[g], (int)g, parts, part_count);
	forget_unseen(m);
	return YB_OK;
}
