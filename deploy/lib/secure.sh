# The secure local deployment (deploy/local/start --secure): credentials, certificates, the
# broker's SASL_SSL settings, Kafka ACLs and Redis ACL users. Source it after common.sh; do
# not run it. docs/SECURITY.md says what each piece protects against.
#
# Everything lives in $YB_RUN_DIR/credentials (mode 0700, files 0600), made once and kept:
#   ca.crt ca.key               a CA of this run directory's own
#   broker.p12 truststore.p12   the broker's key and certificate (CN=yb-broker, for
#                               127.0.0.1), the CA for Java clients; store.password opens both
#   <user>.kafka.password       each Kafka user's SCRAM-SHA-512 password
#   <user>.redis.password       each Redis ACL user's password
#   member-key.secret           the HMAC key that turns member ids into Redis key names
#   <user>.properties           a service's settings (-c FILE): kafka.* and redis.*
#   <user>.librdkafka.conf      librdkafka settings as claimctl takes them (YB_KAFKA_CONFIG)
#   admin.properties            the Kafka admin's client settings for Kafka's own tools
#   admin.kcat.conf             the same for kcat (the start-up probe)
# The users: admin (the broker's own, a super user), operator (people: claimctl, the only one
# who may read dead letters), and one per service.

YB_SECURE_SERVICES=(enrollment-svc adjudicator fraud-svc lag-exporter)
YB_KAFKA_USERS=(admin operator "${YB_SECURE_SERVICES[@]}")
YB_REDIS_USERS=(operator enrollment-svc adjudicator fraud-svc)

# yb_secure_dir: where the secure material lives.
yb_secure_dir() { printf '%s/credentials' "$YB_RUN_DIR"; }

# yb_secret FILE: the secret in FILE, made (48 hex digits, mode 0600) when missing.
yb_secret() {
    [ -s "$1" ] || (umask 077 && openssl rand -hex 24 >"$1")
    cat "$1"
}

# yb_secure_material: the CA, the broker's certificate and stores, every user's passwords.
yb_secure_material() {
    local s
    s=$(yb_secure_dir)
    (umask 077 && mkdir -p "$s")
    chmod 700 "$s"
    (
        umask 077
        cd "$s"
        yb_secret store.password >/dev/null
        for u in "${YB_KAFKA_USERS[@]}"; do yb_secret "$u.kafka.password" >/dev/null; done
        for u in "${YB_REDIS_USERS[@]}"; do yb_secret "$u.redis.password" >/dev/null; done
        [ -s member-key.secret ] || openssl rand -hex 32 >member-key.secret
        if [ ! -s broker.p12 ] || [ ! -s truststore.p12 ]; then
            rm -f ca.* broker.* truststore.p12
            openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=yb-local-ca" \
                -keyout ca.key -out ca.crt 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=yb-broker" \
                -keyout broker.key -out broker.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' \
                >broker.ext
            openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
                -sha256 -extfile broker.ext -out broker.crt 2>/dev/null
            openssl pkcs12 -export -name broker -in broker.crt -inkey broker.key -certfile ca.crt \
                -passout file:store.password -out broker.p12
            keytool -importcert -noprompt -alias yb-local-ca -file ca.crt -storetype PKCS12 \
                -keystore truststore.p12 -storepass:file store.password >/dev/null 2>&1
            rm -f broker.csr broker.ext ca.srl
        fi
    )
}

# yb_secure_client_files: every user's client settings (the addresses are the caller's).
yb_secure_client_files() {
    local s u
    s=$(yb_secure_dir)
    (
        umask 077
        for u in operator "${YB_SECURE_SERVICES[@]}"; do
            {
                echo "security.protocol=SASL_SSL"
                echo "sasl.mechanisms=SCRAM-SHA-512"
                echo "sasl.username=$u"
                echo "sasl.password.file=$s/$u.kafka.password"
                echo "ssl.ca.location=$s/ca.crt"
            } >"$s/$u.librdkafka.conf"
            sed 's/^/kafka./' "$s/$u.librdkafka.conf" >"$s/$u.properties"
            if [ "$u" != lag-exporter ] && [ "$u" != operator ]; then
                {
                    echo "redis.user=$u"
                    echo "redis.password.file=$s/$u.redis.password"
                    echo "redis.key.secret.file=$s/member-key.secret"
                } >>"$s/$u.properties"
            fi
        done
        cat >"$s/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$s/admin.kafka.password")";
ssl.truststore.type=PKCS12
ssl.truststore.location=$s/truststore.p12
ssl.truststore.password=$(cat "$s/store.password")
PROPS
        cat >"$s/admin.kcat.conf" <<PROPS
security.protocol=SASL_SSL
sasl.mechanisms=SCRAM-SHA-512
sasl.username=admin
sasl.password=$(cat "$s/admin.kafka.password")
ssl.ca.location=$s/ca.crt
PROPS
    )
}

