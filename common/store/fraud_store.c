/* The fraud store in Redis; see fraud_store.h. */
#include "store/fraud_store.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/record.h"
#include "base/error.h"

#define DAY_S 86400

/*
 * Count a claim on its institution's day, once: KEYS days hash, the day's seen set. ARGV:
 * day, claim_id, rejected, outlier ("1"/"0"), raised the rejection anomaly ("1"/"0"),
 * claim hash, TTL seconds, ids kept per kind, the oldest day kept, raised the outlier
 * anomaly ("1"/"0"). A new day prunes the days before the oldest kept.
 */
static const char day_source[] =
    "local d = ARGV[1]\n"
    "if redis.call('SADD', KEYS[2], ARGV[2]) == 1 then\n"
    "  if redis.call('HINCRBY', KEYS[1], d .. ':n', 1) == 1 then\n"
    "    for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do\n"
    "      local kd = tonumber(string.match(k, '^(-?%d+):'))\n"
    "      if kd and kd < tonumber(ARGV[9]) then redis.call('HDEL', KEYS[1], k) end\n"
    "    end\n"
    "  end\n"
    "  for i, kind in ipairs({'r', 'o'}) do\n"
    "    if ARGV[2 + i] == '1' then\n"
    "      local c = redis.call('HINCRBY', KEYS[1], d .. ':' .. kind, 1)\n"
    "      if c <= tonumber(ARGV[8]) then\n"
    "        local f = d .. ':' .. kind .. 'i'\n"
    "        local ids = redis.call('HGET', KEYS[1], f)\n"
    "        redis.call('HSET', KEYS[1], f, ids and (ids .. '\\n' .. ARGV[2]) or ARGV[2])\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if ARGV[5] == '1' then redis.call('HSETNX', KEYS[1], d .. ':ra', ARGV[6]) end\n"
    "if ARGV[10] == '1' then redis.call('HSETNX', KEYS[1], d .. ':oa', ARGV[6]) end\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[7])\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[7])\n"
    "return 0\n";

struct yb_fraud_store {
	yb_redis *redis;
	yb_member_key *key; /* NULL: member ids in clear */
	char prefix[64];
	yb_fraud_params params;
	int64_t join_ttl_s;
	yb_redis_script day;
	/* the claim-id counts of the members queued for reading, in order */
	size_t *shapes;
	size_t shape_count, shape_next, shape_cap;
	/* replies held until yb_fraud_store_reset */
	yb_redis_held held;
	/* the members queued, and the window entries their reads dropped (into held replies) */
	const char **queued_members;
	size_t queued_cap;
	const char **dropped;
	size_t *dropped_member;
	size_t dropped_count, dropped_cap, dropped_member_cap;
	yb_buf scratch;
	/* a member read's HMGET: its fields and argv, reused */
	yb_buf fields;
	const char **argv;
	size_t argv_cap;
};

int yb_fraud_store_new(yb_fraud_store **out, yb_redis *redis, const char *prefix,
		       yb_member_key *key, const yb_fraud_params *params, int64_t join_ttl_s)
{
	yb_fraud_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (st == NULL)
		return YB_ENOMEM;
	st->redis = redis;
	st->key = key;
	snprintf(st->prefix, sizeof(st->prefix), "%s", prefix);
	st->params = *params;
	st->join_ttl_s = join_ttl_s;
	st->day.source = day_source;
	*out = st;
	return YB_OK;
}

void yb_fraud_store_destroy(yb_fraud_store *st)
{
	if (st == NULL)
		return;
	yb_fraud_store_reset(st);
	yb_redis_held_free(&st->held);
	free(st->shapes);
	free(st->queued_members);
	free(st->dropped);
	free(st->dropped_member);
	yb_buf_free(&st->scratch);
	yb_buf_free(&st->fields);
	free(st->argv);
	free(st);
}

