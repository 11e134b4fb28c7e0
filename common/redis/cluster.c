/* Redis Cluster routing for the Redis adapter; see cluster.h. */
#include "redis/cluster.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "codec/record.h"

/* Read the slot map again when a WAIT comes this long after the last read: a master whose
 * replica came back is waited on again. */
#define MAP_MAX_AGE_MS 10000

typedef struct node {
	char host[64];
	int port;
	char name[80]; /* "HOST:PORT", for messages */
	redisContext *ctx;
	int replicas; /* replicas CLUSTER SLOTS lists for it */
	bool master;  /* serves slots in the map */
	bool queued;  /* has output for the round being sent */
	bool written; /* commands sent since the last WAIT */
} node;

enum entry_kind { Q_PLAIN, Q_MULTI, Q_TX, Q_EXEC };

/* A queued command, until its reply is handed out. */
typedef struct entry {
	size_t cmd_at, len; /* its RESP in cl->cmds */
	int slot;           /* -1: no key */
	uint8_t kind;
	bool done;      /* its reply is here (MULTI and EXEC: made when handed out) */
	int ask_node;   /* -1, or the node an ASK sent it to */
	int redirects;  /* MOVED and ASK followed so far */
	size_t tx_from; /* EXEC: the index of its transaction's first command */
	redisReply *reply;
} entry;

enum wire_kind { W_PLAIN, W_ASKING, W_TX_MULTI, W_TX_CMD, W_TX_EXEC };

/* A reply expected from a node, in the order the commands went out. */
typedef struct wire {
	int node;
	uint8_t kind;
	size_t entry;             /* W_PLAIN, W_TX_CMD */
	size_t group_at, group_n; /* W_TX_EXEC: its commands, in cl->order */
} wire;

/* A transaction's command and its slot, sorted to group the commands by slot. */
typedef struct slot_at {
	int slot;
	size_t at; /* in cl->q */
} slot_at;

struct yb_cluster {
	node *nodes;
	size_t node_count, node_cap;
	int16_t slot_node[YB_CLUSTER_SLOTS]; /* -1: no master known */
	yb_cluster_connect_fn connect;
	void *connect_arg;
	entry *q;
	size_t q_count, q_cap, q_head, unsent;
	yb_buf cmds; /* the queued commands' RESP, one buffer reused batch after batch */
	bool in_tx;
	size_t tx_from;
	wire *w;
	size_t w_count, w_cap;
	slot_at *order; /* the round's transactions' commands, grouped by slot */
	size_t order_count, order_cap;
	const char **scripts;
	size_t script_count, script_cap;
	bool broken;    /* a node failed mid-batch: nothing is read until reconnect */
	bool map_stale; /* a MOVED came: read the map after this round */
	int64_t map_read_ms;
};

/* CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as Redis's crc16.c. */
static uint16_t crc16(const char *buf, size_t len)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)((uint8_t)buf[i] << 8);
		for (int b = 0; b < 8; b++)
			crc =
			    (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

unsigned yb_redis_key_slot(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len);

	if (open != NULL) {
		size_t from = (size_t)(open - key) + 1;
		const char *close = memchr(open + 1, '}', len - from);

		if (close != NULL && close > open + 1)
			return crc16(open + 1, (size_t)(close - open - 1)) & (YB_CLUSTER_SLOTS - 1);
	}
	return crc16(key, len) & (YB_CLUSTER_SLOTS - 1);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A reply of our own making (freeReplyObject frees it like hiredis's). */
static redisReply *made_reply(int type, const char *str)
{
	redisReply *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->type = type;
	if (str != NULL) {
		r->len = strlen(str);
		r->str = malloc(r->len + 1);
		if (r->str == NULL) {
			free(r);
			return NULL;
		}
		memcpy(r->str, str, r->len + 1);
	}
	return r;
}

/* --- nodes and the slot map ---------------------------------------------------------- */

static int find_node(const yb_cluster *cl, const char *host, int port)
{
	for (size_t i = 0; i < cl->node_count; i++)
		if (cl->nodes[i].port == port && strcmp(cl->nodes[i].host, host) == 0)
			return (int)i;
	return -1;
}

/* The node HOST:PORT, added to the table if new: its index, or -1 (out of memory). */
static int add_node(yb_cluster *cl, const char *host, size_t host_len, int port)
{
	char name[64];
	node *n;
	int at;

	snprintf(name, sizeof(name), "%.*s", (int)host_len, host);
	if ((at = find_node(cl, name, port)) >= 0)
		return at;
	if (cl->node_count >= INT16_MAX || yb_array_grow((void **)&cl->nodes, &cl->node_cap,
							 cl->node_count + 1, sizeof(node)) != 0)
		return -1;
	n = &cl->nodes[cl->node_count];
	memset(n, 0, sizeof(*n));
	snprintf(n->host, sizeof(n->host), "%s", name);
	n->port = port;
	snprintf(n->name, sizeof(n->name), "%s:%d", name, port);
	return (int)cl->node_count++;
}

static void close_node(node *n)
{
	if (n->ctx != NULL)
		redisFree(n->ctx);
	n->ctx = NULL;
	n->queued = n->written = false;
}

/* Connect to node i (if not connected) and load the remembered scripts there. */
static int open_node(yb_cluster *cl, int i, char *errstr, size_t errlen)
{
	node *n = &cl->nodes[i];
	int rc;

	if (n->ctx != NULL)
		return YB_OK;
	rc = cl->connect(cl->connect_arg, n->host, n->port, &n->ctx, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	for (size_t s = 0; s < cl->script_count; s++) {
		const char *argv[] = {"SCRIPT", "LOAD", cl->scripts[s]};
		redisReply *r = redisCommandArgv(n->ctx, 3, argv, NULL);
		bool ok = r != NULL && r->type == REDIS_REPLY_STRING;

		if (!ok)
			snprintf(errstr, errlen, "redis %s: SCRIPT LOAD: %s", n->name,
				 r == NULL                      ? n->ctx->errstr
				 : r->type == REDIS_REPLY_ERROR ? r->str
								: "unexpected reply");
		freeReplyObject(r);
		if (!ok) {
			close_node(n);
			return YB_EIO;
		}
	}
	return YB_OK;
}

/* Take a CLUSTER SLOTS reply as the map: YB_OK, or YB_EIO when it is not one. */
static int load_map(yb_cluster *cl, const redisReply *r, const char *from_host, char *errstr,
		    size_t errlen)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		snprintf(errstr, errlen, "redis CLUSTER SLOTS: %s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "no slots assigned");
		return YB_EIO;
	}
	for (size_t i = 0; i < YB_CLUSTER_SLOTS; i++)
		cl->slot_node[i] = -1;
	for (size_t i = 0; i < cl->node_count; i++) {
		cl->nodes[i].master = false;
		cl->nodes[i].replicas = 0;
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *range = r->element[i], *m;
		const char *host;
		size_t host_len;
		int at;

		if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
		    range->element[0]->type != REDIS_REPLY_INTEGER ||
		    range->element[1]->type != REDIS_REPLY_INTEGER ||
		    range->element[2]->type != REDIS_REPLY_ARRAY ||
		    range->element[2]->elements < 2 ||
		    range->element[2]->element[0]->type != REDIS_REPLY_STRING ||
		    range->element[2]->element[1]->type != REDIS_REPLY_INTEGER ||
		    range->element[0]->integer < 0 ||
		    range->element[1]->integer >= YB_CLUSTER_SLOTS ||
		    range->element[0]->integer > range->element[1]->integer) {
			snprintf(errstr, errlen, "redis CLUSTER SLOTS: a range not understood");
			return YB_EIO;
		}
		m = range->element[2];
		/* An empty address: the node we asked (Redis does not know its own address). */
		host = m->element[0]->len > 0 ? m->element[0]->str : from_host;
		host_len = m->element[0]->len > 0 ? m->element[0]->len : strlen(from_host);
		at = add_node(cl, host, host_len, (int)m->element[1]->integer);
		if (at < 0)
			return YB_ENOMEM;
		cl->nodes[at].master = true;
		cl->nodes[at].replicas = (int)range->elements - 3;
		for (long long s = range->element[0]->integer; s <= range->element[1]->integer; s++)
			cl->slot_node[s] = (int16_t)at;
	}
	cl->map_read_ms = mono_ms();
	cl->map_stale = false;
	return YB_OK;
}

/* Read the map from the first node that answers (those connected first). */
static int read_map(yb_cluster *cl, char *errstr, size_t errlen)
{
	int rc = YB_EIO;

	snprintf(errstr, errlen, "redis cluster: no node known");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cl->node_count; i++) {
			node *n = &cl->nodes[i];
			redisReply *r;

			if ((pass == 0) != (n->ctx != NULL))
				continue;
			if (pass == 1 && open_node(cl, (int)i, errstr, errlen) != YB_OK)
				continue;
			r = redisCommand(n->ctx, "CLUSTER SLOTS");
			if (r == NULL) {
				snprintf(errstr, errlen, "redis %s: CLUSTER SLOTS: %s", n->name,
					 n->ctx->errstr);
				close_node(n);
				continue;
			}
			rc = load_map(cl, r, n->host, errstr, errlen);
			freeReplyObject(r);
			if (rc == YB_OK)
				return YB_OK;
		}
	}
	return rc;
}

