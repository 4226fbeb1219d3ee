#!/usr/bin/env bash
# The local stack: Apache Kafka (KRaft, single node), Apicurio Registry (Confluent-compatible API) and
# Redis, and PostgreSQL (the review console's production store) on 127.0.0.1 with non-default ports. Downloads are cached outside the checkout; runtime state
# (pid files, logs, data) lives in one run folder. It stops only what it started (pid files).
#
#   scripts/stack.sh start|stop [service...]|status|env|restart [service]|pid <service>|logs [service]
#   (service: kafka|registry|redis|postgres; `restart kafka` keeps the broker's data)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_VERSION=4.1.1
APICURIO_VERSION=3.3.3
CACHE_DIR=${IW_CACHE_DIR:-$HOME/.cache/integrity-worker}
RUN_DIR=${IW_STACK_DIR:-${TMPDIR:-/tmp}/integrity-worker-stack}
KAFKA_PORT=${IW_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${IW_KAFKA_CONTROLLER_PORT:-19093}
# The broker's SASL listener (SCRAM-SHA-256/512 and PLAIN) for one local user; not a secret.
KAFKA_SASL_PORT=${IW_KAFKA_SASL_PORT:-$((KAFKA_PORT + 2))}
KAFKA_SASL_USER=${IW_KAFKA_SASL_USER:-iw-local}
KAFKA_SASL_PASSWORD=${IW_KAFKA_SASL_PASSWORD:-iw-local-secret}
REGISTRY_PORT=${IW_REGISTRY_PORT:-18081}
REGISTRY_MGMT_PORT=${IW_REGISTRY_MGMT_PORT:-18091}
REDIS_PORT=${IW_REDIS_PORT:-16379}
POSTGRES_PORT=${IW_POSTGRES_PORT:-15432}
PG_BIN=${IW_PG_BIN:-/usr/lib/postgresql/15/bin}
START_DEADLINE_S=${IW_STACK_DEADLINE_S:-300}

KAFKA_LIBS=$CACHE_DIR/kafka-$KAFKA_VERSION/libs
APICURIO_HOME=$CACHE_DIR/apicurio-registry-$APICURIO_VERSION
M2=$CACHE_DIR/m2

# shellcheck source=stack/lib.sh
source "$here/stack/lib.sh"

# --- downloads (cached) ---------------------------------------------------------------------------

need_cmd() { command -v "$1" >/dev/null 2>&1 || die "$1 is required: $2"; }

fetch_kafka() {
  [[ -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar ]] && return
  need_cmd mvn "install Maven (and a JDK 17+)"
  log "resolving Kafka $KAFKA_VERSION from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS.tmp"
  mvn -q -B -f "$here/stack/kafka-pom.xml" -Dmaven.repo.local="$M2" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp"
  mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
}

fetch_apicurio() {
  [[ -f $APICURIO_HOME/quarkus-run.jar ]] && return
  need_cmd mvn "install Maven (and a JDK 17+)"
  log "resolving Apicurio Registry $APICURIO_VERSION from Maven Central into $APICURIO_HOME"
  local dl=$CACHE_DIR/dl
  mvn -q -B -Dmaven.repo.local="$M2" dependency:copy \
    -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$dl"
  rm -rf "$APICURIO_HOME.tmp" && mkdir -p "$APICURIO_HOME.tmp"
  tar -xzf "$dl/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$APICURIO_HOME.tmp"
  mv "$APICURIO_HOME.tmp" "$APICURIO_HOME"
}

ensure_redis() {
  command -v redis-server >/dev/null 2>&1 && return
  [[ $(id -u) == 0 ]] || die "redis-server is missing: run 'sudo apt-get install redis-server'"
  log "installing redis-server from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
}

# Not a service: ffmpeg/ffprobe sample video frames for the worker's video.safety signal and its tests.
ensure_ffmpeg() {
  command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 && return
  [[ $(id -u) == 0 ]] || die "ffmpeg is missing: run 'sudo apt-get install ffmpeg'"
  log "installing ffmpeg from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
}

# --- services -------------------------------------------------------------------------------------

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_kafka() { # start_kafka [keep]: a fresh broker, or with "keep" the one whose data is on disk
  running kafka && { log "kafka already running (pid $(saved_pid kafka))"; return; }
  fetch_kafka
  local port
  for port in "$KAFKA_PORT" "$KAFKA_SASL_PORT"; do
    tcp_open "$port" && die "port $port is taken by a process this script did not start"
  done
  local dir=$RUN_DIR/kafka
  if [[ ${1:-} == keep && -f $dir/data/meta.properties ]]; then
    KAFKA_STARTS_BEFORE=$(kafka_starts)
    launch kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$dir/server.properties"
    wait_for kafka kafka_ready
    log "kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT (data kept)"
    return
  fi
  rm -rf "$dir" && mkdir -p "$dir/data"
  sed -e "s#@PORT@#$KAFKA_PORT#g; s#@CTRL_PORT@#$KAFKA_CONTROLLER_PORT#g; s#@DATA@#$dir/data#g" \
    -e "s#@SASL_PORT@#$KAFKA_SASL_PORT#g; s#@SASL_USER@#$KAFKA_SASL_USER#g" \
    -e "s#@SASL_PASSWORD@#$KAFKA_SASL_PASSWORD#g" \
    "$here/stack/kafka.properties" >"$dir/server.properties"
  local cluster_id
  cluster_id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid)
  local scram="name=$KAFKA_SASL_USER,password=$KAFKA_SASL_PASSWORD"
  "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
    --add-scram "SCRAM-SHA-256=[$scram]" --add-scram "SCRAM-SHA-512=[$scram]" \
    --ignore-formatted >"$(logfile kafka)" 2>&1 || fail_start kafka "storage format failed"
  KAFKA_STARTS_BEFORE=0
  launch kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$dir/server.properties"
  wait_for kafka kafka_ready
  log "kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT"
}