# yb_secure_server_properties KAFKA_PORT CONTROLLER_PORT: the broker's listener settings.
# Clients speak SASL_SSL (SCRAM-SHA-512) on KAFKA_PORT; the controller listener takes only
# the broker's own certificate (mutual TLS); the StandardAuthorizer denies what no ACL allows.
yb_secure_server_properties() {
    local s
    s=$(yb_secure_dir)
    local pw
    pw=$(cat "$s/store.password")
    cat <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$2
listeners=SASL_SSL://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2
advertised.listeners=SASL_SSL://127.0.0.1:$1
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$s/admin.kafka.password")";
ssl.keystore.type=PKCS12
ssl.keystore.location=$s/broker.p12
ssl.keystore.password=$pw
ssl.key.password=$pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$s/truststore.p12
ssl.truststore.password=$pw
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:CN=yb-broker
PROPS
}

# yb_secure_scram_args: StorageTool's --add-scram arguments, one per Kafka user (the
# credentials are part of the cluster's first metadata, before any listener is up).
yb_secure_scram_args() {
    local s u
    s=$(yb_secure_dir)
    for u in "${YB_KAFKA_USERS[@]}"; do
        printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$u" "$(cat "$s/$u.kafka.password")"
    done
}

# yb_secure_acls BOOTSTRAP: each service may read its inputs, write its outputs, use its own
# group and transactional ids, and no more; lag-exporter may only describe; the operator
# may do everything with topics and groups (and is the only reader of dead letters).
yb_secure_acls() {
    local bootstrap=$1 s tmp pids=() i=0 failed=0
    s=$(yb_secure_dir)
    tmp=$(mktemp -d)
    acl() { # PRINCIPAL ARGS...
        local who=$1
        shift
        yb_kafka_tool kafka.admin.AclCommand --bootstrap-server "$bootstrap" \
            --command-config "$s/admin.properties" --add --allow-principal "User:$who" "$@" \
            >"$tmp/$i.log" 2>&1 &
        pids+=($!)
        i=$((i + 1))
    }
    # Reads, with the group that commits them (in the transaction) and the txn ids.
    acl enrollment-svc --operation Read --operation Describe --topic enrollments --topic payments
    acl enrollment-svc --operation Write --operation Describe --topic dead-letters
    acl enrollment-svc --operation Write --operation Describe --transactional-id yb-enrollment \
        --resource-pattern-type prefixed
    acl enrollment-svc --operation Read --operation Describe --group yb-enrollment
    acl adjudicator --operation Read --operation Describe --topic claims --topic institutions
    # the barrier asks for the ends of the member topics (ListOffsets: Describe)
    acl adjudicator --operation Describe --topic enrollments --topic payments
    acl adjudicator --operation Write --operation Describe --topic settlements --topic dead-letters
    acl adjudicator --operation Write --operation Describe --transactional-id yb-adjudicator \
        --resource-pattern-type prefixed
    acl adjudicator --operation Read --operation Describe --group yb-adjudicator
    acl fraud-svc --operation Read --operation Describe --topic claims --topic settlements \
        --topic institutions
    acl fraud-svc --operation Write --operation Describe --topic fraud-alerts --topic dead-letters
    acl fraud-svc --operation Write --operation Describe --transactional-id yb-fraud \
        --resource-pattern-type prefixed
    acl fraud-svc --operation Read --operation Describe --group yb-fraud
    acl lag-exporter --operation Describe --topic '*' --group '*'
    acl operator --operation All --topic '*' --group '*' --transactional-id '*'
    acl operator --operation Describe --operation DescribeConfigs --cluster
    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            failed=1
            cat "$tmp/$i.log" >&2
        fi
    done
    rm -rf "$tmp"
    [ "$failed" -eq 0 ] || yb_die "some ACLs could not be added on $bootstrap"
}

# yb_secure_redis_acl_file FILE PREFIX: Redis's users (aclfile), passwords as SHA-256 only.
# The default user is off; every user may only run what it needs on its own keys, and no
# one may FLUSHALL, CONFIG or DEBUG (@dangerous; INFO, which the services read for memory,
# is added back).
yb_secure_redis_acl_file() {
    local file=$1 p=$2 s
    s=$(yb_secure_dir)
    hash() { printf '%s' "$(cat "$s/$1.redis.password")" | sha256sum | cut -d' ' -f1; }
    local common="resetchannels -@all +@read +@write +@connection +@transaction -@dangerous +info"
    (
        umask 077
        cat >"$file" <<ACL
user default off resetkeys -@all
user operator on #$(hash operator) ~* resetchannels +@all -@dangerous +info +scan +client|list
user enrollment-svc on #$(hash enrollment-svc) resetkeys ~$p{m:*}:ev ~${p}progress:* $common
user adjudicator on #$(hash adjudicator) resetkeys %R~$p{m:*}:ev %R~${p}progress:* ~$p{m:*}:acc ~$p{m:*}:claims ~$p{m:*}:cx ~$p{m:*}:rel ~$p{c:*} $common +evalsha +eval +script|load
user fraud-svc on #$(hash fraud-svc) resetkeys %R~$p{m:*}:ev %R~$p{m:*}:acc %R~$p{m:*}:rel ~$p{m:*}:fw ~$p{m:*}:fj ~$p{i:* $common +evalsha +eval +script|load
ACL
    )
}