int yb_cluster_new(yb_cluster **out, redisContext *seed, const char *seed_host, int seed_port,
		   yb_cluster_connect_fn connect, void *arg, char *errstr, size_t errlen)
{
	yb_cluster *cl = calloc(1, sizeof(*cl));
	int at, rc;

	*out = NULL;
	if (cl == NULL) {
		redisFree(seed);
		return YB_ENOMEM;
	}
	cl->connect = connect;
	cl->connect_arg = arg;
	at = add_node(cl, seed_host, strlen(seed_host), seed_port);
	if (at < 0) {
		redisFree(seed);
		yb_cluster_destroy(cl);
		return YB_ENOMEM;
	}
	cl->nodes[at].ctx = seed;
	rc = read_map(cl, errstr, errlen);
	if (rc != YB_OK) {
		yb_cluster_destroy(cl);
		return rc;
	}
	*out = cl;
	return YB_OK;
}

/* Drop what is queued and every reply not handed out. */
static void forget_queue(yb_cluster *cl)
{
	/* (a transaction's replies stay on its commands until EXEC is handed out) */
	for (size_t i = 0; i < cl->q_count; i++)
		freeReplyObject(cl->q[i].reply);
	cl->q_count = cl->q_head = cl->unsent = 0;
	cl->cmds.len = 0;
	cl->in_tx = false;
}

void yb_cluster_destroy(yb_cluster *cl)
{
	if (cl == NULL)
		return;
	forget_queue(cl);
	for (size_t i = 0; i < cl->node_count; i++)
		close_node(&cl->nodes[i]);
	free(cl->nodes);
	free(cl->q);
	yb_buf_free(&cl->cmds);
	free(cl->w);
	free(cl->order);
	free(cl->scripts);
	free(cl);
}

int yb_cluster_reconnect(yb_cluster *cl, char *errstr, size_t errlen)
{
	int rc;

	forget_queue(cl);
	cl->broken = false;
	/* The connections may hold replies of the batch that failed: start over. */
	for (size_t i = 0; i < cl->node_count; i++)
		close_node(&cl->nodes[i]);
	rc = read_map(cl, errstr, errlen);
	for (size_t i = 0; rc == YB_OK && i < cl->node_count; i++)
		if (cl->nodes[i].master)
			rc = open_node(cl, (int)i, errstr, errlen);
	return rc;
}

size_t yb_cluster_masters(const yb_cluster *cl)
{
	size_t n = 0;

	for (size_t i = 0; i < cl->node_count; i++)
		n += cl->nodes[i].master;
	return n;
}

/* The index of master i in the node table, or -1. */
static int master_at(const yb_cluster *cl, size_t i)
{
	for (size_t k = 0; k < cl->node_count; k++)
		if (cl->nodes[k].master && i-- == 0)
			return (int)k;
	return -1;
}

const char *yb_cluster_master_name(const yb_cluster *cl, size_t i)
{
	int at = master_at(cl, i);

	return at >= 0 ? cl->nodes[at].name : "";
}

