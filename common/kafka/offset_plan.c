/* Reset plans and their text forms; see offset_plan.h. */
#include "kafka/offset_plan.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

void yb_offset_plan_free(yb_offset_plan *plan)
{
	free(plan->items);
	plan->items = NULL;
	plan->count = plan->cap = 0;
}

yb_offset_reset *yb_offset_plan_find(const yb_offset_plan *plan, const char *topic,
				     int32_t partition)
{
	/* Linear: plans hold a few hundred partitions at most. */
	for (size_t i = 0; i < plan->count; i++) {
		if (plan->items[i].partition == partition &&
		    strcmp(plan->items[i].topic, topic) == 0)
			return &plan->items[i];
	}
	return NULL;
}

int yb_offset_plan_put(yb_offset_plan *plan, const char *topic, int32_t partition, int64_t target)
{
	yb_offset_reset *r = yb_offset_plan_find(plan, topic, partition);
	size_t topic_len = strlen(topic);

	if (topic_len == 0 || topic_len >= sizeof(r->topic))
		return YB_EINVAL;
	if (r == NULL) {
		if (plan->count == plan->cap) {
			size_t grown_cap = plan->cap == 0 ? 32 : plan->cap * 2;
			yb_offset_reset *grown = realloc(plan->items, grown_cap * sizeof(*grown));

			if (grown == NULL)
				return YB_ENOMEM;
			plan->items = grown;
			plan->cap = grown_cap;
		}
		r = &plan->items[plan->count++];
		memset(r, 0, sizeof(*r));
		memcpy(r->topic, topic, topic_len + 1);
		r->partition = partition;
		r->current = -1;
	}
	r->target = target;
	return YB_OK;
}

static int by_topic_partition(const void *a, const void *b)
{
	const yb_offset_reset *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);

	if (c != 0)
		return c;
	return x->partition < y->partition ? -1 : x->partition > y->partition;
}

void yb_offset_plan_sort(yb_offset_plan *plan)
{
	if (plan->count > 1)
		qsort(plan->items, plan->count, sizeof(plan->items[0]), by_topic_partition);
}

/* Decimal digits only (no sign, no spaces), at most max; the whole text. */
static int parse_count(const char *text, size_t len, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (len == 0)
		return YB_EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9' || v > (max - (text[i] - '0')) / 10)
			return YB_EINVAL;
		v = v * 10 + (text[i] - '0');
	}
	*out = v;
	return YB_OK;
}

int yb_offset_plan_add_topic_arg(yb_offset_plan *plan, const char *arg, char *errstr, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t topic_len = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
	char topic[sizeof(plan->items[0].topic)];
	int rc = YB_OK;

	if (topic_len == 0 || topic_len >= sizeof(topic)) {
		snprintf(errstr, errlen, "'%s' is not a topic (TOPIC or TOPIC:0,1,2)", arg);
		return YB_EINVAL;
	}
	memcpy(topic, arg, topic_len);
	topic[topic_len] = '\0';
	if (colon == NULL)
		return yb_offset_plan_put(plan, topic, YB_ALL_PARTITIONS, -1);
	for (const char *p = colon + 1; rc == YB_OK;) {
		size_t n = strcspn(p, ",");
		int64_t partition;

		if (parse_count(p, n, INT32_MAX, &partition) != YB_OK) {
			snprintf(errstr, errlen, "'%s': '%.*s' is not a partition (TOPIC:0,1,2)",
				 arg, (int)n, p);
			return YB_EINVAL;
		}
		rc = yb_offset_plan_put(plan, topic, (int32_t)partition, -1);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (rc != YB_OK)
		snprintf(errstr, errlen, "%s", yb_strerror(rc));
	return rc;
}

/*
 * Split a CSV line of len bytes into at most max fields, unquoting "..." ("" inside is a
 * quote): each a NUL-terminated string in buf, which holds at least 2 * len + 2 bytes.
 * Returns the number of fields, or -1 (a quote left open, text after a closing quote, too
 * many fields).
 */
static int csv_fields(const char *line, size_t len, char *buf, char **fields, int max)
{
	size_t i = 0;
	int n = 0;
	char *out = buf;

	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = out;
		if (i < len && line[i] == '"') {
			for (i++;; i++) {
				if (i >= len)
					return -1;
				if (line[i] == '"' && (i + 1 >= len || line[i + 1] != '"'))
					break;
				i += line[i] == '"'; /* "" is one quote */
				*out++ = line[i];
			}
			if (++i < len && line[i] != ',')
				return -1;
		} else {
			while (i < len && line[i] != ',')
				*out++ = line[i++];
		}
		*out++ = '\0';
		if (i >= len)
			return n;
		i++;
	}
}

