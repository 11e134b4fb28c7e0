# A local Redis Cluster: 3 masters and 3 replicas on 127.0.0.1 (deploy/local/start
# --redis-cluster). Source it after common.sh; do not run it.
#
# Node i (0..5) listens on YB_REDIS_PORT+i and speaks the cluster bus on YB_REDIS_PORT+100+i
# (not Redis's +10000, which would meet the other defaults' ports); its files are in
# RUN_DIR/redis-cluster/<port>/ (nodes.conf, redis.pid, redis.log). Like the single server,
# nothing is persisted: the state is rebuilt from Kafka (claimctl rebuild). That makes one
# rule matter: a master that died must not come back before its replica has taken its
# slots, or it would come back empty and still a master, and the state of its members would
# be gone. yb_redis_cluster_start restarts a node that is down only once the cluster no
# longer counts on it (it then rejoins as a replica and copies the new master's data).

YB_REDIS_CLUSTER_NODES=6
# A master is failed over this long after it stops answering (Redis's default is 15 s).
YB_REDIS_CLUSTER_NODE_TIMEOUT_MS=${YB_REDIS_CLUSTER_NODE_TIMEOUT_MS:-3000}

yb_redis_cluster_dir() { printf '%s/redis-cluster' "$YB_RUN_DIR"; }

# yb_redis_cluster_ports: the nodes' client ports, one per line.
yb_redis_cluster_ports() {
    local i
    for ((i = 0; i < YB_REDIS_CLUSTER_NODES; i++)); do echo $((YB_REDIS_PORT + i)); done
}

# yb_redis_cluster_endpoints: "127.0.0.1:P0 127.0.0.1:P1 ..." (for redis-cli --cluster).
yb_redis_cluster_endpoints() { yb_redis_cluster_ports | sed 's/^/127.0.0.1:/' | paste -sd' '; }

_yb_rc() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}" 2>/dev/null; }

# yb_redis_cluster_info PORT FIELD: a field of CLUSTER INFO at the node on PORT.
yb_redis_cluster_info() { _yb_rc "$1" cluster info | tr -d '\r' | sed -n "s/^$2://p"; }

# yb_redis_cluster_masters: the client ports of the masters serving slots, one per line, as
# the first node that answers sees them.
yb_redis_cluster_masters() {
    local port
    for port in $(yb_redis_cluster_ports); do
        if _yb_rc "$port" cluster nodes >/dev/null; then
            _yb_rc "$port" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 {
                split($2, a, "[:@]"); print a[2] }' | sort -n
            return 0
        fi
    done
    return 1
}

# _yb_redis_cluster_counted_on PORT: true while a live node still lists the node on PORT as
# a master with slots (its replica has not taken over yet).
_yb_redis_cluster_counted_on() {
    local port=$1 other
    for other in $(yb_redis_cluster_ports); do
        [ "$other" != "$port" ] || continue
        if _yb_rc "$other" ping | grep -q PONG; then
            _yb_rc "$other" cluster nodes | awk -v p="127.0.0.1:$port@" '
                index($2, p) == 1 && $3 ~ /master/ && NF > 8 { found = 1 }
                END { exit !found }'
            return
        fi
    done
    return 1
}

_yb_redis_cluster_node_start() { # PORT
    local port=$1 dir
    dir=$(yb_redis_cluster_dir)/$port
    mkdir -p "$dir"
    chmod 700 "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port $((port + 100)) \
        --cluster-node-timeout "$YB_REDIS_CLUSTER_NODE_TIMEOUT_MS" \
        --save "" --appendonly no --protected-mode yes \
        --maxmemory "$YB_REDIS_MAXMEMORY" --maxmemory-policy noeviction
}

# yb_redis_cluster_start: start the nodes that are not running (a node that was a master
# only after its replica took over), form the cluster on the first start, and return once
# every node says cluster_state:ok and every master has its replica.
yb_redis_cluster_start() {
    local port dir deadline formed=0 waited
    dir=$(yb_redis_cluster_dir)
    mkdir -p "$dir"
    chmod 700 "$dir"
    for port in $(yb_redis_cluster_ports); do
        if yb_pid_alive "$dir/$port/redis.pid" redis-server; then continue; fi
        if [ -f "$dir/$port/nodes.conf" ]; then
            formed=1
            deadline=$((SECONDS + 60))
            waited=0
            while _yb_redis_cluster_counted_on "$port"; do
                [ "$waited" -eq 1 ] ||
                    yb_say "redis node $port is down and still a master: waiting for its replica to take over"
                waited=1
                [ "$SECONDS" -lt "$deadline" ] ||
                    yb_die "redis node $port: its replica did not take over within 60 s; starting it empty would lose its slots' state"
                sleep 0.5
            done
        fi
        _yb_redis_cluster_node_start "$port"
    done
    for port in $(yb_redis_cluster_ports); do
        deadline=$((SECONDS + 20))
        until _yb_rc "$port" ping | grep -q PONG; do
            [ "$SECONDS" -lt "$deadline" ] || yb_die "redis node $port did not answer within 20 s ($dir/$port/redis.log)"
            sleep 0.2
        done
    done
    if [ "$formed" -eq 0 ] && [ "$(yb_redis_cluster_info "$YB_REDIS_PORT" cluster_known_nodes)" = 1 ]; then
        # shellcheck disable=SC2046
        redis-cli --cluster create $(yb_redis_cluster_endpoints) --cluster-replicas 1 \
            --cluster-yes >"$dir/create.log" 2>&1 ||
            { cat "$dir/create.log" >&2; yb_die "redis-cli --cluster create failed"; }
        yb_say "redis cluster formed: 3 masters, 3 replicas"
    fi
    deadline=$((SECONDS + 90))
    until yb_redis_cluster_healthy; do
        [ "$SECONDS" -lt "$deadline" ] ||
            yb_die "the redis cluster is not healthy after 90 s: $(yb_redis_cluster_health_text)"
        sleep 0.5
    done
}

# yb_redis_cluster_health_text: what is not right yet, or nothing.
yb_redis_cluster_health_text() {
    local port state masters
    for port in $(yb_redis_cluster_ports); do
        state=$(yb_redis_cluster_info "$port" cluster_state)
        [ "$state" = ok ] || { echo "node $port: cluster_state '${state:-no answer}'"; return; }
    done
    masters=$(_yb_rc "$YB_REDIS_PORT" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8' | wc -l)
    [ "$masters" -eq 3 ] || { echo "$masters masters serve slots, not 3"; return; }
    # every master has a replica that is in sync (master_link_status:up)
    for port in $(yb_redis_cluster_ports); do
        if _yb_rc "$port" info replication | grep -q '^role:slave'; then
            _yb_rc "$port" info replication | grep -q '^master_link_status:up' ||
                { echo "replica $port is not in sync with its master"; return; }
        fi
    done
    [ "$(_yb_rc "$YB_REDIS_PORT" cluster nodes | grep -c slave)" -eq 3 ] ||
        echo "not every master has a replica"
}

yb_redis_cluster_healthy() { [ -z "$(yb_redis_cluster_health_text)" ]; }