int yb_cluster_remember_script(yb_cluster *cl, const char *source)
{
	for (size_t i = 0; i < cl->script_count; i++)
		if (cl->scripts[i] == source || strcmp(cl->scripts[i], source) == 0)
			return YB_OK;
	if (yb_array_grow((void **)&cl->scripts, &cl->script_cap, cl->script_count + 1,
			  sizeof(*cl->scripts)) != 0)
		return YB_ENOMEM;
	cl->scripts[cl->script_count++] = source;
	return YB_OK;
}

int yb_cluster_on_masters(yb_cluster *cl, int argc, const char *const *argv, const size_t *argvlen,
			  redisReply ***replies, char *errstr, size_t errlen)
{
	size_t count = yb_cluster_masters(cl);
	redisReply **out = calloc(count > 0 ? count : 1, sizeof(*out));
	int rc = YB_OK;

	*replies = NULL;
	if (out == NULL)
		return YB_ENOMEM;
	for (size_t i = 0; rc == YB_OK && i < count; i++) {
		int at = master_at(cl, i);
		node *n = &cl->nodes[at];

		rc = open_node(cl, at, errstr, errlen);
		if (rc != YB_OK)
			break;
		out[i] = redisCommandArgv(n->ctx, argc, (const char **)argv, argvlen);
		if (out[i] == NULL) {
			snprintf(errstr, errlen, "redis %s: %s", n->name, n->ctx->errstr);
			close_node(n);
			rc = YB_EIO;
		}
	}
	if (rc != YB_OK) {
		for (size_t i = 0; i < count; i++)
			freeReplyObject(out[i]);
		free(out);
		return rc;
	}
	*replies = out;
	return YB_OK;
}

/* --- queueing ------------------------------------------------------------------------ */

/*
 * Append a command's RESP to b: what redisFormatCommandArgv makes, without an allocation per
 * command (a batch's commands share one buffer, kept for a redirection's resend).
 */
static int put_resp(yb_buf *b, int argc, const char *const *argv, const size_t *argvlen)
{
	size_t need = 16;

	for (int i = 0; i < argc; i++)
		need += 32 + (argvlen != NULL ? argvlen[i] : strlen(argv[i]));
	if (yb_buf_reserve(b, need) != 0)
		return YB_ENOMEM;
	b->len += (size_t)sprintf((char *)b->data + b->len, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t len = argvlen != NULL ? argvlen[i] : strlen(argv[i]);

		b->len += (size_t)sprintf((char *)b->data + b->len, "$%zu\r\n", len);
		memcpy(b->data + b->len, argv[i], len);
		memcpy(b->data + b->len + len, "\r\n", 2);
		b->len += len + 2;
	}
	return YB_OK;
}

static bool is(const char *arg, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(arg, name, len) == 0;
}

int yb_cluster_append(yb_cluster *cl, int argc, const char *const *argv, const size_t *argvlen)
{
	size_t lens[8];
	entry *e;

	if (argc < 1)
		return YB_EINVAL;
	for (int i = 0; i < argc && i < 8; i++)
		lens[i] = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
	if (yb_array_grow((void **)&cl->q, &cl->q_cap, cl->q_count + 1, sizeof(entry)) != 0)
		return YB_ENOMEM;
	e = &cl->q[cl->q_count];
	memset(e, 0, sizeof(*e));
	e->slot = -1;
	e->ask_node = -1;
	if (is(argv[0], lens[0], "MULTI")) {
		if (cl->in_tx)
			return YB_EINVAL;
		e->kind = Q_MULTI;
		e->done = true;
		cl->in_tx = true;
		cl->tx_from = cl->q_count + 1;
		cl->q_count++;
		return YB_OK;
	}
	if (is(argv[0], lens[0], "EXEC")) {
		if (!cl->in_tx)
			return YB_EINVAL;
		e->kind = Q_EXEC;
		e->done = true;
		e->tx_from = cl->tx_from;
		cl->in_tx = false;
		cl->q_count++;
		return YB_OK;
	}
	if ((is(argv[0], lens[0], "EVALSHA") || is(argv[0], lens[0], "EVAL")) && argc >= 4) {
		if (atoi(argv[2]) > 0)
			e->slot = (int)yb_redis_key_slot(argv[3], lens[3]);
	} else if (argc >= 2) {
		e->slot = (int)yb_redis_key_slot(argv[1], lens[1]);
	}
	e->cmd_at = cl->cmds.len;
	if (put_resp(&cl->cmds, argc, argv, argvlen) != YB_OK)
		return YB_ENOMEM;
	e->len = cl->cmds.len - e->cmd_at;
	e->kind = cl->in_tx ? Q_TX : Q_PLAIN;
	cl->q_count++;
	cl->unsent++;
	return YB_OK;
}

