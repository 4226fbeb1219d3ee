# Process bookkeeping for scripts/stack.sh, sourceable on its own (test/unit/stack drives it): pid
# files, whether a saved pid is still our service, waiting for readiness, starting and stopping.
# Needs RUN_DIR; START_DEADLINE_S defaults to 120.

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }
pidfile() { echo "$RUN_DIR/$1.pid"; }
logfile() { echo "$RUN_DIR/$1.log"; }

# A pid file holds "<pid> <start time>": the start time (field 22 of /proc/<pid>/stat, clock ticks
# since boot) is set at fork and kept across exec, so the identity check holds from the moment the
# child exists (also while it is still the forked shell, before it execs the JVM) and a reused pid
# never matches. No pipeline: under pipefail `tr | grep -q` fails when grep exits early (SIGPIPE).
start_time() { # start_time <pid>: prints the process's start time, fails when there is no such process
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the command name (field 2) may hold spaces and parentheses: cut after its last ')'
  local -a fields
  read -r -a fields <<<"$stat"
  echo "${fields[19]}" # field 22 overall; field 3 is fields[0]
}

record_pid() { # record_pid <service> <pid>: saves the pid with its start time
  local t
  t=$(start_time "$2") || t=gone
  printf '%s %s\n' "$2" "$t" >"$(pidfile "$1")"
}

saved_pid() { # saved_pid <service>: the pid of its pid file
  local f pid _t
  f=$(pidfile "$1")
  [[ -f $f ]] || return 1
  read -r pid _t <"$f" || [[ -n ${pid:-} ]] || return 1
  echo "$pid"
}

marker() { case $1 in kafka) echo kafka.Kafka ;; registry) echo quarkus-run.jar ;; postgres) echo postgres ;; *) echo redis-server ;; esac; }

running() { # running <service>: its saved pid is alive and still the process we started
  local f pid saved now cmdline
  f=$(pidfile "$1")
  [[ -f $f ]] || return 1
  read -r pid saved <"$f" || [[ -n ${pid:-} ]] || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  now=$(start_time "$pid") || return 1
  if [[ -n ${saved:-} ]]; then
    [[ $now == "$saved" ]]
  else # a pid file of an older stack script (pid only, written once the service ran): its command line
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"$(marker "$1")"* ]]
  fi
}

fail_start() { # fail_start <service> <why>: names the service and shows its log tail
  local f; f=$(logfile "$1")
  printf '[stack] error: %s did not start: %s\n' "$1" "$2" >&2
  [[ -f $f ]] && { printf -- '--- last lines of %s ---\n' "$f" >&2; tail -n 40 "$f" >&2; }
  exit 1
}

wait_for() { # wait_for <service> <probe command...>: polls until the probe passes or the deadline
  local svc=$1; shift
  local deadline=$((SECONDS + ${START_DEADLINE_S:-120}))
  until "$@" >/dev/null 2>&1; do
    running "$svc" || fail_start "$svc" "the process exited"
    ((SECONDS < deadline)) || fail_start "$svc" "not ready after ${START_DEADLINE_S:-120}s"
    sleep 0.5
  done
}

launch() { # launch <service> <command...>: starts it in the background, its output appended to its log
  local svc=$1; shift
  nohup "$@" >>"$(logfile "$svc")" 2>&1 &
  record_pid "$svc" $!
}

stop_one() { # stop_one <service>: SIGTERM (SIGKILL after 30 s) to the process we started, if it runs
  local svc=$1 pid
  pid=$(saved_pid "$svc") || return 0
  if running "$svc"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do running "$svc" || break; sleep 0.5; done
    running "$svc" && { log "$svc ignored SIGTERM for 30s; killing"; kill -KILL "$pid"; }
    log "$svc stopped"
  fi
  rm -f "$(pidfile "$svc")"
}
