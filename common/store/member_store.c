/* The member store in Redis; see member_store.h. */
#include "store/member_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/log.h"
#include "base/error.h"

#define YEAR_FORMAT  3  /* first byte of stored year accumulators: packed (rules/member.h) */
#define EVENT_HEADER 13 /* rank, partition, offset before an event's Avro bytes */

/*
 * KEYS: claims hash, accumulators hash, keep-until set, pending releases set. ARGV: claim_id, "c"
 * (claim) or "r" (reversal), expected version, packed claim state, year field, year accumulators
 * ("" when the member has none for that year: nothing is written), personal account, watermark,
 * purge day (records kept until before it are dropped), first year kept, keep_until.
 * Returns {0, dropped claim_ids...} applied, {1} already recorded, {2} the member moved
 * (read again). Byte 2 of a packed claim state is 1 once the claim is reversed (ledger.h).
 */
static const char apply_source[] =
    "if ARGV[2] == 'c' then\n"
    "  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {1} end\n"
    "else\n"
    "  local rec = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "  if not rec then return {2} end\n"
    "  if string.byte(rec, 2) == 1 then return {1} end\n"
    "end\n"
    "local v = tonumber(redis.call('HGET', KEYS[2], 'v') or '0')\n"
    "if v ~= tonumber(ARGV[3]) then return {2} end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])\n"
    "if ARGV[2] == 'c' then redis.call('ZADD', KEYS[3], ARGV[11], ARGV[1]) end\n"
    "if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], ARGV[5], ARGV[6]) end\n"
    "redis.call('HSET', KEYS[2], 'pa', ARGV[7], 'v', v + 1, 'w', ARGV[8])\n"
    "local out = {0}\n"
    "local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[9])\n"
    "for _, id in ipairs(gone) do\n"
    "  redis.call('HDEL', KEYS[1], id)\n"
    "  out[#out + 1] = id\n"
    "end\n"
    "if #gone > 0 then\n"
    "  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[9])\n"
    "  redis.call('SADD', KEYS[4], unpack(gone))\n"
    "end\n"
    "local first = tonumber(ARGV[10])\n"
    "for _, f in ipairs(redis.call('HKEYS', KEYS[2])) do\n"
    "  local y = string.match(f, '^y(%d+):')\n"
    "  if y and tonumber(y) < first then\n"
    "    redis.call('HDEL', KEYS[2], f)\n"
    "  end\n"
    "end\n"
    "return out\n";

/* Release a claim_id's registration if it is still this member's (KEYS: the registration;
 * ARGV: the member's token, as the registration holds it): a release repeated after a crash
 * must not free another member's. */
