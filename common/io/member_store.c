/* The member store in Redis; see member_store.h. */
#include "io/member_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/log.h"
#include "rules/error.h"

#define YEAR_FORMAT 1 /* first byte of a stored yb_year_acc */

/*
 * KEYS: claims hash, accumulators hash. ARGV: claim_id, "c" (claim) or "r" (reversal),
 * expected version, packed claim state, year field, year accumulators ("" when the member
 * has none for that year: nothing is written), personal account.
 * Returns 0 applied, 1 already recorded, 2 the member moved (read again).
 * Byte 2 of a packed claim state is 1 once the claim is reversed (ledger.h).
 */
static const char apply_source[] =
    "if ARGV[2] == 'c' then\n"
    "  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end\n"
    "else\n"
    "  local rec = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "  if not rec then return 2 end\n"
    "  if string.byte(rec, 2) == 1 then return 1 end\n"
    "end\n"
    "local v = tonumber(redis.call('HGET', KEYS[2], 'v') or '0')\n"
    "if v ~= tonumber(ARGV[3]) then return 2 end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])\n"
    "if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], ARGV[5], ARGV[6]) end\n"
    "redis.call('HSET', KEYS[2], 'pa', ARGV[7], 'v', v + 1)\n"
    "return 0\n";

struct yb_member_store {
	yb_redis *redis;
	char prefix[64];
	yb_redis_script apply;
	/* the claim counts of the members queued for reading, in order */
	size_t *shapes;
	size_t shape_count, shape_next, shape_cap;
	/* replies held until yb_member_store_reset */
	yb_redis_held held;
	/* arrays handed out by read_member, reused */
	yb_store_event *events;
	size_t events_cap;
	yb_member_year *years;
	size_t years_cap;
	const uint8_t **claims;
	size_t *claim_lens;
	size_t claims_cap, claim_lens_cap;
	yb_buf scratch;
	yb_buf year_blob;
};

int yb_member_store_new(yb_member_store **out, yb_redis *redis, const char *prefix)
{
	yb_member_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (st == NULL)
		return YB_ENOMEM;
	st->redis = redis;
	snprintf(st->prefix, sizeof(st->prefix), "%s", prefix);
	st->apply.source = apply_source;
	*out = st;
	return YB_OK;
}

void yb_member_store_destroy(yb_member_store *st)
{
	if (st == NULL)
		return;
	yb_member_store_reset(st);
	yb_redis_held_free(&st->held);
	free(st->shapes);
	free(st->events);
	free(st->years);
	free(st->claims);
	free(st->claim_lens);
	yb_buf_free(&st->scratch);
	yb_buf_free(&st->year_blob);
	free(st);
}

void yb_member_store_reconnected(yb_member_store *st)
{
	st->apply.sha[0] = '\0';
	yb_member_store_reset(st);
}

int yb_member_store_prepare(yb_member_store *st, char *errstr, size_t errlen)
{
	if (st->apply.sha[0] != '\0')
		return YB_OK;
	return yb_redis_script_load(st->redis, &st->apply, errstr, errlen);
}

/* The key <prefix>{m:<member_id>}<suffix> into buf. */
static void member_key(const yb_member_store *st, char *buf, size_t size, const char *member_id,
		       const char *suffix)
{
	snprintf(buf, size, "%s{m:%s}%s", st->prefix, member_id, suffix);
}

int yb_member_store_queue_event(yb_member_store *st, const char *member_id, int64_t time_ms,
				int rank, const void *bytes, size_t len)
{
	char key[320], score[32];
	const char *argv[] = {"ZADD", key, score, bytes};
	size_t lens[4];

	member_key(st, key, sizeof(key), member_id, ":ev");
	snprintf(score, sizeof(score), "%" PRId64, time_ms * 4 + rank);
	lens[0] = 4;
	lens[1] = strlen(key);
	lens[2] = strlen(score);
	lens[3] = len;
	return yb_redis_append_command(st->redis, 4, argv, lens);
}

int yb_member_store_queue_progress(yb_member_store *st, const char *topic, int32_t partition,
				   int64_t next_offset)
{
	char key[320], value[32];
	const char *argv[] = {"SET", key, value};

	snprintf(key, sizeof(key), "%sprogress:%s:%d", st->prefix, topic, (int)partition);
	snprintf(value, sizeof(value), "%" PRId64, next_offset);
	return yb_redis_append_command(st->redis, 3, argv, NULL);
}