KAFKA_JAVA=(java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$here/stack/log4j2.properties" -cp "$KAFKA_LIBS/*")

# Ready means this start of the broker logged that it serves (the log is appended to across restarts:
# count the lines that say so), not just that the port is open.
kafka_ready() {
  tcp_open "$KAFKA_PORT" && (($(kafka_starts) > KAFKA_STARTS_BEFORE))
}
kafka_starts() { grep -c "Kafka Server started" "$(logfile kafka)" 2>/dev/null || true; }

# Apicurio 3.x is compiled for Java 21: use IW_REGISTRY_JAVA, else the first JDK >= 21 found.
registry_java() {
  local c v
  for c in "${IW_REGISTRY_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" java /usr/lib/jvm/*/bin/java; do
    [[ -n $c ]] && command -v "$c" >/dev/null 2>&1 || continue
    v=$("$c" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
    [[ ${v%%.*} -ge 21 ]] 2>/dev/null && { echo "$c"; return; }
  done
  return 1
}

start_registry() {
  running registry && { log "registry already running (pid $(saved_pid registry))"; return; }
  fetch_apicurio
  local java
  java=$(registry_java) || die "Apicurio Registry $APICURIO_VERSION needs Java 21+; set IW_REGISTRY_JAVA"
  tcp_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by a process this script did not start"
  : >"$(logfile registry)"
  # env -C execs the JVM in Apicurio's folder: the saved pid is the JVM itself, never a subshell.
  launch registry env -C "$APICURIO_HOME" "$java" -Xms128m -Xmx512m \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
    -Dquarkus.log.level=WARN -Dquarkus.log.category.\"io.apicurio\".level=INFO \
    -jar quarkus-run.jar
  wait_for registry curl -fsS "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects"
  log "apicurio registry $APICURIO_VERSION ready on http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"
}

start_redis() {
  running redis && { log "redis already running (pid $(saved_pid redis))"; return; }
  ensure_redis
  tcp_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by a process this script did not start"
  mkdir -p "$RUN_DIR/redis"
  : >"$(logfile redis)"
  launch redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN_DIR/redis" --save '' \
    --appendonly no --daemonize no
  wait_for redis redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
  log "redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2) ready on 127.0.0.1:$REDIS_PORT"
}

# --- PostgreSQL (the review console's production store) -------------------------------------------
# Debian's PostgreSQL 15 binaries, a throwaway cluster under the run folder (trust auth on loopback,
# no fsync: test data only), database `integrity` owned by `integrity`. Runs as the invoking user;
# as root, as the `postgres` system user (initdb refuses root).

ensure_postgres() {
  [[ -x $PG_BIN/initdb ]] && return
  [[ $(id -u) == 0 ]] || die "PostgreSQL 15 is missing: run 'sudo apt-get install postgresql-15'"
  log "installing postgresql-15 from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
}

as_pg_user() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  running postgres && { log "postgres already running (pid $(saved_pid postgres))"; return; }
  ensure_postgres
  tcp_open "$POSTGRES_PORT" && die "port $POSTGRES_PORT is taken by a process this script did not start"
  local dir=$RUN_DIR/postgres
  rm -rf "$dir" && mkdir -p "$dir"
  # As root the cluster runs as `postgres`, which must be able to traverse the run folder (a private
  # 0700 folder, e.g. from mktemp, would refuse it): search permission only, no listing.
  [[ $(id -u) == 0 ]] && chmod o+x "$RUN_DIR" && chown postgres "$dir"
  as_pg_user "$PG_BIN/initdb" -D "$dir/data" -U integrity --auth=trust -E UTF8 --no-sync >"$(logfile postgres)" 2>&1 \
    || fail_start postgres "initdb failed"
  [[ $(id -u) == 0 ]] && chown postgres "$(logfile postgres)"
  # pg_ctl forks the postmaster and returns: its pid (first line of postmaster.pid) is the one we keep.
  as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$(logfile postgres)" -s \
    -o "-c listen_addresses=127.0.0.1 -p $POSTGRES_PORT -k $dir -c fsync=off -c full_page_writes=off" start \
    || fail_start postgres "pg_ctl start failed"
  record_pid postgres "$(head -1 "$dir/data/postmaster.pid")"
  wait_for postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT"
  "$PG_BIN/psql" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U integrity -d postgres -c 'CREATE DATABASE integrity' \
    >>"$(logfile postgres)" 2>&1 || fail_start postgres "CREATE DATABASE failed"
  log "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$POSTGRES_PORT"
}

