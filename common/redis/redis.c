/* Redis adapter; see redis.h. */
#include "redis/redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/record.h"
#include "base/error.h"
#include "redis/cluster.h"
#include "io/config.h"
#include "io/secret_file.h"

struct yb_redis {
	redisContext *ctx;
	struct timeval timeout;
	char endpoint[300]; /* as given, for messages */
	char *user;         /* NULL: the default user */
	char *password;     /* NULL: no AUTH; wiped before it is freed */
	size_t password_len;
	yb_cluster *cluster; /* a Redis Cluster (ctx is then NULL): redis/cluster.h */
	int wait_replicas, wait_timeout_ms;
};

/* Calls can carry a few KEYS and ARGV; more is a programming error in the caller. */
#define MAX_EVAL_ARGS 64

static int context_error(const redisContext *ctx, const char *what, char *errstr, size_t errlen)
{
	snprintf(errstr, errlen, "redis %s: %s", what, ctx->errstr[0] ? ctx->errstr : "failed");
	return ctx->err == REDIS_ERR_IO && strstr(ctx->errstr, "timed out") ? YB_ETIMEDOUT : YB_EIO;
}

/* A copy of n bytes of s with a NUL after them, or NULL. */
static char *copy(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (c != NULL) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

/*
 * AUTH as the connection's user, when it has a password. The refusal names the user and
 * quotes Redis's reason, unless the reason contains the password (Redis's do not: WRONGPASS,
 * "AUTH <password> called without any password configured ...", NOPERM).
 */
static int authenticate(const yb_redis *redis, redisContext *ctx, char *errstr, size_t errlen)
{
	const char *argv[3];
	size_t lens[3];
	int argc = 0, rc = YB_OK;
	redisReply *reply;
	char who[200];

	if (redis->password == NULL)
		return YB_OK;
	argv[argc] = "AUTH";
	lens[argc++] = 4;
	if (redis->user != NULL) {
		argv[argc] = redis->user;
		lens[argc++] = strlen(redis->user);
	}
	argv[argc] = redis->password;
	lens[argc++] = redis->password_len;
	if (redis->user != NULL)
		snprintf(who, sizeof(who), "as user '%s'", redis->user);
	else
		snprintf(who, sizeof(who), "as the default user");
	reply = redisCommandArgv(ctx, argc, argv, lens);
	if (reply == NULL) {
		char what[sizeof(who) + 8];

		snprintf(what, sizeof(what), "AUTH %s", who);
		return context_error(ctx, what, errstr, errlen);
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		const char *reason = reply->str != NULL ? reply->str : "";

		if (strstr(reason, redis->password) != NULL)
			reason = "(Redis's reply is not shown: it holds the password)";
		snprintf(errstr, errlen, "redis AUTH %s refused at %s: %s", who, redis->endpoint,
			 reason);
		rc = YB_EIO;
	} else if (reply->type != REDIS_REPLY_STATUS) {
		snprintf(errstr, errlen, "redis AUTH %s at %s: unexpected reply", who,
			 redis->endpoint);
		rc = YB_EIO;
	}
	freeReplyObject(reply);
	return rc;
}

/* A new socket of the connection's (its own, or a cluster node's): the command timeout,
 * then AUTH. */
static int prepare_socket(const yb_redis *redis, redisContext *ctx, const char *what, char *errstr,
			  size_t errlen)
{
	if (redisSetTimeout(ctx, redis->timeout) != REDIS_OK)
		return context_error(ctx, what, errstr, errlen);
	return authenticate(redis, ctx, errstr, errlen);
}

/* Connect (or, with ctx already there, connect again) and authenticate. */
static int open_connection(yb_redis *redis, const yb_endpoint *ep, char *errstr, size_t errlen)
{
	char what[sizeof(redis->endpoint) + 16];

	snprintf(what, sizeof(what), "connect to %s", redis->endpoint);
	if (redis->ctx == NULL) {
		redis->ctx = ep->is_unix
				 ? redisConnectUnixWithTimeout(ep->path, redis->timeout)
				 : redisConnectWithTimeout(ep->host, ep->port, redis->timeout);
		if (redis->ctx == NULL) {
			snprintf(errstr, errlen, "redis %s: out of memory", what);
			return YB_ENOMEM;
		}
		if (redis->ctx->err != 0)
			return context_error(redis->ctx, what, errstr, errlen);
	} else if (redisReconnect(redis->ctx) != REDIS_OK) {
		snprintf(what, sizeof(what), "reconnect to %s", redis->endpoint);
		return context_error(redis->ctx, what, errstr, errlen);
	}
	return prepare_socket(redis, redis->ctx, what, errstr, errlen);
}

/* A cluster node's connection (cluster.h's yb_cluster_connect_fn): timeouts and AUTH as the
 * connection's own. */
static int connect_node(void *arg, const char *host, int port, redisContext **out, char *errstr,
			size_t errlen)
{
	const yb_redis *redis = arg;
	char what[120];
	redisContext *ctx = redisConnectWithTimeout(host, port, redis->timeout);
	int rc;

	*out = NULL;
	snprintf(what, sizeof(what), "connect to %s:%d", host, port);
	if (ctx == NULL)
		return YB_ENOMEM;
	rc = ctx->err != 0 ? context_error(ctx, what, errstr, errlen)
			   : prepare_socket(redis, ctx, what, errstr, errlen);
	if (rc != YB_OK) {
		redisFree(ctx);
		return rc;
	}
	*out = ctx;
	return YB_OK;
}

/* A node of a Redis Cluster (INFO's cluster_enabled:1) makes the connection a cluster one:
 * redis/cluster.h. A server that will not say (an ACL without INFO) is taken as single. */
static int join_cluster(yb_redis *redis, const yb_endpoint *ep, char *errstr, size_t errlen)
{
	char enabled[8];
	int rc;

	if (ep->is_unix ||
	    yb_redis_info_field(redis, "cluster_enabled", enabled, sizeof(enabled), errstr,
				errlen) != YB_OK ||
	    strcmp(enabled, "1") != 0)
		return YB_OK;
	rc = yb_cluster_new(&redis->cluster, redis->ctx, ep->host, ep->port, connect_node, redis,
			    errstr, errlen);
	redis->ctx = NULL; /* the cluster's now (or freed) */
	if (rc == YB_OK) {
		size_t len = strlen(redis->endpoint);

		snprintf(redis->endpoint + len, sizeof(redis->endpoint) - len,
			 " (Redis Cluster, %zu masters)", yb_cluster_masters(redis->cluster));
	}
	return rc;
}

int yb_redis_connect(yb_redis **out, const yb_redis_options *opts, char *errstr, size_t errlen)
{
	yb_redis *redis;
	yb_endpoint ep;
	const char *why = NULL;
	int rc;

	*out = NULL;
	if (yb_endpoint_parse(opts->endpoint, &ep, &why) != YB_OK) {
		snprintf(errstr, errlen, "redis: the endpoint '%s' %s",
			 yb_config_shown(NULL, opts->endpoint), why);
		return YB_EINVAL;
	}
	if (opts->user != NULL && opts->user[0] != '\0' && opts->password == NULL) {
		snprintf(errstr, errlen, "redis: user '%s' given without a password", opts->user);
		return YB_EINVAL;
	}
	redis = calloc(1, sizeof(*redis));
	if (redis == NULL)
		return YB_ENOMEM;
	redis->timeout = (struct timeval){.tv_sec = opts->timeout_ms / 1000,
					  .tv_usec = (long)(opts->timeout_ms % 1000) * 1000};
	snprintf(redis->endpoint, sizeof(redis->endpoint), "%s", opts->endpoint);
	if (opts->user != NULL && opts->user[0] != '\0' &&
	    (redis->user = copy(opts->user, strlen(opts->user))) == NULL)
		goto nomem;
	if (opts->password != NULL) {
		redis->password_len = strlen(opts->password);
		redis->password = copy(opts->password, redis->password_len);
		if (redis->password == NULL)
			goto nomem;
	}
	redis->wait_replicas = opts->wait_replicas;
	redis->wait_timeout_ms =
	    opts->wait_timeout_ms > 0 ? opts->wait_timeout_ms : opts->timeout_ms;
	rc = open_connection(redis, &ep, errstr, errlen);
	if (rc == YB_OK)
		rc = join_cluster(redis, &ep, errstr, errlen);
	if (rc != YB_OK) {
		yb_redis_destroy(redis);
		return rc;
	}
	*out = redis;
	return YB_OK;
nomem:
	yb_redis_destroy(redis);
	return YB_ENOMEM;
}

int yb_redis_reconnect(yb_redis *redis, char *errstr, size_t errlen)
{
	if (redis->cluster != NULL)
		return yb_cluster_reconnect(redis->cluster, errstr, errlen);
	return open_connection(redis, NULL, errstr, errlen);
}

const char *yb_redis_endpoint(const yb_redis *redis)
{
	return redis->endpoint;
}

void yb_redis_destroy(yb_redis *redis)
{
	if (redis == NULL)
		return;
	if (redis->ctx != NULL)
		redisFree(redis->ctx);
	yb_cluster_destroy(redis->cluster);
	if (redis->password != NULL) {
		yb_secret_wipe(redis->password, redis->password_len);
		free(redis->password);
	}
	free(redis->user);
	free(redis);
}

void yb_redis_reply_free(redisReply *reply)
{
	if (reply != NULL)
		freeReplyObject(reply);
}

int yb_redis_reply_is_noscript(const redisReply *reply)
{
	return reply != NULL && reply->type == REDIS_REPLY_ERROR &&
	       strncmp(reply->str, "NOSCRIPT", 8) == 0;
}

/* Run one command (on a cluster: on every master, the first one's reply kept, the first
 * error reply if any master gave one); a NULL reply means the connection failed. */
static int command(yb_redis *redis, redisReply **reply, const char *what, char *errstr,
		   size_t errlen, int argc, const char **argv, const size_t *argvlen)
{
	if (redis->cluster != NULL) {
		redisReply **all = NULL;
		size_t n = yb_cluster_masters(redis->cluster), keep = 0;
		int rc = yb_cluster_on_masters(redis->cluster, argc, argv, argvlen, &all, errstr,
					       errlen);

		if (rc != YB_OK) {
			size_t len = strlen(errstr);

			snprintf(errstr + len, errlen - len, " (%s)", what);
			return rc;
		}
		for (size_t i = 0; i < n; i++)
			if (all[i]->type == REDIS_REPLY_ERROR &&
			    all[keep]->type != REDIS_REPLY_ERROR)
				keep = i;
		*reply = all[keep];
		for (size_t i = 0; i < n; i++)
			if (i != keep)
				freeReplyObject(all[i]);
		free(all);
		return YB_OK;
	}
	*reply = redisCommandArgv(redis->ctx, argc, argv, argvlen);
	if (*reply == NULL)
		return context_error(redis->ctx, what, errstr, errlen);
	return YB_OK;
}

int yb_redis_ping(yb_redis *redis, char *errstr, size_t errlen)
{
	const char *argv[] = {"PING"};
	redisReply *reply;
	int rc = command(redis, &reply, "PING", errstr, errlen, 1, argv, NULL);

	if (rc != YB_OK)
		return rc;
	if (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "PONG") != 0) {
		snprintf(errstr, errlen, "redis PING: unexpected answer '%s'",
			 reply->str != NULL ? reply->str : "");
		rc = YB_EIO;
	}
	freeReplyObject(reply);
	return rc;
}