int yb_member_store_queue_progress_read(yb_member_store *st, const char *topic, int count)
{
	for (int p = 0; p < count; p++) {
		char key[320];
		const char *argv[] = {"GET", key};
		int rc;

		snprintf(key, sizeof(key), "%sprogress:%s:%d", st->prefix, topic, p);
		rc = yb_redis_append_command(st->redis, 2, argv, NULL);
		if (rc != YB_OK)
			return rc;
	}
	return YB_OK;
}

int yb_member_store_read_progress(yb_member_store *st, int count, int64_t *next, char *errstr,
				  size_t errlen)
{
	int rc = YB_OK;

	for (int p = 0; p < count; p++) {
		redisReply *r = NULL;
		int err = yb_redis_read_reply(st->redis, &r, errstr, errlen);

		if (err != YB_OK)
			return err;
		if (r->type == REDIS_REPLY_STRING)
			next[p] = strtoll(r->str, NULL, 10);
		else if (r->type == REDIS_REPLY_NIL)
			next[p] = -1;
		else {
			snprintf(errstr, errlen, "progress: unexpected reply %s",
				 r->type == REDIS_REPLY_ERROR ? r->str : "type");
			rc = YB_EIO;
		}
		yb_redis_reply_free(r);
	}
	return rc;
}

int yb_member_store_sync(yb_member_store *st, size_t replies, char *errstr, size_t errlen)
{
	return yb_redis_sync(st->redis, replies, errstr, errlen);
}

int yb_member_store_queue_member(yb_member_store *st, const char *member_id,
				 const char *const *claim_ids, size_t n)
{
	char key[320];
	int rc;

	if (yb_array_grow((void **)&st->shapes, &st->shape_cap, st->shape_count + 1,
			  sizeof(size_t)) != 0)
		return YB_ENOMEM;
	st->shapes[st->shape_count++] = n;
	member_key(st, key, sizeof(key), member_id, ":ev");
	{
		const char *argv[] = {"ZRANGE", key, "0", "-1", "WITHSCORES"};

		rc = yb_redis_append_command(st->redis, 5, argv, NULL);
	}
	member_key(st, key, sizeof(key), member_id, ":acc");
	if (rc == YB_OK) {
		const char *argv[] = {"HGETALL", key};

		rc = yb_redis_append_command(st->redis, 2, argv, NULL);
	}
	if (rc == YB_OK && n > 0) {
		const char *fixed[64];
		const char **argv = n + 2 <= 64 ? fixed : malloc((n + 2) * sizeof(*argv));

		if (argv == NULL)
			return YB_ENOMEM;
		member_key(st, key, sizeof(key), member_id, ":claims");
		argv[0] = "HMGET";
		argv[1] = key;
		for (size_t i = 0; i < n; i++)
			argv[i + 2] = claim_ids[i];
		rc = yb_redis_append_command(st->redis, (int)(n + 2), argv, NULL);
		if (argv != fixed)
			free(argv);
	}
	return rc;
}

static int parse_events(yb_member_store *st, const redisReply *r, yb_store_member *out,
			char *errstr, size_t errlen)
{
	size_t n = r->elements / 2;

	if (yb_array_grow((void **)&st->events, &st->events_cap, n, sizeof(*st->events)) != 0)
		return YB_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const redisReply *value = r->element[2 * i], *score = r->element[2 * i + 1];
		int64_t s;

		if (value->type != REDIS_REPLY_STRING || score->type != REDIS_REPLY_STRING) {
			snprintf(errstr, errlen, "redis: member events are not strings");
			return YB_EIO;
		}
		s = strtoll(score->str, NULL, 10);
		st->events[i].time_ms = s / 4;
		st->events[i].rank = (int)(s % 4);
		st->events[i].bytes = (const uint8_t *)value->str;
		st->events[i].len = value->len;
	}
	out->events = st->events;
	out->event_count = n;
	return YB_OK;
}