int yb_fraud_store_prepare(yb_fraud_store *st, char *errstr, size_t errlen)
{
	if (st->day.sha[0] != '\0')
		return YB_OK;
	return yb_redis_script_load(st->redis, &st->day, errstr, errlen);
}

void yb_fraud_store_reconnected(yb_fraud_store *st)
{
	yb_fraud_store_reset(st);
	st->day.sha[0] = '\0';
}

void yb_fraud_store_reset(yb_fraud_store *st)
{
	yb_redis_held_release(&st->held);
	st->shape_count = st->shape_next = 0;
	st->dropped_count = 0;
}

/* <prefix>{m:<member>}<suffix> (store/member_key.h): YB_OK or an error. */
static int member_key(const yb_fraud_store *st, char *out, size_t len, const char *member_id,
		      const char *suffix)
{
	int n = yb_member_key_format(st->key, out, len, st->prefix, member_id, suffix);

	return n < 0 ? n : YB_OK;
}

static void institution_key(const yb_fraud_store *st, char *out, size_t len,
			    const char *institution_id, const char *suffix)
{
	snprintf(out, len, "%s{i:%s}%s", st->prefix, institution_id, suffix);
}

static int command(yb_fraud_store *st, int argc, const char *const *argv, const size_t *lens)
{
	return yb_redis_append_command(st->redis, argc, argv, lens);
}

static int expire(yb_fraud_store *st, const char *key, int64_t seconds)
{
	char ttl[24];
	const char *argv[] = {"EXPIRE", key, ttl};

	snprintf(ttl, sizeof(ttl), "%" PRId64, seconds > 0 ? seconds : 1);
	return command(st, 3, argv, NULL);
}

/* --- reads ------------------------------------------------------------------------------- */

int yb_fraud_store_queue_member(yb_fraud_store *st, const char *member_id,
				const char *const *claim_ids, size_t n)
{
	char key[320];
	int rc;

	if (yb_array_grow((void **)&st->shapes, &st->shape_cap, st->shape_count + 1,
			  sizeof(size_t)) != 0 ||
	    yb_array_grow((void **)&st->queued_members, &st->queued_cap, st->shape_count + 1,
			  sizeof(*st->queued_members)) != 0)
		return YB_ENOMEM;
	st->queued_members[st->shape_count] = member_id;
	st->shapes[st->shape_count++] = n;
	rc = member_key(st, key, sizeof(key), member_id, ":fw");
	if (rc == YB_OK) {
		const char *hgetall[] = {"HGETALL", key};

		rc = command(st, 2, hgetall, NULL);
	}
	if (rc != YB_OK || n == 0)
		return rc;
	/* The fields "c:ID", "s:ID", "r:ID", "a:ID" laid end to end in a buffer the store
	 * keeps, then pointed at: no allocation per member once the buffers have grown. */
	st->fields.len = 0;
	for (size_t i = 0; i < YB_FRAUD_JOIN_SIDES * n; i++) {
		size_t len = strlen(claim_ids[i / YB_FRAUD_JOIN_SIDES]);
		uint8_t *p;

		if (yb_buf_reserve(&st->fields, len + 3) != 0)
			return YB_ENOMEM;
		p = st->fields.data + st->fields.len;
		p[0] = (uint8_t) "csra"[i % YB_FRAUD_JOIN_SIDES];
		p[1] = ':';
		memcpy(p + 2, claim_ids[i / YB_FRAUD_JOIN_SIDES], len);
		p[len + 2] = '\0';
		st->fields.len += len + 3;
	}
	if (yb_array_grow((void **)&st->argv, &st->argv_cap, YB_FRAUD_JOIN_SIDES * n + 2,
			  sizeof(*st->argv)) != 0)
		return YB_ENOMEM;
	rc = member_key(st, key, sizeof(key), member_id, ":fj");
	if (rc != YB_OK)
		return rc;
	st->argv[0] = "HMGET";
	st->argv[1] = key;
	for (size_t i = 0, at = 0; i < YB_FRAUD_JOIN_SIDES * n; i++) {
		st->argv[i + 2] = (const char *)st->fields.data + at;
		at += strlen(st->argv[i + 2]) + 1;
	}
	return command(st, (int)(YB_FRAUD_JOIN_SIDES * n + 2), st->argv, NULL);
}