/* --- a round: send what is unsent, one pipeline per node, then read every reply ------- */

static int add_wire(yb_cluster *cl, int at, uint8_t kind, size_t entry_at, const char *cmd,
		    size_t len)
{
	wire *w;

	if (yb_array_grow((void **)&cl->w, &cl->w_cap, cl->w_count + 1, sizeof(wire)) != 0 ||
	    redisAppendFormattedCommand(cl->nodes[at].ctx, cmd, len) != REDIS_OK)
		return YB_ENOMEM;
	w = &cl->w[cl->w_count++];
	memset(w, 0, sizeof(*w));
	w->node = at;
	w->kind = kind;
	w->entry = entry_at;
	cl->nodes[at].queued = cl->nodes[at].written = true;
	return YB_OK;
}

/* The node a command goes to (connected), or -1 with the reply made: no master known. */
static int route(yb_cluster *cl, entry *e, char *errstr, size_t errlen, int *rc)
{
	int at = e->ask_node >= 0 ? e->ask_node
		 : e->slot >= 0   ? cl->slot_node[e->slot]
				  : master_at(cl, 0);

	*rc = YB_OK;
	if (at < 0) {
		e->reply = made_reply(REDIS_REPLY_ERROR,
				      "CLUSTERDOWN Hash slot not served (no master in the map)");
		e->done = true;
		cl->unsent--;
		*rc = e->reply != NULL ? YB_OK : YB_ENOMEM;
		return -1;
	}
	*rc = open_node(cl, at, errstr, errlen);
	return *rc == YB_OK ? at : -1;
}

static const char asking_cmd[] = "*1\r\n$6\r\nASKING\r\n";
static const char multi_cmd[] = "*1\r\n$5\r\nMULTI\r\n";
static const char exec_cmd[] = "*1\r\n$4\r\nEXEC\r\n";

static const char *command_of(const yb_cluster *cl, const entry *e)
{
	return (const char *)cl->cmds.data + e->cmd_at;
}