static int parse_acc(yb_member_store *st, const redisReply *r, yb_store_member *out, char *errstr,
		     size_t errlen)
{
	size_t n = 0;

	if (yb_array_grow((void **)&st->years, &st->years_cap, r->elements / 2 + 1,
			  sizeof(*st->years)) != 0)
		return YB_ENOMEM;
	out->version = 0;
	out->pa_spent_fen = 0;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *field = r->element[i], *value = r->element[i + 1];

		if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(field->str, "v") == 0) {
			out->version = strtoll(value->str, NULL, 10);
		} else if (strcmp(field->str, "pa") == 0) {
			out->pa_spent_fen = strtoll(value->str, NULL, 10);
		} else if (field->str[0] == 'y') {
			if (value->len != 1 + sizeof(yb_year_acc) ||
			    (uint8_t)value->str[0] != YEAR_FORMAT) {
				snprintf(errstr, errlen,
					 "redis: accumulators %s are not of this build's format "
					 "(run claimctl rebuild)",
					 field->str);
				return YB_EIO;
			}
			st->years[n].year = (int32_t)strtol(field->str + 1, NULL, 10);
			memcpy(&st->years[n].acc, value->str + 1, sizeof(yb_year_acc));
			n++;
		}
	}
	out->years = st->years;
	out->year_count = n;
	return YB_OK;
}

int yb_member_store_read_member(yb_member_store *st, yb_store_member *out, char *errstr,
				size_t errlen)
{
	redisReply *events, *acc, *claims = NULL;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st->shape_next >= st->shape_count) {
		snprintf(errstr, errlen, "member store: no member queued");
		return YB_EINVAL;
	}
	n = st->shapes[st->shape_next++];
	if (st->shape_next == st->shape_count)
		st->shape_next = st->shape_count = 0;
	rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &events, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &acc, errstr,
					errlen);
	if (rc == YB_OK && n > 0)
		rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &claims, errstr,
					errlen);
	if (rc != YB_OK)
		return rc;
	rc = parse_events(st, events, out, errstr, errlen);
	if (rc == YB_OK)
		rc = parse_acc(st, acc, out, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	if (yb_array_grow((void **)&st->claims, &st->claims_cap, n, sizeof(*st->claims)) != 0 ||
	    yb_array_grow((void **)&st->claim_lens, &st->claim_lens_cap, n, sizeof(size_t)) != 0)
		return YB_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const redisReply *c = i < claims->elements ? claims->element[i] : NULL;

		st->claims[i] =
		    c != NULL && c->type == REDIS_REPLY_STRING ? (const uint8_t *)c->str : NULL;
		st->claim_lens[i] = st->claims[i] != NULL ? c->len : 0;
	}
	out->claims = st->claims;
	out->claim_lens = st->claim_lens;
	out->claim_count = n;
	return YB_OK;
}

void yb_member_store_reset(yb_member_store *st)
{
	yb_redis_held_release(&st->held);
	st->shape_count = st->shape_next = 0;
}

static int year_blob(yb_member_store *st, const yb_year_acc *acc)
{
	st->year_blob.len = 0;
	if (yb_buf_reserve(&st->year_blob, 1 + sizeof(*acc)) != 0)
		return YB_ENOMEM;
	st->year_blob.data[0] = YEAR_FORMAT;
	memcpy(st->year_blob.data + 1, acc, sizeof(*acc));
	st->year_blob.len = 1 + sizeof(*acc);
	return YB_OK;
}

int yb_member_store_queue_apply(yb_member_store *st, const char *member_id, bool reversal,
				int64_t expected_version, const yb_claim_state *claim, int32_t year,
				const yb_year_acc *acc, int64_t pa_spent_fen)
{
	char claims_key[320], acc_key[320], version[32], year_field[16], pa[32];
	const char *keys[] = {claims_key, acc_key};
	const char *args[7];
	size_t lens[7];

	if (yb_claim_state_pack(claim, &st->scratch) != YB_OK)
		return YB_ENOMEM;
	st->year_blob.len = 0;
	if (acc != NULL && year_blob(st, acc) != YB_OK)
		return YB_ENOMEM;
	member_key(st, claims_key, sizeof(claims_key), member_id, ":claims");
	member_key(st, acc_key, sizeof(acc_key), member_id, ":acc");
	snprintf(version, sizeof(version), "%" PRId64, expected_version);
	snprintf(year_field, sizeof(year_field), "y%d", (int)year);
	snprintf(pa, sizeof(pa), "%" PRId64, pa_spent_fen);
	args[0] = claim->claim_id;
	args[1] = reversal ? "r" : "c";
	args[2] = version;
	args[3] = (const char *)st->scratch.data;
	args[4] = year_field;
	args[5] = acc != NULL ? (const char *)st->year_blob.data : "";
	args[6] = pa;
	for (int i = 0; i < 7; i++)
		lens[i] = strlen(args[i]);
	lens[3] = st->scratch.len;
	lens[5] = st->year_blob.len;
	return yb_redis_append_eval(st->redis, &st->apply, 2, keys, 7, args, lens);
}