static void pending_of(const redisReply *r, yb_fraud_pending *out)
{
	memset(out, 0, sizeof(*out));
	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len <= 16)
		return;
	out->offset = (int64_t)yb_le64_get((const uint8_t *)r->str);
	out->time_ms = (int64_t)yb_le64_get((const uint8_t *)r->str + 8);
	out->bytes = (const uint8_t *)r->str + 16;
	out->len = r->len - 16;
}

int yb_fraud_store_read_member(yb_fraud_store *st, yb_fraud_window *w, int32_t window_days,
			       yb_fraud_pending *claims, yb_fraud_pending *settlements,
			       yb_fraud_pending *reversals, yb_fraud_pending *results, char *errstr,
			       size_t errlen)
{
	redisReply *window, *join = NULL;
	size_t n, member;
	int rc;

	if (st->shape_next >= st->shape_count) {
		snprintf(errstr, errlen, "fraud store: no member queued");
		return YB_EINVAL;
	}
	member = st->shape_next;
	n = st->shapes[st->shape_next++];
	if (st->shape_next == st->shape_count)
		st->shape_next = st->shape_count = 0;
	rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &window, errstr, errlen);
	if (rc == YB_OK && n > 0)
		rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &join, errstr,
					errlen);
	if (rc != YB_OK)
		return rc;
	for (size_t i = 0; i + 1 < window->elements; i += 2) {
		const redisReply *v = window->element[i + 1];
		yb_fraud_visit visit;

		if (v->type != REDIS_REPLY_STRING ||
		    yb_fraud_visit_unpack((const uint8_t *)v->str, v->len, &visit) != 0) {
			snprintf(errstr, errlen,
				 "redis: a fraud window entry is not of this build's format");
			return YB_EIO;
		}
		if (yb_fraud_window_put(w, &visit, window_days) != YB_OK)
			return YB_ENOMEM;
	}
	/* What the window did not keep is deleted with the batch's writes. */
	for (size_t i = 0; i + 1 < window->elements; i += 2) {
		const redisReply *field = window->element[i];
		bool kept = false;

		for (int k = 0; k < w->count && !kept; k++)
			kept = field->type == REDIS_REPLY_STRING &&
			       strcmp(w->visits[k].claim_id, field->str) == 0;
		if (kept || field->type != REDIS_REPLY_STRING)
			continue;
		if (yb_array_grow((void **)&st->dropped, &st->dropped_cap, st->dropped_count + 1,
				  sizeof(*st->dropped)) != 0 ||
		    yb_array_grow((void **)&st->dropped_member, &st->dropped_member_cap,
				  st->dropped_count + 1, sizeof(size_t)) != 0)
			return YB_ENOMEM;
		st->dropped[st->dropped_count] = field->str;
		st->dropped_member[st->dropped_count++] = member;
	}
	for (size_t i = 0; i < n; i++) {
		yb_fraud_pending *side[YB_FRAUD_JOIN_SIDES] = {&claims[i], &settlements[i],
							       &reversals[i], &results[i]};

		for (size_t k = 0; k < YB_FRAUD_JOIN_SIDES; k++) {
			size_t at = YB_FRAUD_JOIN_SIDES * i + k;

			pending_of(join != NULL && at < join->elements ? join->element[at] : NULL,
				   side[k]);
		}
	}
	return YB_OK;
}