stop_postgres() { # SIGINT is PostgreSQL's fast shutdown (SIGTERM waits for every client to leave)
  local pid
  pid=$(saved_pid postgres) || return 0
  if running postgres; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do running postgres || break; sleep 0.5; done
  fi
  stop_one postgres
}

stop_service() { if [[ $1 == postgres ]]; then stop_postgres; else stop_one "$1"; fi; }

status() {
  local svc rc=0
  for svc in kafka registry redis postgres; do
    if running "$svc"; then echo "$svc: running (pid $(saved_pid "$svc"))"
    else echo "$svc: stopped"; rc=3; fi
  done
  return $rc
}

print_env() {
  cat <<EOF
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT
SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
CONSOLE_POSTGRES_URL=postgres://integrity@127.0.0.1:$POSTGRES_PORT/integrity
EOF
}

cmd=${1:-status}
mkdir -p "$RUN_DIR" "$CACHE_DIR"
case $cmd in
  start)
    need_cmd java "install a JDK 17+"
    need_cmd curl "install curl"
    # Fetch everything first so that download time never counts against a readiness deadline.
    fetch_kafka; fetch_apicurio; ensure_redis; ensure_postgres; ensure_ffmpeg
    start_redis; start_kafka; start_registry; start_postgres
    print_env ;;
  stop) # stop [service...]: all of them by default, the registry and the broker first
    shift
    (($# > 0)) || set -- postgres registry kafka redis
    for svc in "$@"; do
      case $svc in kafka | registry | redis | postgres) stop_service "$svc" ;; *) die "unknown service $svc" ;; esac
    done ;;
  restart)
    case ${2:-all} in
      # The broker keeps its data (topics, offsets, transactions): what a broker restart in production does.
      kafka) stop_one kafka; start_kafka keep ;;
      registry) stop_one registry; start_registry ;;
      redis) stop_one redis; start_redis ;;
      postgres) stop_postgres; start_postgres ;;
      all)
        stop_postgres; stop_one registry; stop_one kafka; stop_one redis
        start_redis; start_kafka; start_registry; start_postgres ;;
      *) die "usage: $0 restart [kafka|registry|redis|postgres]" ;;
    esac ;;
  pid) running "${2:-}" || die "${2:-?} is not running"; saved_pid "$2" ;;
  status) status ;;
  env) print_env ;;
  logs) tail -n "${LINES:-100}" "$(logfile "${2:-kafka}")" ;;
  *) die "usage: $0 start|stop|restart [service]|status|env|pid <service>|logs [service]" ;;
esac
