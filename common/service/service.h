/*
 * What every streaming service has in common: the daemon frame (io/daemon.h: command line,
 * configuration, signals, /metrics and /healthz) with the pipeline's common keys, so one
 * properties file configures them all.
 */
#ifndef YB_IO_SERVICE_H
#define YB_IO_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/config.h"
#include "io/daemon.h"
#include "redis/redis.h"
#include "store/member_key.h"

/* A streaming service is a daemon (io/daemon.h) with the pipeline's keys. */
typedef yb_daemon yb_service;

/*
 * The daemon frame (yb_daemon_start) with the pipeline's common keys (kafka.bootstrap.servers,
 * redis, redis.user, redis.password.file, redis.key.secret.file, redis.prefix,
 * redis.timeout.ms, topic.*, group.static, policies, log.level) then
 * the service's own keys[0..count); summary is the paragraph --help prints after the usage
 * line. Returns -1 to go on; otherwise the exit status to return now (0 after --help, 1 when
 * the configuration or the port is refused, 2 for a usage error).
 */
int yb_service_start(yb_service *svc, const char *name, const char *summary, int argc, char **argv,
		     const yb_config_key *keys, size_t count);

/* The instance's group.instance.id for yb_stream_new: its "instance.id" when "group.static"
 * is 1, else NULL (dynamic membership). */
const char *yb_service_static_instance(const yb_service *svc);

/* The environment variable that may give the Redis password instead of redis.password.file
 * (never a key: no default, no --help value, never logged). */
#define YB_SERVICE_REDIS_PASSWORD_ENV "YB_REDIS_PASSWORD"

/*
 * Connect to Redis as cfg's keys say, the one way every service (and claimctl) does:
 *   redis                  HOST:PORT or unix:/path/to/socket
 *   redis.user             the ACL user ("" or absent: the default user)
 *   redis.password.file    a file whose first line is the password (io/secret_file.h: mode
 *                          600 or stricter); or the environment's YB_REDIS_PASSWORD. Both
 *                          at once are refused: which one is meant is not guessed. Neither:
 *                          no AUTH (and then redis.user must be empty).
 *   redis.key.secret.file  a file whose first line (16 bytes at least) keys the member ids'
 *                          hash in key names (store/member_key.h); "" or absent: in clear
 *   redis.timeout.ms       the connect and command timeout (absent: 5000)
 * Every secret is read and checked before anything connects, and wiped from memory once
 * handed to its owner. *redis = the connection; *key = the member key scheme, NULL for
 * member ids in clear; the caller destroys both (the key after the stores using it).
 * Returns YB_OK, or an error with errstr naming the key or the file and never a secret (both
 * outputs then NULL).
 */
int yb_service_redis_connect(const yb_props *cfg, yb_redis **redis, yb_member_key **key,
			     char *errstr, size_t errlen);

#endif