int yb_fraud_store_queue_pruned(yb_fraud_store *st)
{
	char key[320];
	int replies = 0;

	for (size_t i = 0; i < st->dropped_count; i++) {
		const char *argv[] = {"HDEL", key, st->dropped[i]};

		if (member_key(st, key, sizeof(key), st->queued_members[st->dropped_member[i]],
			       ":fw") != YB_OK)
			return YB_EINVAL;
		if (command(st, 3, argv, NULL) != YB_OK)
			return YB_ENOMEM;
		replies++;
	}
	st->dropped_count = 0;
	return replies;
}

int yb_fraud_store_queue_group(yb_fraud_store *st, const char *institution_id,
			       const char *group_key)
{
	char key[512], suffix[300];
	const char *argv[] = {"ZRANGE", key, "0", "-1"};

	snprintf(suffix, sizeof(suffix), ":g:%s", group_key);
	institution_key(st, key, sizeof(key), institution_id, suffix);
	return command(st, 4, argv, NULL);
}

int yb_fraud_store_read_group(yb_fraud_store *st, yb_fraud_group *g, char *errstr, size_t errlen)
{
	redisReply *r;
	int rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &r, errstr, errlen);

	g->count = 0;
	for (size_t i = 0; rc == YB_OK && i < r->elements; i++) {
		const redisReply *e = r->element[i];
		yb_fraud_sample s;

		if (e->type != REDIS_REPLY_STRING ||
		    yb_fraud_sample_unpack((const uint8_t *)e->str, e->len, &s) != 0) {
			snprintf(errstr, errlen,
				 "redis: an amount sample is not of this build's format");
			return YB_EIO;
		}
		yb_fraud_group_put(g, &s, st->params.outlier_days, st->params.outlier_max_samples);
	}
	return rc;
}

int yb_fraud_store_queue_institution(yb_fraud_store *st, const char *institution_id)
{
	char key[320];
	const char *argv[] = {"HGETALL", key};

	institution_key(st, key, sizeof(key), institution_id, ":days");
	return command(st, 2, argv, NULL);
}

/* "a\nb\nc" into the day's ids of kind k. */
static void load_ids(yb_fraud_day *d, int k, const char *text)
{
	while (*text != '\0' && d->id_count[k] < YB_FRAUD_DAY_IDS) {
		size_t n = strcspn(text, "\n");

		if (n > 0 && n < YB_FRAUD_ID_LEN)
			snprintf(d->ids[k][d->id_count[k]++], YB_FRAUD_ID_LEN, "%.*s", (int)n,
				 text);
		text += n;
		if (*text == '\n')
			text++;
	}
}

int yb_fraud_store_read_institution(yb_fraud_store *st, yb_fraud_institution *in, char *errstr,
				    size_t errlen)
{
	redisReply *r;
	int rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &r, errstr, errlen);

	for (size_t i = 0; rc == YB_OK && i + 1 < r->elements; i += 2) {
		const redisReply *f = r->element[i], *v = r->element[i + 1];
		char *end;
		long day;
		yb_fraud_day *d;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		day = strtol(f->str, &end, 10);
		if (*end != ':' || (d = yb_fraud_institution_day(in, (int32_t)day)) == NULL)
			continue;
		end++;
		if (strcmp(end, "n") == 0)
			d->n = (int32_t)strtol(v->str, NULL, 10);
		else if (strcmp(end, "r") == 0)
			d->count[YB_FRAUD_RATE_REJECTED] = (int32_t)strtol(v->str, NULL, 10);
		else if (strcmp(end, "o") == 0)
			d->count[YB_FRAUD_RATE_OUTLIER] = (int32_t)strtol(v->str, NULL, 10);
		else if (strcmp(end, "ri") == 0)
			load_ids(d, YB_FRAUD_RATE_REJECTED, v->str);
		else if (strcmp(end, "oi") == 0)
			load_ids(d, YB_FRAUD_RATE_OUTLIER, v->str);
		else if (strcmp(end, "ra") == 0)
			d->raised_by[YB_FRAUD_RATE_REJECTED] = strtoull(v->str, NULL, 10);
		else if (strcmp(end, "oa") == 0)
			d->raised_by[YB_FRAUD_RATE_OUTLIER] = strtoull(v->str, NULL, 10);
	}
	return rc;
}