int yb_redis_info_field(yb_redis *redis, const char *field, char *buf, size_t buflen, char *errstr,
			size_t errlen)
{
	const char *argv[] = {"INFO"};
	redisReply *reply;
	int rc = command(redis, &reply, "INFO", errstr, errlen, 1, argv, NULL);
	size_t field_len = strlen(field);

	if (rc != YB_OK)
		return rc;
	rc = YB_ENOTFOUND;
	if (reply->type == REDIS_REPLY_STRING) {
		/* INFO is "key:value\r\n" lines; find "\nfield:" (or the text's start). */
		for (const char *line = reply->str; line != NULL && *line != '\0';) {
			const char *end = strpbrk(line, "\r\n");
			size_t len = end != NULL ? (size_t)(end - line) : strlen(line);

			if (len > field_len && strncmp(line, field, field_len) == 0 &&
			    line[field_len] == ':') {
				snprintf(buf, buflen, "%.*s", (int)(len - field_len - 1),
					 line + field_len + 1);
				rc = YB_OK;
				break;
			}
			line = end != NULL ? end + strspn(end, "\r\n") : NULL;
		}
	}
	freeReplyObject(reply);
	return rc;
}

int yb_redis_script_load(yb_redis *redis, yb_redis_script *script, char *errstr, size_t errlen)
{
	const char *argv[] = {"SCRIPT", "LOAD", script->source};
	redisReply *reply;
	int rc = redis->cluster != NULL ? yb_cluster_remember_script(redis->cluster, script->source)
					: YB_OK;

	if (rc == YB_OK)
		rc = command(redis, &reply, "SCRIPT LOAD", errstr, errlen, 3, argv, NULL);
	if (rc != YB_OK)
		return rc;
	if (reply->type == REDIS_REPLY_STRING && reply->len == 40) {
		memcpy(script->sha, reply->str, 40);
		script->sha[40] = '\0';
	} else {
		snprintf(errstr, errlen, "redis SCRIPT LOAD: %s",
			 reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
		rc = YB_EINVAL;
	}
	freeReplyObject(reply);
	return rc;
}

/* Build the EVALSHA argv: EVALSHA sha nkeys keys... args... */
static int eval_argv(const yb_redis_script *script, int nkeys, const char *const *keys, int nargs,
		     const char *const *args, const size_t *arglens, const char **argv,
		     size_t *argvlen, char *nkeys_text, size_t nkeys_len)
{
	int argc = 0;

	if (nkeys < 0 || nargs < 0 || nkeys + nargs > MAX_EVAL_ARGS)
		return -1;
	snprintf(nkeys_text, nkeys_len, "%d", nkeys);
	argv[argc] = "EVALSHA";
	argvlen[argc++] = 7;
	argv[argc] = script->sha;
	argvlen[argc++] = strlen(script->sha);
	argv[argc] = nkeys_text;
	argvlen[argc++] = strlen(nkeys_text);
	for (int i = 0; i < nkeys; i++) {
		argv[argc] = keys[i];
		argvlen[argc++] = strlen(keys[i]);
	}
	for (int i = 0; i < nargs; i++) {
		argv[argc] = args[i];
		argvlen[argc++] = arglens != NULL ? arglens[i] : strlen(args[i]);
	}
	return argc;
}

int yb_redis_eval(yb_redis *redis, yb_redis_script *script, int nkeys, const char *const *keys,
		  int nargs, const char *const *args, const size_t *arglens, redisReply **reply,
		  char *errstr, size_t errlen)
{
	const char *argv[MAX_EVAL_ARGS + 3];
	size_t argvlen[MAX_EVAL_ARGS + 3];
	char nkeys_text[16];
	int argc, rc;

	*reply = NULL;
	if (script->sha[0] == '\0') {
		rc = yb_redis_script_load(redis, script, errstr, errlen);
		if (rc != YB_OK)
			return rc;
	}
	argc = eval_argv(script, nkeys, keys, nargs, args, arglens, argv, argvlen, nkeys_text,
			 sizeof(nkeys_text));
	if (argc < 0) {
		snprintf(errstr, errlen, "redis EVALSHA: too many keys and arguments");
		return YB_EINVAL;
	}
	if (redis->cluster != NULL) {
		/* Routed by its first key; the scripts are on every master (cluster.h). */
		rc = yb_cluster_append(redis->cluster, argc, argv, argvlen);
		return rc == YB_OK ? yb_cluster_read(redis->cluster, reply, errstr, errlen) : rc;
	}
	rc = command(redis, reply, "EVALSHA", errstr, errlen, argc, argv, argvlen);
	if (rc == YB_OK && yb_redis_reply_is_noscript(*reply)) {
		/* The server lost its script cache (restart, SCRIPT FLUSH): load and retry once. */
		freeReplyObject(*reply);
		*reply = NULL;
		rc = yb_redis_script_load(redis, script, errstr, errlen);
		if (rc == YB_OK)
			rc = command(redis, reply, "EVALSHA", errstr, errlen, argc, argv, argvlen);
	}
	return rc;
}

int yb_redis_append_eval(yb_redis *redis, const yb_redis_script *script, int nkeys,
			 const char *const *keys, int nargs, const char *const *args,
			 const size_t *arglens)
{
	const char *argv[MAX_EVAL_ARGS + 3];
	size_t argvlen[MAX_EVAL_ARGS + 3];
	char nkeys_text[16];
	int argc = eval_argv(script, nkeys, keys, nargs, args, arglens, argv, argvlen, nkeys_text,
			     sizeof(nkeys_text));

	if (argc < 0)
		return YB_EINVAL;
	return yb_redis_append_command(redis, argc, argv, argvlen);
}

int yb_redis_append_command(yb_redis *redis, int argc, const char *const *argv,
			    const size_t *argvlen)
{
	if (redis->cluster != NULL)
		return yb_cluster_append(redis->cluster, argc, argv, argvlen);
	/* hiredis copies the arguments into its output buffer, so they need not outlive this. */
	return redisAppendCommandArgv(redis->ctx, argc, (const char **)argv, argvlen) == REDIS_OK
		   ? YB_OK
		   : YB_ENOMEM;
}

int yb_redis_read_reply(yb_redis *redis, redisReply **reply, char *errstr, size_t errlen)
{
	void *r = NULL;

	*reply = NULL;
	if (redis->cluster != NULL)
		return yb_cluster_read(redis->cluster, reply, errstr, errlen);
	if (redisGetReply(redis->ctx, &r) != REDIS_OK)
		return context_error(redis->ctx, "pipeline", errstr, errlen);
	*reply = r;
	return YB_OK;
}

int yb_redis_read_held(yb_redis *redis, yb_redis_held *held, int type, redisReply **out,
		       char *errstr, size_t errlen)
{
	redisReply *r = NULL;
	int rc = yb_redis_read_reply(redis, &r, errstr, errlen);

	if (rc != YB_OK)
		return rc;
	if (yb_array_grow((void **)&held->replies, &held->cap, held->count + 1,
			  sizeof(*held->replies)) != 0) {
		yb_redis_reply_free(r);
		return YB_ENOMEM;
	}
	held->replies[held->count++] = r;
	if (r->type != type) {
		snprintf(errstr, errlen, "redis: %s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply type");
		return YB_EIO;
	}
	*out = r;
	return YB_OK;
}

void yb_redis_held_release(yb_redis_held *held)
{
	for (size_t i = 0; i < held->count; i++)
		yb_redis_reply_free(held->replies[i]);
	held->count = 0;
}

void yb_redis_held_free(yb_redis_held *held)
{
	yb_redis_held_release(held);
	free(held->replies);
	held->replies = NULL;
	held->cap = 0;
}

int yb_redis_sync(yb_redis *redis, size_t n, char *errstr, size_t errlen)
{
	int rc = YB_OK;

	for (size_t i = 0; i < n; i++) {
		redisReply *r = NULL;
		int err = yb_redis_read_reply(redis, &r, errstr, errlen);

		if (err != YB_OK)
			return err;
		if (r->type == REDIS_REPLY_ERROR && rc == YB_OK) {
			snprintf(errstr, errlen, "redis: %s", r->str);
			rc = YB_EIO;
		}
		/* EXEC: the replies of the transaction's commands, any of which may have failed. */
		for (size_t k = 0; r->type == REDIS_REPLY_ARRAY && k < r->elements; k++) {
			const redisReply *e = r->element[k];

			if (e->type == REDIS_REPLY_ERROR && rc == YB_OK) {
				snprintf(errstr, errlen, "redis: %s", e->str);
				rc = YB_EIO;
			}
		}
		yb_redis_reply_free(r);
	}
	return rc;
}

int yb_redis_wait_written(yb_redis *redis, char *errstr, size_t errlen)
{
	const char *argv[3];
	char want[12], timeout[16];
	redisReply *reply;
	int rc;

	if (redis->cluster != NULL)
		return yb_cluster_wait_written(redis->cluster, redis->wait_replicas,
					       redis->wait_timeout_ms, errstr, errlen);
	if (redis->wait_replicas <= 0)
		return YB_OK; /* a single server: replicas only if asked for */
	snprintf(want, sizeof(want), "%d", redis->wait_replicas);
	snprintf(timeout, sizeof(timeout), "%d", redis->wait_timeout_ms);
	argv[0] = "WAIT";
	argv[1] = want;
	argv[2] = timeout;
	rc = command(redis, &reply, "WAIT", errstr, errlen, 3, argv, NULL);
	if (rc != YB_OK)
		return rc;
	if (reply->type != REDIS_REPLY_INTEGER || reply->integer < redis->wait_replicas) {
		snprintf(errstr, errlen,
			 "redis %s: the batch's writes reached %lld of %d replicas "
			 "within %d ms (WAIT)",
			 redis->endpoint, reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0LL,
			 redis->wait_replicas, redis->wait_timeout_ms);
		rc = YB_ETIMEDOUT;
	}
	freeReplyObject(reply);
	return rc;
}

size_t yb_redis_cluster_masters(const yb_redis *redis)
{
	return redis->cluster != NULL ? yb_cluster_masters(redis->cluster) : 0;
}

int yb_redis_key_count(yb_redis *redis, long long *count, char *errstr, size_t errlen)
{
	const char *argv[] = {"DBSIZE"};
	redisReply **all = NULL, *one = NULL;
	size_t n = 1;
	int rc;

	*count = 0;
	if (redis->cluster != NULL) {
		n = yb_cluster_masters(redis->cluster);
		rc = yb_cluster_on_masters(redis->cluster, 1, argv, NULL, &all, errstr, errlen);
	} else {
		rc = command(redis, &one, "DBSIZE", errstr, errlen, 1, argv, NULL);
		all = &one;
	}
	if (rc != YB_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (all[i]->type == REDIS_REPLY_INTEGER) {
			*count += all[i]->integer;
		} else if (rc == YB_OK) {
			snprintf(errstr, errlen, "redis DBSIZE: %s",
				 all[i]->type == REDIS_REPLY_ERROR ? all[i]->str
								   : "unexpected reply");
			rc = YB_EIO;
		}
		freeReplyObject(all[i]);
	}
	if (all != &one)
		free(all);
	return rc;
}
