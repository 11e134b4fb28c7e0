/*
 * Redis Cluster, on hiredis (Debian ships no cluster client for C): the part of the Redis
 * adapter (redis.h) that routes a connection's commands to the masters that own their keys.
 *
 * A yb_redis connected to a node with cluster_enabled:1 becomes a cluster connection; its
 * callers do not change. The slot map comes from CLUSTER SLOTS (each master, its replicas);
 * a command goes to the master of its key's hash slot (yb_redis_key_slot: the first key,
 * KEYS[1] for EVAL and EVALSHA; the product's keys hash on a tag, {m:ID} or {i:ID}, so a
 * member's keys live together). Pipelining is kept: what a batch queues is sent as one
 * pipeline per node, all nodes written before any reply is read, and the replies are handed
 * back in the order the commands were queued, as from one server.
 *
 *   MOVED slot host:port   the slot lives elsewhere now: the map is corrected and the
 *                          command sent there (after the batch's other replies are read);
 *   ASK slot host:port     the slot is being migrated: ASKING and the command, there, once;
 *   anything else          the reply is the caller's, errors included (CLUSTERDOWN during
 *                          a failover, TRYAGAIN): the batch fails and is retried.
 * A command is redirected at most YB_CLUSTER_MAX_REDIRECTS times.
 *
 * MULTI ... EXEC: Redis Cluster runs a transaction on one slot only. A queued transaction is
 * sent as one MULTI/EXEC per hash slot it touches (per member, per institution), each on
 * its slot's master, and its replies are put back together: +OK, +QUEUED for each command,
 * and EXEC's array of the commands' replies in the order they were queued. Atomic per slot,
 * not across slots.
 *
 * Scripts: SCRIPT LOAD goes to every master, and a script loaded once is loaded again on
 * every node the connection opens later (a promoted replica has no script cache).
 *
 * Durability: replication is asynchronous. yb_cluster_wait_written sends WAIT to each master
 * written since the last call, so a caller can hold its Kafka commit until the writes are
 * on a replica too (docs/ARCHITECTURE.md, "Redis Cluster").
 *
 * A failure to reach a node fails the batch (YB_EIO); yb_cluster_reconnect forgets what is
 * queued, asks any node it knows for the slot map again and connects to every master.
 */
#ifndef YB_REDIS_CLUSTER_H
#define YB_REDIS_CLUSTER_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "redis/redis.h"

#define YB_CLUSTER_SLOTS         16384
#define YB_CLUSTER_MAX_REDIRECTS 5

typedef struct yb_cluster yb_cluster;

/* The hash slot of a key, as CLUSTER KEYSLOT answers: CRC16 (XMODEM) of the key, or of the
 * part between its first '{' and the next '}' when that is not empty, modulo 16384. */
unsigned yb_redis_key_slot(const char *key, size_t len);

/* A node's connection, made (and AUTHenticated) by the adapter: YB_OK and *out, or an error. */
typedef int (*yb_cluster_connect_fn)(void *arg, const char *host, int port, redisContext **out,
				     char *errstr, size_t errlen);

/*
 * The cluster the node behind seed belongs to: its slot map read over seed (which the
 * cluster then owns: it is kept as that node's connection). *out, or an error.
 */
int yb_cluster_new(yb_cluster **out, redisContext *seed, const char *seed_host, int seed_port,
		   yb_cluster_connect_fn connect, void *arg, char *errstr, size_t errlen);
void yb_cluster_destroy(yb_cluster *cl);

/* Forget what is queued, read the slot map again (from any node known), connect to every
 * master. YB_OK, or an error (a master that does not answer: call again later). */
int yb_cluster_reconnect(yb_cluster *cl, char *errstr, size_t errlen);

/* How many masters the map has; the "HOST:PORT" of master i (for messages and tools). */
size_t yb_cluster_masters(const yb_cluster *cl);
const char *yb_cluster_master_name(const yb_cluster *cl, size_t i);

/* Queue a command (routed by its key, see above). YB_OK, YB_ENOMEM or YB_EINVAL. */
int yb_cluster_append(yb_cluster *cl, int argc, const char *const *argv, const size_t *argvlen);

/* The next queued command's reply (sending and reading what is queued when needed). */
int yb_cluster_read(yb_cluster *cl, redisReply **reply, char *errstr, size_t errlen);

/* Run one command (argvlen may be NULL) on every master, between batches: SCRIPT LOAD, PING,
 * INFO, DBSIZE. On YB_OK *replies has yb_cluster_masters() entries, each and the array the
 * caller's to free. */
int yb_cluster_on_masters(yb_cluster *cl, int argc, const char *const *argv, const size_t *argvlen,
			  redisReply ***replies, char *errstr, size_t errlen);

/* Remember a script (its source stays the caller's, for the connection's life) so that it
 * is loaded on every node connected later. */
int yb_cluster_remember_script(yb_cluster *cl, const char *source);

/*
 * WAIT for the writes since the last call: on every master written to, replicas (or, with
 * replicas < 0, one when the map lists a replica for that master, none otherwise) within
 * timeout_ms. YB_OK; YB_ETIMEDOUT naming the master whose writes reached fewer replicas; or
 * YB_EIO.
 */
int yb_cluster_wait_written(yb_cluster *cl, int replicas, int timeout_ms, char *errstr,
			    size_t errlen);

#endif