/* --- writes ------------------------------------------------------------------------------ */

int yb_fraud_store_queue_pending(yb_fraud_store *st, const char *member_id, const char *claim_id,
				 char side, const yb_fraud_pending *p)
{
	char key[320], field[160];
	const char *argv[4];
	size_t lens[4];
	int rc;

	st->scratch.len = 0;
	if (yb_buf_reserve(&st->scratch, 16 + p->len) != 0)
		return YB_ENOMEM;
	yb_le64_put(st->scratch.data, (uint64_t)p->offset);
	yb_le64_put(st->scratch.data + 8, (uint64_t)p->time_ms);
	memcpy(st->scratch.data + 16, p->bytes, p->len);
	if (member_key(st, key, sizeof(key), member_id, ":fj") != YB_OK)
		return YB_EINVAL;
	snprintf(field, sizeof(field), "%c:%s", side, claim_id);
	argv[0] = "HSETNX";
	argv[1] = key;
	argv[2] = field;
	argv[3] = (const char *)st->scratch.data;
	lens[0] = 6;
	lens[1] = strlen(key);
	lens[2] = strlen(field);
	lens[3] = 16 + p->len;
	rc = command(st, 4, argv, lens);
	if (rc == YB_OK)
		rc = expire(st, key, st->join_ttl_s);
	return rc == YB_OK ? 2 : rc;
}

int yb_fraud_store_queue_joined(yb_fraud_store *st, const char *member_id, const char *claim_id)
{
	char key[320], c[160], s[160], r[160], a[160];
	const char *argv[] = {"HDEL", key, c, s, r, a};

	if (member_key(st, key, sizeof(key), member_id, ":fj") != YB_OK)
		return YB_EINVAL;
	snprintf(c, sizeof(c), "c:%s", claim_id);
	snprintf(s, sizeof(s), "s:%s", claim_id);
	snprintf(r, sizeof(r), "r:%s", claim_id);
	snprintf(a, sizeof(a), "a:%s", claim_id);
	return command(st, 6, argv, NULL) == YB_OK ? 1 : YB_ENOMEM;
}

int yb_fraud_store_queue_visit(yb_fraud_store *st, const char *member_id, const yb_fraud_visit *v)
{
	char key[320];
	uint8_t packed[512];
	size_t n = yb_fraud_visit_pack(v, packed, sizeof(packed));
	const char *argv[] = {"HSET", key, v->claim_id, (const char *)packed};
	size_t lens[4];
	int rc = member_key(st, key, sizeof(key), member_id, ":fw");

	if (rc != YB_OK)
		return rc;
	lens[0] = 4;
	lens[1] = strlen(key);
	lens[2] = strlen(v->claim_id);
	lens[3] = n;
	rc = command(st, 4, argv, lens);
	if (rc == YB_OK)
		rc = expire(st, key, (int64_t)st->params.member_window_days * DAY_S);
	return rc == YB_OK ? 2 : rc;
}