int yb_member_store_read_apply(yb_member_store *st, char *errstr, size_t errlen)
{
	redisReply *r = NULL;
	int rc = yb_redis_read_reply(st->redis, &r, errstr, errlen);

	if (rc != YB_OK)
		return rc;
	if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0 && r->integer <= 2) {
		rc = (int)r->integer;
	} else if (yb_redis_reply_is_noscript(r)) {
		/* Redis restarted or flushed its scripts: load again and redo the batch. */
		st->apply.sha[0] = '\0';
		rc = YB_APPLY_CONFLICT;
	} else {
		snprintf(errstr, errlen, "redis apply: %s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		rc = YB_EIO;
	}
	yb_redis_reply_free(r);
	return rc;
}

int yb_member_store_queue_member_state(yb_member_store *st, const char *member_id, int64_t version,
				       int64_t pa_spent_fen, const yb_member_year *years,
				       size_t count)
{
	char key[320], v[32], pa[32];
	int rc;

	member_key(st, key, sizeof(key), member_id, ":acc");
	snprintf(v, sizeof(v), "%" PRId64, version);
	snprintf(pa, sizeof(pa), "%" PRId64, pa_spent_fen);
	{
		const char *argv[] = {"HSET", key, "v", v, "pa", pa};

		rc = yb_redis_append_command(st->redis, 6, argv, NULL);
	}
	for (size_t i = 0; rc == YB_OK && i < count; i++) {
		char field[16];
		const char *argv[] = {"HSET", key, field, NULL};
		size_t lens[4];

		if (year_blob(st, &years[i].acc) != YB_OK)
			return YB_ENOMEM;
		snprintf(field, sizeof(field), "y%d", (int)years[i].year);
		argv[3] = (const char *)st->year_blob.data;
		lens[0] = 4;
		lens[1] = strlen(key);
		lens[2] = strlen(field);
		lens[3] = st->year_blob.len;
		rc = yb_redis_append_command(st->redis, 4, argv, lens);
	}
	return rc;
}

int yb_member_store_queue_claim_state(yb_member_store *st, const yb_claim_state *claim)
{
	char key[320];
	const char *argv[] = {"HSET", key, claim->claim_id, NULL};
	size_t lens[4];

	if (yb_claim_state_pack(claim, &st->scratch) != YB_OK)
		return YB_ENOMEM;
	member_key(st, key, sizeof(key), claim->member_id, ":claims");
	argv[3] = (const char *)st->scratch.data;
	lens[0] = 4;
	lens[1] = strlen(key);
	lens[2] = strlen(claim->claim_id);
	lens[3] = st->scratch.len;
	return yb_redis_append_command(st->redis, 4, argv, lens);
}

void yb_member_store_fold(yb_ledger *ledger, yb_avro *avro, const char *member_id,
			  const yb_store_event *events, size_t count, size_t *next, int64_t time_ms,
			  char *arena, size_t arena_size)
{
	while (*next < count && events[*next].time_ms <= time_ms) {
		const yb_store_event *e = &events[(*next)++];
		yb_arena a;
		yb_record rec;
		const yb_settlement *none;
		char errstr[256];

		yb_arena_init(&a, arena, arena_size);
		if (yb_avro_decode(avro, e->bytes, e->len, &a, &rec, errstr, sizeof(errstr)) !=
			YB_OK ||
		    yb_ledger_apply(ledger, &rec, &none, errstr, sizeof(errstr)) < 0)
			YB_LOG(YB_LOG_WARN, "event_skipped", "{s:s, s:s}", "member_id", member_id,
			       "err", errstr);
	}
}