static int by_slot(const void *a, const void *b)
{
	const slot_at *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * The transaction's unsent commands in [from, to), one MULTI/EXEC per slot: sorted by slot
 * (queued order within one), each slot's run of cl->order is its group.
 */
static int send_transaction(yb_cluster *cl, size_t from, size_t to, char *errstr, size_t errlen)
{
	size_t first = cl->order_count, end;
	int rc = YB_OK;

	for (size_t k = from; k < to; k++) {
		if (cl->q[k].done)
			continue;
		if (yb_array_grow((void **)&cl->order, &cl->order_cap, cl->order_count + 1,
				  sizeof(slot_at)) != 0)
			return YB_ENOMEM;
		cl->order[cl->order_count++] = (slot_at){.slot = cl->q[k].slot, .at = k};
	}
	qsort(cl->order + first, cl->order_count - first, sizeof(slot_at), by_slot);
	for (size_t k = first; rc == YB_OK && k < cl->order_count; k = end) {
		int at;

		for (end = k + 1; end < cl->order_count && cl->order[end].slot == cl->order[k].slot;
		     end++)
			;
		at = route(cl, &cl->q[cl->order[k].at], errstr, errlen, &rc);
		if (at < 0) {
			/* No master for the slot: each of its commands gets route's error. */
			for (size_t j = k + 1; rc == YB_OK && j < end; j++)
				route(cl, &cl->q[cl->order[j].at], errstr, errlen, &rc);
			continue;
		}
		rc = add_wire(cl, at, W_TX_MULTI, 0, multi_cmd, sizeof(multi_cmd) - 1);
		for (size_t j = k; rc == YB_OK && j < end; j++) {
			const entry *e = &cl->q[cl->order[j].at];

			rc = add_wire(cl, at, W_TX_CMD, cl->order[j].at, command_of(cl, e), e->len);
		}
		if (rc == YB_OK)
			rc = add_wire(cl, at, W_TX_EXEC, 0, exec_cmd, sizeof(exec_cmd) - 1);
		if (rc == YB_OK) {
			cl->w[cl->w_count - 1].group_at = k;
			cl->w[cl->w_count - 1].group_n = end - k;
		}
	}
	return rc;
}

/* Write out what the round queued on each node. */
static int flush_nodes(yb_cluster *cl, char *errstr, size_t errlen)
{
	int rc = YB_OK;

	for (size_t i = 0; i < cl->node_count; i++) {
		node *n = &cl->nodes[i];
		int done = 0;

		while (rc == YB_OK && n->queued && !done) {
			if (redisBufferWrite(n->ctx, &done) != REDIS_OK) {
				snprintf(errstr, errlen, "redis %s: %s", n->name, n->ctx->errstr);
				rc = n->ctx->err == REDIS_ERR_IO &&
					     strstr(n->ctx->errstr, "timed out")
					 ? YB_ETIMEDOUT
					 : YB_EIO;
			}
		}
		n->queued = false;
	}
	return rc;
}

static int send_round(yb_cluster *cl, char *errstr, size_t errlen)
{
	int rc = YB_OK;

	cl->w_count = cl->order_count = 0;
	for (size_t i = cl->q_head; rc == YB_OK && i < cl->q_count; i++) {
		entry *e = &cl->q[i];
		int at;

		if (e->kind == Q_EXEC) {
			rc = send_transaction(cl, e->tx_from, i, errstr, errlen);
			continue;
		}
		if (e->kind != Q_PLAIN || e->done)
			continue;
		at = route(cl, e, errstr, errlen, &rc);
		if (at < 0)
			continue;
		if (e->ask_node >= 0)
			rc = add_wire(cl, at, W_ASKING, i, asking_cmd, sizeof(asking_cmd) - 1);
		if (rc == YB_OK)
			rc = add_wire(cl, at, W_PLAIN, i, command_of(cl, e), e->len);
		e->ask_node = -1;
	}
	/* Every node's pipeline goes out before any reply is read. */
	return rc == YB_OK ? flush_nodes(cl, errstr, errlen) : rc;
}

/* MOVED or ASK: the slot's node now (added to the table if new); -1 for anything else. */
static int redirection(yb_cluster *cl, const redisReply *r, bool *ask)
{
	const char *p, *colon;
	int slot, port, at;

	if (r->type != REDIS_REPLY_ERROR)
		return -1;
	if (strncmp(r->str, "MOVED ", 6) == 0)
		*ask = false;
	else if (strncmp(r->str, "ASK ", 4) == 0)
		*ask = true;
	else
		return -1;
	p = strchr(r->str, ' ') + 1;
	slot = atoi(p);
	p = strchr(p, ' ');
	if (p == NULL || (colon = strrchr(p + 1, ':')) == NULL || slot < 0 ||
	    slot >= YB_CLUSTER_SLOTS)
		return -1;
	port = atoi(colon + 1);
	at = add_node(cl, p + 1, (size_t)(colon - p - 1), port);
	if (at >= 0 && !*ask) {
		cl->slot_node[slot] = (int16_t)at;
		cl->nodes[at].master = true;
		cl->map_stale = true;
	}
	return at;
}

/* A reply goes to its entry: done, or (redirected) to be sent again next round. */
static void settle(yb_cluster *cl, entry *e, redisReply *r)
{
	bool ask = false;
	int to = e->redirects < YB_CLUSTER_MAX_REDIRECTS ? redirection(cl, r, &ask) : -1;

	if (to >= 0) {
		e->redirects++;
		e->ask_node = ask ? to : -1;
		freeReplyObject(r);
		return;
	}
	e->reply = r;
	e->done = true;
	cl->unsent--;
}

/* EXEC's reply: the commands' replies to their entries, or the failure to each of them. */
static int settle_exec(yb_cluster *cl, const wire *w, redisReply *r, bool moved)
{
	bool ok = r->type == REDIS_REPLY_ARRAY && r->elements == w->group_n;

	for (size_t k = 0; k < w->group_n; k++) {
		entry *e = &cl->q[cl->order[w->group_at + k].at];

		if (e->done)
			continue; /* its queueing failed: that error is its reply */
		if (ok) {
			e->reply = r->element[k];
			r->element[k] = NULL;
		} else if (moved && e->redirects < YB_CLUSTER_MAX_REDIRECTS) {
			e->redirects++; /* regrouped and sent again */
			continue;
		} else {
			e->reply = made_reply(REDIS_REPLY_ERROR,
					      r->type == REDIS_REPLY_ERROR
						  ? r->str
						  : "EXECABORT the transaction was discarded");
			if (e->reply == NULL)
				return YB_ENOMEM;
		}
		e->done = true;
		cl->unsent--;
	}
	freeReplyObject(r);
	return YB_OK;
}

static int read_round(yb_cluster *cl, char *errstr, size_t errlen)
{
	bool moved = false; /* a command of the transaction group being read was MOVED */

	for (size_t i = 0; i < cl->w_count; i++) {
		const wire *w = &cl->w[i];
		node *n = &cl->nodes[w->node];
		void *reply = NULL;
		redisReply *r;

		if (redisGetReply(n->ctx, &reply) != REDIS_OK || reply == NULL) {
			snprintf(errstr, errlen, "redis %s: %s", n->name,
				 n->ctx->errstr[0] ? n->ctx->errstr : "no reply");
			return n->ctx->err == REDIS_ERR_IO && strstr(n->ctx->errstr, "timed out")
				   ? YB_ETIMEDOUT
				   : YB_EIO;
		}
		r = reply;
		switch (w->kind) {
		case W_PLAIN:
			settle(cl, &cl->q[w->entry], r);
			break;
		case W_TX_MULTI:
			moved = false;
			freeReplyObject(r);
			break;
		case W_TX_CMD: {
			bool ask = false;

			if (r->type == REDIS_REPLY_STATUS) {
				freeReplyObject(r);
			} else if (redirection(cl, r, &ask) >= 0 && !ask) {
				moved = true;
				freeReplyObject(r);
			} else {
				/* Refused while queueing (ASK included): EXEC will be discarded. */
				cl->q[w->entry].reply = r;
				cl->q[w->entry].done = true;
				cl->unsent--;
			}
			break;
		}
		case W_TX_EXEC:
			if (settle_exec(cl, w, r, moved) != YB_OK)
				return YB_ENOMEM;
			break;
		default: /* ASKING's +OK */
			freeReplyObject(r);
			break;
		}
	}
	return YB_OK;
}

/* Send and read until every queued command has its reply (redirections followed). */
static int run(yb_cluster *cl, char *errstr, size_t errlen)
{
	int rc = YB_OK;

	for (int round = 0; rc == YB_OK && cl->unsent > 0; round++) {
		if (round > YB_CLUSTER_MAX_REDIRECTS + 1) {
			snprintf(errstr, errlen,
				 "redis cluster: replies still redirected after %d "
				 "rounds",
				 round);
			return YB_EIO;
		}
		rc = send_round(cl, errstr, errlen);
		if (rc == YB_OK)
			rc = read_round(cl, errstr, errlen);
		if (rc == YB_OK && cl->map_stale) {
			char why[256];

			/* One MOVED says the map changed (a failover moves all of a master's
			 * slots): read it whole now, not one redirection at a time. */
			(void)read_map(cl, why, sizeof(why));
			cl->map_stale = false;
		}
	}
	return rc;
}

int yb_cluster_read(yb_cluster *cl, redisReply **reply, char *errstr, size_t errlen)
{
	entry *e;
	int rc;

	*reply = NULL;
	if (cl->broken) {
		snprintf(errstr, errlen, "redis cluster: a node failed in this batch; reconnect");
		return YB_EIO;
	}
	if (cl->q_head >= cl->q_count || cl->in_tx) {
		snprintf(errstr, errlen, "redis cluster: %s",
			 cl->in_tx ? "MULTI without EXEC" : "no reply is pending");
		return YB_EINVAL;
	}
	if (cl->unsent > 0 && (rc = run(cl, errstr, errlen)) != YB_OK) {
		cl->broken = true;
		return rc;
	}
	e = &cl->q[cl->q_head];
	switch (e->kind) {
	case Q_MULTI:
		*reply = made_reply(REDIS_REPLY_STATUS, "OK");
		break;
	case Q_TX: /* its own reply, error or not, is in EXEC's */
		*reply = made_reply(REDIS_REPLY_STATUS, "QUEUED");
		break;
	case Q_EXEC: {
		size_t n = cl->q_head - e->tx_from;

		*reply = made_reply(REDIS_REPLY_ARRAY, NULL);
		if (*reply != NULL && n > 0) {
			(*reply)->element = calloc(n, sizeof(redisReply *));
			if ((*reply)->element == NULL) {
				free(*reply);
				*reply = NULL;
				break;
			}
			(*reply)->elements = n;
			for (size_t k = 0; k < n; k++) {
				(*reply)->element[k] = cl->q[e->tx_from + k].reply;
				cl->q[e->tx_from + k].reply = NULL;
			}
		}
		break;
	}
	default:
		*reply = e->reply;
		e->reply = NULL;
		break;
	}
	if (*reply == NULL)
		return YB_ENOMEM;
	if (++cl->q_head == cl->q_count && !cl->in_tx)
		cl->q_head = cl->q_count = cl->cmds.len = 0;
	return YB_OK;
}

/* The replicas a master's writes must reach: as asked, or (replicas < 0) one if it has one. */
static int replicas_to_wait(const node *n, int replicas)
{
	return replicas >= 0 ? replicas : n->replicas > 0 ? 1 : 0;
}

int yb_cluster_wait_written(yb_cluster *cl, int replicas, int timeout_ms, char *errstr,
			    size_t errlen)
{
	char want[12], timeout[16];
	size_t mark;
	int rc = YB_OK;

	snprintf(timeout, sizeof(timeout), "%d", timeout_ms);
	cl->w_count = 0;
	for (size_t i = 0; rc == YB_OK && i < cl->node_count; i++) {
		node *n = &cl->nodes[i];
		const char *argv[] = {"WAIT", want, timeout};
		int need = replicas_to_wait(n, replicas);

		if (!n->written || n->ctx == NULL || need == 0)
			continue;
		snprintf(want, sizeof(want), "%d", need);
		/* (formatted after whatever is queued, and dropped once hiredis has it) */
		mark = cl->cmds.len;
		rc = put_resp(&cl->cmds, 3, argv, NULL);
		if (rc == YB_OK)
			rc = add_wire(cl, (int)i, W_PLAIN, 0, (const char *)cl->cmds.data + mark,
				      cl->cmds.len - mark);
		cl->cmds.len = mark;
	}
	if (rc == YB_OK)
		rc = flush_nodes(cl, errstr, errlen);
	for (size_t i = 0; rc == YB_OK && i < cl->w_count; i++) {
		node *n = &cl->nodes[cl->w[i].node];
		int need = replicas_to_wait(n, replicas);
		void *reply = NULL;
		redisReply *r;

		if (redisGetReply(n->ctx, &reply) != REDIS_OK || reply == NULL) {
			snprintf(errstr, errlen, "redis %s: WAIT: %s", n->name, n->ctx->errstr);
			rc = YB_EIO;
			break;
		}
		r = reply;
		if (r->type == REDIS_REPLY_INTEGER && r->integer < need) {
			snprintf(errstr, errlen,
				 "redis %s: the batch's writes reached %lld of %d replicas within "
				 "%d ms (WAIT)",
				 n->name, r->integer, need, timeout_ms);
			rc = YB_ETIMEDOUT;
		} else if (r->type != REDIS_REPLY_INTEGER) {
			snprintf(errstr, errlen, "redis %s: WAIT: %s", n->name,
				 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			rc = YB_EIO;
		}
		freeReplyObject(r);
	}
	if (rc != YB_OK) {
		/* Replies may be left unread on some nodes: only a reconnect clears them. */
		cl->broken = true;
		return rc;
	}
	for (size_t i = 0; i < cl->node_count; i++)
		cl->nodes[i].written = false;
	cl->w_count = 0;
	if (mono_ms() - cl->map_read_ms > MAP_MAX_AGE_MS) {
		char why[256];

		(void)read_map(cl, why, sizeof(why));
	}
	return YB_OK;
}