static int queue_sample(yb_fraud_store *st, const yb_fraud_result *r)
{
	char key[512], suffix[300], score[24], oldest[24], keep[24];
	uint8_t packed[64];
	size_t n = yb_fraud_sample_pack(&r->sample, packed, sizeof(packed));
	int rc;

	snprintf(suffix, sizeof(suffix), ":g:%s", r->group_key);
	institution_key(st, key, sizeof(key), r->visit.institution_id, suffix);
	snprintf(score, sizeof(score), "%" PRId32, r->sample.day);
	{
		const char *argv[] = {"ZADD", key, score, (const char *)packed};
		size_t lens[] = {4, strlen(key), strlen(score), n};

		rc = command(st, 4, argv, lens);
	}
	/* The window by day, then the newest max_samples (the highest scores). */
	snprintf(oldest, sizeof(oldest), "(%" PRId32, r->sample.day - st->params.outlier_days);
	if (rc == YB_OK) {
		const char *argv[] = {"ZREMRANGEBYSCORE", key, "-inf", oldest};

		rc = command(st, 4, argv, NULL);
	}
	snprintf(keep, sizeof(keep), "%d", -st->params.outlier_max_samples - 1);
	if (rc == YB_OK) {
		const char *argv[] = {"ZREMRANGEBYRANK", key, "0", keep};

		rc = command(st, 4, argv, NULL);
	}
	if (rc == YB_OK)
		rc = expire(st, key, (int64_t)st->params.outlier_days * DAY_S);
	return rc == YB_OK ? 4 : rc;
}

static int queue_day(yb_fraud_store *st, const yb_fraud_result *r)
{
	char days[320], seen[320], suffix[40], day[16], hash[24], ttl[24], ids[8], oldest[16];
	const char *keys[] = {days, seen};
	const char *args[10];
	int32_t kept = st->params.anomaly_baseline_days + 7;

	institution_key(st, days, sizeof(days), r->visit.institution_id, ":days");
	snprintf(suffix, sizeof(suffix), ":seen:%" PRId32, r->visit.from_day);
	institution_key(st, seen, sizeof(seen), r->visit.institution_id, suffix);
	snprintf(day, sizeof(day), "%" PRId32, r->visit.from_day);
	snprintf(hash, sizeof(hash), "%" PRIu64,
		 yb_fraud_hash(r->visit.claim_id, YB_FRAUD_HASH_SEED));
	snprintf(ttl, sizeof(ttl), "%" PRId64, (int64_t)kept * DAY_S);
	snprintf(ids, sizeof(ids), "%d", YB_FRAUD_DAY_IDS);
	snprintf(oldest, sizeof(oldest), "%" PRId32, r->visit.from_day - kept);
	args[0] = day;
	args[1] = r->visit.claim_id;
	args[2] = r->visit.rejected ? "1" : "0";
	args[3] = r->outlier ? "1" : "0";
	args[4] = r->raised_anomaly[YB_FRAUD_RATE_REJECTED] ? "1" : "0";
	args[5] = hash;
	args[6] = ttl;
	args[7] = ids;
	args[8] = oldest;
	args[9] = r->raised_anomaly[YB_FRAUD_RATE_OUTLIER] ? "1" : "0";
	return yb_redis_append_eval(st->redis, &st->day, 2, keys, 10, args, NULL) == YB_OK
		   ? 1
		   : YB_ENOMEM;
}

int yb_fraud_store_queue_result(yb_fraud_store *st, const char *member_id, const yb_fraud_result *r)
{
	int total = 0, n;

	if (r->skipped)
		return 0;
	n = yb_fraud_store_queue_visit(st, member_id, &r->visit);
	if (n < 0)
		return n;
	total += n;
	if (r->sampled) {
		if ((n = queue_sample(st, r)) < 0)
			return n;
		total += n;
	}
	if (r->counted) {
		if ((n = queue_day(st, r)) < 0)
			return n;
		total += n;
	}
	return total;
}

int yb_fraud_store_queue_multi(yb_fraud_store *st)
{
	const char *argv[] = {"MULTI"};

	return command(st, 1, argv, NULL) == YB_OK ? 1 : YB_ENOMEM;
}

int yb_fraud_store_queue_exec(yb_fraud_store *st)
{
	const char *argv[] = {"EXEC"};

	return command(st, 1, argv, NULL) == YB_OK ? 1 : YB_ENOMEM;
}

int yb_fraud_store_sync(yb_fraud_store *st, size_t replies, char *errstr, size_t errlen)
{
	return yb_redis_sync(st->redis, replies, errstr, errlen);
}
