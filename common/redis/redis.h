/*
 * Redis adapter over hiredis 0.14 (blocking API, no TLS).
 *
 * Where: "HOST:PORT" or "unix:/path/to/socket" (io/config.h's yb_endpoint_parse). As whom:
 * an ACL user and its password, or the password of the default user, or neither. The
 * connection sends AUTH right after connecting and again after every reconnect (hiredis'
 * redisReconnect opens a new, unauthenticated connection). The password is copied into
 * memory the connection owns and wiped when it is destroyed; no error message holds it: an
 * AUTH refused names the user and quotes Redis's reason (WRONGPASS ...), which holds no
 * password (and is not quoted if it ever did). hiredis formats the AUTH command in its own
 * output buffer, freed once sent: that copy is hiredis', not wiped.
 *
 * What the services need from Redis: a connection with timeouts, Lua scripts loaded once and
 * called by SHA (EVALSHA), and pipelining, so a batch of claims costs one round trip: append
 * every call, then read every reply. A script flushed from the server (a restart, SCRIPT
 * FLUSH) is reloaded transparently by yb_redis_eval; a pipeline that meets NOSCRIPT reports
 * it and the caller reloads and resends the batch (the scripts are idempotent by design).
 *
 * Replies are hiredis' redisReply, freed with yb_redis_reply_free.
 *
 * Redis Cluster: connected to a node whose INFO says cluster_enabled:1, the connection is a
 * cluster one and every call below keeps its meaning: commands go to the master of their
 * key's hash slot, one pipeline per node, replies in queued order (redis/cluster.h: MOVED,
 * ASK, transactions, scripts on every master). Commands are routed by their first key (KEYS[1]
 * for EVAL and EVALSHA); MULTI/EXEC is atomic per hash slot there.
 */
#ifndef YB_IO_REDIS_H
#define YB_IO_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

typedef struct yb_redis yb_redis;

/* A Lua script: the source, and its SHA1 once loaded. Plain value; keep one per script. */
typedef struct yb_redis_script {
	const char *source;
	char sha[41];
} yb_redis_script;

/* Where and as whom to connect: a plain value; the strings stay the caller's. */
typedef struct yb_redis_options {
	const char *endpoint; /* "HOST:PORT" or "unix:/path/to/socket" */
	const char *user;     /* the ACL user; NULL or "": the default user */
	const char *password; /* NULL: no AUTH (a user needs one); copied by the connection */
	int timeout_ms;       /* bounds the connect, AUTH and every later command */
	/* yb_redis_wait_written: the replicas a batch's writes must reach on each master written
	 * to. 0: none; YB_REDIS_WAIT_AUTO: one on a cluster master that has a replica. */
	int wait_replicas;
	int wait_timeout_ms; /* 0: timeout_ms */
} yb_redis_options;

#define YB_REDIS_WAIT_AUTO (-1)

/*
 * Connect as opts says, and AUTH when it gives a password. Returns YB_OK and *out; or
 * YB_EINVAL (an endpoint that does not parse, a user without a password), YB_EIO (refused,
 * unreachable, AUTH refused) or YB_ETIMEDOUT, with the reason in errstr and *out = NULL.
 */
int yb_redis_connect(yb_redis **out, const yb_redis_options *opts, char *errstr, size_t errlen);

/*
 * Drop the connection and whatever is queued on it, connect again to the same server with
 * the same timeouts and AUTH again as the same user (after a failure: hiredis refuses every
 * call on a failed context). YB_OK, or an error as yb_redis_connect's; call again to retry.
 */
int yb_redis_reconnect(yb_redis *redis, char *errstr, size_t errlen);

/* Close the connection and wipe the password it kept. Accepts NULL. */
void yb_redis_destroy(yb_redis *redis);

/* Where the connection goes, as given ("HOST:PORT" or "unix:/path"): for messages. */
const char *yb_redis_endpoint(const yb_redis *redis);

/* PING; YB_OK when the server answered PONG. */
int yb_redis_ping(yb_redis *redis, char *errstr, size_t errlen);

/*
 * One field of INFO (e.g. "redis_version") into buf. Returns YB_OK, YB_ENOTFOUND, or YB_EIO.
 */
int yb_redis_info_field(yb_redis *redis, const char *field, char *buf, size_t buflen, char *errstr,
			size_t errlen);

/* SCRIPT LOAD script->source and store its SHA in script->sha. */
int yb_redis_script_load(yb_redis *redis, yb_redis_script *script, char *errstr, size_t errlen);

/*
 * EVALSHA the script with nkeys KEYS and nargs ARGV (binary-safe: argvlen may be NULL for C
 * strings), loading it first if it is not loaded or the server has forgotten it.
 * *reply is the script's reply (an error reply from the script is returned as a reply, not a
 * failure). Returns YB_OK, or YB_EIO with the reason in errstr.
 */
int yb_redis_eval(yb_redis *redis, yb_redis_script *script, int nkeys, const char *const *keys,
		  int nargs, const char *const *args, const size_t *arglens, redisReply **reply,
		  char *errstr, size_t errlen);

/*
 * Pipelining: queue an EVALSHA of a loaded script without waiting; nothing is sent until the
 * first yb_redis_read_reply. Returns YB_OK or YB_ENOMEM.
 */
int yb_redis_append_eval(yb_redis *redis, const yb_redis_script *script, int nkeys,
			 const char *const *keys, int nargs, const char *const *args,
			 const size_t *arglens);

/* Queue any command, as an argv array (binary-safe; argvlen may be NULL). */
int yb_redis_append_command(yb_redis *redis, int argc, const char *const *argv,
			    const size_t *argvlen);

/* Send what is queued (first call) and read the next reply, in order. */
int yb_redis_read_reply(yb_redis *redis, redisReply **reply, char *errstr, size_t errlen);

/*
 * Replies kept until released, for reads that hand out pointers into them (a batch's
 * member histories): a plain value, zero-initialised.
 */
typedef struct yb_redis_held {
	redisReply **replies;
	size_t count, cap;
} yb_redis_held;

/* Read the next reply into held and check its type: YB_EIO naming an error reply. */
int yb_redis_read_held(yb_redis *redis, yb_redis_held *held, int type, redisReply **out,
		       char *errstr, size_t errlen);
/* Free the replies held (the array stays for the next batch); _free also the array. */
void yb_redis_held_release(yb_redis_held *held);
void yb_redis_held_free(yb_redis_held *held);

/* Read the replies of n queued writes: YB_EIO, naming the first error reply, if any failed. */
int yb_redis_sync(yb_redis *redis, size_t n, char *errstr, size_t errlen);

/* True when reply is the server's NOSCRIPT error (the script must be loaded again). */
int yb_redis_reply_is_noscript(const redisReply *reply);

/*
 * Before a commit that depends on the writes made since the last call: WAIT until they are on
 * as many replicas as the options ask, on every master written to (a cluster) or the server.
 * YB_OK; YB_ETIMEDOUT when fewer replicas had them in time (the caller must not commit);
 * YB_EIO. Nothing to do (0 replicas) costs nothing.
 */
int yb_redis_wait_written(yb_redis *redis, char *errstr, size_t errlen);

/* The keys the server holds (DBSIZE; on a cluster, summed over the masters). */
int yb_redis_key_count(yb_redis *redis, long long *count, char *errstr, size_t errlen);

/* The masters of the Redis Cluster the connection is on; 0 for a single server. */
size_t yb_redis_cluster_masters(const yb_redis *redis);

/* Free a reply. Accepts NULL. */
void yb_redis_reply_free(redisReply *reply);

#endif