static const char release_source[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

struct yb_member_store {
	yb_redis *redis;
	yb_member_key *key; /* NULL: member ids in clear */
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
	/* registrations to release: member_id NUL claim_id NUL pairs, from the applies (the
	 * records they dropped) and from the members read (releases a crash left pending) */
	yb_buf dropped;
	size_t dropped_count;
	/* the members of the queued reads and applies, NUL-separated, in order */
	yb_buf read_members, apply_members;
	size_t read_at, apply_at;
	yb_buf scratch;
	yb_buf year_blob;
};

int yb_member_store_new(yb_member_store **out, yb_redis *redis, const char *prefix,
			yb_member_key *key)
{
	yb_member_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (st == NULL)
		return YB_ENOMEM;
	st->redis = redis;
	st->key = key;
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
	yb_buf_free(&st->dropped);
	yb_buf_free(&st->read_members);
	yb_buf_free(&st->apply_members);
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

/* The key <prefix>{m:<member>}<suffix> into buf (store/member_key.h): YB_OK or an error. */
static int member_key(const yb_member_store *st, char *buf, size_t size, const char *member_id,
		      const char *suffix)
{
	int n = yb_member_key_format(st->key, buf, size, st->prefix, member_id, suffix);

	return n < 0 ? n : YB_OK;
}

/* What the claim registry holds for member_id: its token (the member_id without a key
 * secret). YB_OK or an error. */
static int owner_value(const yb_member_store *st, char *buf, size_t size, const char *member_id)
{
	int n = yb_member_key_token(st->key, member_id, buf, size);

	return n < 0 ? n : YB_OK;
}

/* The registry key of a claim_id: <prefix>{c:<claim_id>}. */
static void claim_key(const yb_member_store *st, char *buf, size_t size, const char *claim_id)
{
	snprintf(buf, size, "%s{c:%s}", st->prefix, claim_id);
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

int yb_member_store_queue_event(yb_member_store *st, const char *member_id, int64_t time_ms,
				int rank, int32_t partition, int64_t offset, const void *bytes,
				size_t len)
{
	char key[320], score[32];
	const char *argv[4];
	size_t lens[4];
	int rc = member_key(st, key, sizeof(key), member_id, ":ev");

	if (rc != YB_OK)
		return rc;
	snprintf(score, sizeof(score), "%" PRId64, time_ms * 4 + rank);
	st->scratch.len = 0;
	if (yb_buf_reserve(&st->scratch, EVENT_HEADER + len) != 0)
		return YB_ENOMEM;
	st->scratch.data[0] = (uint8_t)rank;
	put_be(st->scratch.data + 1, (uint32_t)partition, 4);
	put_be(st->scratch.data + 5, (uint64_t)offset, 8);
	memcpy(st->scratch.data + EVENT_HEADER, bytes, len);
	argv[0] = "ZADD";
	argv[1] = key;
	argv[2] = score;
	argv[3] = (const char *)st->scratch.data;
	lens[0] = 4;
	lens[1] = strlen(key);
	lens[2] = strlen(score);
	lens[3] = EVENT_HEADER + len;
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

/* Append s and its NUL to b. */
static int push_string(yb_buf *b, const char *s, size_t len)
{
	if (yb_buf_reserve(b, len + 1) != 0)
		return YB_ENOMEM;
	memcpy(b->data + b->len, s, len);
	b->data[b->len + len] = '\0';
	b->len += len + 1;
	return YB_OK;
}

/* The next string of a FIFO filled by push_string ("" when empty); emptied once read. */
static const char *pop_string(yb_buf *b, size_t *at)
{
	const char *s;

	if (*at >= b->len)
		return "";
	s = (const char *)b->data + *at;
	*at += strlen(s) + 1;
	return s;
}

/* Note a registration to release: claim_id of member_id. */
static int note_release(yb_member_store *st, const char *member_id, const char *id, size_t len)
{
	if (push_string(&st->dropped, member_id, strlen(member_id)) != YB_OK ||
	    push_string(&st->dropped, id, len) != YB_OK)
		return YB_ENOMEM;
	st->dropped_count++;
	return YB_OK;
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
	rc = member_key(st, key, sizeof(key), member_id, ":ev");
	if (rc == YB_OK) {
		const char *argv[] = {"ZRANGE", key, "0", "-1", "WITHSCORES"};

		rc = yb_redis_append_command(st->redis, 5, argv, NULL);
	}
	if (rc == YB_OK)
		rc = member_key(st, key, sizeof(key), member_id, ":acc");
	if (rc == YB_OK) {
		const char *argv[] = {"HGETALL", key};

		rc = yb_redis_append_command(st->redis, 2, argv, NULL);
	}
	if (rc == YB_OK && n > 0) {
		const char *fixed[64];
		const char **argv = n + 2 <= 64 ? fixed : malloc((n + 2) * sizeof(*argv));

		if (argv == NULL)
			return YB_ENOMEM;
		rc = member_key(st, key, sizeof(key), member_id, ":claims");
		argv[0] = "HMGET";
		argv[1] = key;
		for (size_t i = 0; i < n; i++)
			argv[i + 2] = claim_ids[i];
		if (rc == YB_OK)
			rc = yb_redis_append_command(st->redis, (int)(n + 2), argv, NULL);
		if (argv != fixed)
			free(argv);
	}
	/* Releases a crash left pending (the apply script notes them before they are done). */
	if (rc == YB_OK)
		rc = member_key(st, key, sizeof(key), member_id, ":rel");
	if (rc == YB_OK) {
		const char *argv[] = {"SMEMBERS", key};

		rc = yb_redis_append_command(st->redis, 2, argv, NULL);
	}
	if (rc == YB_OK)
		rc = push_string(&st->read_members, member_id, strlen(member_id));
	return rc;
}

static int not_this_format(char *errstr, size_t errlen, const char *what)
{
	snprintf(errstr, errlen, "redis: %s not of this build's format (run claimctl rebuild)",
		 what);
	return YB_EIO;
}

static int parse_events(yb_member_store *st, const redisReply *r, yb_store_member *out,
			char *errstr, size_t errlen)
{
	size_t n = r->elements / 2;

	if (yb_array_grow((void **)&st->events, &st->events_cap, n, sizeof(*st->events)) != 0)
		return YB_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const redisReply *value = r->element[2 * i], *score = r->element[2 * i + 1];
		const uint8_t *v;
		int64_t s;

		if (value->type != REDIS_REPLY_STRING || score->type != REDIS_REPLY_STRING) {
			snprintf(errstr, errlen, "redis: member events are not strings");
			return YB_EIO;
		}
		v = (const uint8_t *)value->str;
		s = strtoll(score->str, NULL, 10);
		if (value->len <= EVENT_HEADER || v[0] != s % 4 ||
		    (v[0] != YB_LEDGER_RANK_ENROLLMENT && v[0] != YB_LEDGER_RANK_PAYMENT))
			return not_this_format(errstr, errlen, "member events are");
		st->events[i].time_ms = s / 4;
		st->events[i].rank = v[0];
		st->events[i].partition = (int32_t)(uint32_t)get_be(v + 1, 4);
		st->events[i].offset = (int64_t)get_be(v + 5, 8);
		st->events[i].bytes = v + EVENT_HEADER;
		st->events[i].len = value->len - EVENT_HEADER;
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
	out->watermark_ms = 0;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *field = r->element[i], *value = r->element[i + 1];

		if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(field->str, "v") == 0) {
			out->version = strtoll(value->str, NULL, 10);
		} else if (strcmp(field->str, "pa") == 0) {
			out->pa_spent_fen = strtoll(value->str, NULL, 10);
		} else if (strcmp(field->str, "w") == 0) {
			out->watermark_ms = strtoll(value->str, NULL, 10);
		} else if (field->str[0] == 'y') {
			/* y<year>:<scheme> */
			const char *colon = strchr(field->str, ':');
			long used = value->len > 1 && (uint8_t)value->str[0] == YEAR_FORMAT
					? yb_year_acc_unpack((const uint8_t *)value->str + 1,
							     value->len - 1, &st->years[n].acc)
					: -1;

			if (used != (long)value->len - 1 || colon == NULL ||
			    strlen(colon + 1) >= sizeof(st->years[n].scheme))
				return not_this_format(errstr, errlen, "accumulators are");
			st->years[n].year = (int32_t)strtol(field->str + 1, NULL, 10);
			snprintf(st->years[n].scheme, sizeof(st->years[n].scheme), "%s", colon + 1);
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
	redisReply *events, *acc, *claims = NULL, *pending = NULL;
	const char *member_id;
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
	if (rc == YB_OK)
		rc = yb_redis_read_held(st->redis, &st->held, REDIS_REPLY_ARRAY, &pending, errstr,
					errlen);
	if (rc != YB_OK)
		return rc;
	member_id = pop_string(&st->read_members, &st->read_at);
	for (size_t i = 0; i < pending->elements; i++) {
		const redisReply *id = pending->element[i];

		if (id->type == REDIS_REPLY_STRING &&
		    note_release(st, member_id, id->str, id->len) != YB_OK)
			return YB_ENOMEM;
	}
	if (st->read_at >= st->read_members.len)
		st->read_members.len = st->read_at = 0;
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

int yb_member_store_load(yb_ledger *ledger, const char *member_id, const yb_store_member *m)
{
	int rc = yb_ledger_load_member(ledger, member_id, m->pa_spent_fen, m->watermark_ms,
				       m->years, m->year_count);

	for (size_t i = 0; rc == YB_OK && i < m->event_count; i++) {
		const yb_store_event *e = &m->events[i];

		rc = yb_ledger_add_event(ledger, member_id, e->time_ms, e->rank, e->partition,
					 e->offset, e->bytes, e->len);
	}
	return rc;
}

int yb_member_store_queue_register(yb_member_store *st, const char *claim_id, const char *member_id)
{
	char key[320], owner[YB_LEDGER_ID_MAX + 1];
	const char *argv[] = {"SET", key, owner, "NX", "GET"};
	int rc = owner_value(st, owner, sizeof(owner), member_id);

	if (rc != YB_OK)
		return rc;
	claim_key(st, key, sizeof(key), claim_id);
	return yb_redis_append_command(st->redis, 5, argv, NULL);
}

int yb_member_store_read_register(yb_member_store *st, char *owner, size_t size, char *errstr,
				  size_t errlen)
{
	redisReply *r = NULL;
	int rc = yb_redis_read_reply(st->redis, &r, errstr, errlen);

	if (rc != YB_OK)
		return rc;
	if (r->type == REDIS_REPLY_STRING) {
		snprintf(owner, size, "%.*s", (int)r->len, r->str);
	} else if (r->type == REDIS_REPLY_NIL) {
		owner[0] = '\0'; /* registered now: the caller's member */
	} else {
		snprintf(errstr, errlen, "redis register: %s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		rc = YB_EIO;
	}
	yb_redis_reply_free(r);
	return rc;
}

int yb_member_store_owner_token(const yb_member_store *st, const char *member_id, char *buf,
				size_t size)
{
	return owner_value(st, buf, size, member_id);
}

void yb_member_store_reset(yb_member_store *st)
{
	yb_redis_held_release(&st->held);
	st->shape_count = st->shape_next = 0;
	st->dropped.len = 0;
	st->dropped_count = 0;
	st->read_members.len = st->read_at = 0;
	st->apply_members.len = st->apply_at = 0;
}

/* The accumulators' field of a scheme's year: y<year>:<scheme>. */
static void year_field_of(char *buf, size_t size, const char *scheme, int32_t year)
{
	snprintf(buf, size, "y%d:%s", (int)year, scheme != NULL ? scheme : "");
}

static int year_blob(yb_member_store *st, const yb_year_acc *acc)
{
	st->year_blob.len = 0;
	if (yb_buf_reserve(&st->year_blob, 1 + YB_YEAR_ACC_PACKED_MAX) != 0)
		return YB_ENOMEM;
	st->year_blob.data[0] = YEAR_FORMAT;
	st->year_blob.len = 1 + yb_year_acc_pack(acc, st->year_blob.data + 1);
	return YB_OK;
}

int yb_member_store_queue_apply(yb_member_store *st, const char *member_id, bool reversal,
				int64_t expected_version, const yb_claim_state *claim,
				const yb_year_acc *acc, int64_t pa_spent_fen, int64_t watermark_ms)
{
	char claims_key[320], acc_key[320], cx_key[320], rel_key[320], version[32], year_field[80];
	char pa[32], watermark[32], purge_day[16], first_year[16], keep[16];
	const char *keys[] = {claims_key, acc_key, cx_key, rel_key};
	const char *args[11];
	size_t lens[11];

	if (yb_claim_state_pack(claim, &st->scratch) != YB_OK)
		return YB_ENOMEM;
	st->year_blob.len = 0;
	if (acc != NULL && year_blob(st, acc) != YB_OK)
		return YB_ENOMEM;
	if (member_key(st, claims_key, sizeof(claims_key), member_id, ":claims") != YB_OK ||
	    member_key(st, acc_key, sizeof(acc_key), member_id, ":acc") != YB_OK ||
	    member_key(st, cx_key, sizeof(cx_key), member_id, ":cx") != YB_OK ||
	    member_key(st, rel_key, sizeof(rel_key), member_id, ":rel") != YB_OK)
		return YB_EINVAL;
	if (push_string(&st->apply_members, member_id, strlen(member_id)) != YB_OK)
		return YB_ENOMEM;
	snprintf(version, sizeof(version), "%" PRId64, expected_version);
	year_field_of(year_field, sizeof(year_field), claim->scheme, claim->year);
	snprintf(pa, sizeof(pa), "%" PRId64, pa_spent_fen);
	snprintf(watermark, sizeof(watermark), "%" PRId64, watermark_ms);
	snprintf(purge_day, sizeof(purge_day), "%d", (int)yb_ledger_purge_day(watermark_ms));
	snprintf(first_year, sizeof(first_year), "%d",
		 (int)yb_ledger_first_kept_year(watermark_ms));
	snprintf(keep, sizeof(keep), "%d", (int)claim->keep_until);
	args[0] = claim->claim_id;
	args[1] = reversal ? "r" : "c";
	args[2] = version;
	args[3] = (const char *)st->scratch.data;
	args[4] = year_field;
	args[5] = acc != NULL ? (const char *)st->year_blob.data : "";
	args[6] = pa;
	args[7] = watermark;
	args[8] = purge_day;
	args[9] = first_year;
	args[10] = keep;
	for (int i = 0; i < 11; i++)
		lens[i] = strlen(args[i]);
	lens[3] = st->scratch.len;
	lens[5] = st->year_blob.len;
	return yb_redis_append_eval(st->redis, &st->apply, 4, keys, 11, args, lens);
}

int yb_member_store_read_apply(yb_member_store *st, char *errstr, size_t errlen)
{
	redisReply *r = NULL;
	int rc = yb_redis_read_reply(st->redis, &r, errstr, errlen);

	const char *member_id;

	if (rc != YB_OK)
		return rc;
	member_id = pop_string(&st->apply_members, &st->apply_at);
	if (st->apply_at >= st->apply_members.len)
		st->apply_members.len = st->apply_at = 0;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER && r->element[0]->integer >= 0 &&
	    r->element[0]->integer <= 2) {
		rc = (int)r->element[0]->integer;
		for (size_t i = 1; rc == YB_APPLY_DONE && i < r->elements; i++) {
			const redisReply *id = r->element[i];

			if (id->type == REDIS_REPLY_STRING &&
			    note_release(st, member_id, id->str, id->len) != YB_OK)
				rc = YB_ENOMEM;
		}
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

long yb_member_store_queue_release(yb_member_store *st)
{
	const char *at = (const char *)st->dropped.data;
	long queued = 0;

	for (size_t i = 0; i < st->dropped_count; i++) {
		const char *member_id = at, *id = at + strlen(at) + 1;
		char key[320], rel[320], owner[YB_LEDGER_ID_MAX + 1];
		const char *del[] = {"EVAL", release_source, "1", key, owner};
		const char *srem[] = {"SREM", rel, id};

		claim_key(st, key, sizeof(key), id);
		if (owner_value(st, owner, sizeof(owner), member_id) != YB_OK ||
		    member_key(st, rel, sizeof(rel), member_id, ":rel") != YB_OK)
			return YB_EINVAL;
		if (yb_redis_append_command(st->redis, 5, del, NULL) != YB_OK ||
		    yb_redis_append_command(st->redis, 3, srem, NULL) != YB_OK)
			return YB_ENOMEM;
		queued += 2;
		at = id + strlen(id) + 1;
	}
	st->dropped.len = 0;
	st->dropped_count = 0;
	return queued;
}

long yb_member_store_queue_member_state(yb_member_store *st, const char *member_id, int64_t version,
					int64_t pa_spent_fen, int64_t watermark_ms,
					const yb_member_year *years, size_t count)
{
	char key[320], v[32], pa[32], w[32];
	long queued = 0;
	int rc;

	if (member_key(st, key, sizeof(key), member_id, ":acc") != YB_OK)
		return YB_EINVAL;
	snprintf(v, sizeof(v), "%" PRId64, version);
	snprintf(pa, sizeof(pa), "%" PRId64, pa_spent_fen);
	snprintf(w, sizeof(w), "%" PRId64, watermark_ms);
	{
		const char *argv[] = {"HSET", key, "v", v, "pa", pa, "w", w};

		rc = yb_redis_append_command(st->redis, 8, argv, NULL);
		queued++;
	}
	for (size_t i = 0; rc == YB_OK && i < count; i++) {
		char field[80];
		const char *argv[] = {"HSET", key, field, NULL};
		size_t lens[4];

		if (year_blob(st, &years[i].acc) != YB_OK)
			return YB_ENOMEM;
		year_field_of(field, sizeof(field), years[i].scheme, years[i].year);
		argv[3] = (const char *)st->year_blob.data;
		lens[0] = 4;
		lens[1] = strlen(key);
		lens[2] = strlen(field);
		lens[3] = st->year_blob.len;
		rc = yb_redis_append_command(st->redis, 4, argv, lens);
		queued++;
	}
	return rc == YB_OK ? queued : rc;
}

long yb_member_store_queue_claim_state(yb_member_store *st, const yb_claim_state *claim)
{
	char key[320], keep[16], owner[YB_LEDGER_ID_MAX + 1];
	const char *argv[] = {"HSET", key, claim->claim_id, NULL};
	size_t lens[4];
	int rc;

	if (yb_claim_state_pack(claim, &st->scratch) != YB_OK)
		return YB_ENOMEM;
	if (member_key(st, key, sizeof(key), claim->member_id, ":claims") != YB_OK ||
	    owner_value(st, owner, sizeof(owner), claim->member_id) != YB_OK)
		return YB_EINVAL;
	argv[3] = (const char *)st->scratch.data;
	lens[0] = 4;
	lens[1] = strlen(key);
	lens[2] = strlen(claim->claim_id);
	lens[3] = st->scratch.len;
	rc = yb_redis_append_command(st->redis, 4, argv, lens);
	if (rc == YB_OK) {
		const char *zadd[] = {"ZADD", key, keep, claim->claim_id};

		rc = member_key(st, key, sizeof(key), claim->member_id, ":cx");
		snprintf(keep, sizeof(keep), "%d", (int)claim->keep_until);
		if (rc == YB_OK)
			rc = yb_redis_append_command(st->redis, 4, zadd, NULL);
	}
	if (rc == YB_OK) {
		const char *set[] = {"SET", key, owner};

		claim_key(st, key, sizeof(key), claim->claim_id);
		rc = yb_redis_append_command(st->redis, 3, set, NULL);
	}
	return rc == YB_OK ? 3 : rc;
}