/* One line's fields (3: topic, partition, offset; 4: group first) into the plan when the
 * line is group's. */
static int take_csv_line(yb_offset_plan *plan, char **f, int n, const char *group, int *taken,
			 char *errstr, size_t errlen)
{
	int64_t partition, offset;
	int rc;

	if (n == 4 && strcmp(f[0], group) != 0)
		return YB_OK;
	f += n - 3;
	if (parse_count(f[1], strlen(f[1]), INT32_MAX, &partition) != YB_OK) {
		snprintf(errstr, errlen, "'%s' is not a partition", f[1]);
		return YB_EPARSE;
	}
	if (parse_count(f[2], strlen(f[2]), INT64_MAX, &offset) != YB_OK) {
		snprintf(errstr, errlen, "'%s' is not an offset (0 or more)", f[2]);
		return YB_EPARSE;
	}
	rc = yb_offset_plan_put(plan, f[0], (int32_t)partition, offset);
	if (rc == YB_EINVAL)
		snprintf(errstr, errlen, "'%s' is not a topic", f[0]);
	*taken += rc == YB_OK;
	return rc == YB_EINVAL ? YB_EPARSE : rc;
}

int yb_offset_plan_read_csv(yb_offset_plan *plan, const char *text, size_t len, const char *group,
			    char *errstr, size_t errlen)
{
	char *buf = malloc(2 * len + 2), *f[5];
	char reason[300];
	int columns = 0, taken = 0, rc = buf != NULL ? YB_OK : YB_ENOMEM;
	size_t line_no = 0;

	for (size_t start = 0; start < len && rc == YB_OK; line_no++) {
		const char *line = text + start, *nl = memchr(line, '\n', len - start);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - start;
		int fields;

		start += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		fields = csv_fields(line, n, buf, f, 5);
		if (fields != 3 && fields != 4) {
			snprintf(reason, sizeof(reason),
				 "not topic,partition,offset nor group,topic,partition,offset");
			rc = YB_EPARSE;
		} else if (columns != 0 && fields != columns) {
			snprintf(reason, sizeof(reason), "%d fields where the first line has %d",
				 fields, columns);
			rc = YB_EPARSE;
		} else {
			columns = fields;
			rc = take_csv_line(plan, f, fields, group, &taken, reason, sizeof(reason));
		}
		if (rc == YB_EPARSE)
			snprintf(errstr, errlen, "line %zu: %s", line_no + 1, reason);
	}
	free(buf);
	if (rc == YB_OK && taken == 0) {
		if (columns == 4)
			snprintf(errstr, errlen, "no line for group %s", group);
		else
			snprintf(errstr, errlen, "no partitions in the plan");
		rc = YB_ENOTFOUND;
	}
	return rc;
}

int yb_offset_plan_write_csv(const yb_offset_plan *plan, FILE *out)
{
	/* Topic names ([a-zA-Z0-9._-]) never need quoting, as Kafka's CSV writer finds too. */
	for (size_t i = 0; i < plan->count; i++)
		fprintf(out, "%s,%" PRId32 ",%" PRId64 "\n", plan->items[i].topic,
			plan->items[i].partition, plan->items[i].target);
	return fflush(out) == 0 && !ferror(out) ? YB_OK : YB_EIO;
}
