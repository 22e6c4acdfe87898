#!/usr/bin/env bash
# local-cluster.sh start|stop|status|env -- a standalone Spark 3.5.9 cluster on this machine (a master and
# workers on 127.0.0.1, each executor its own JVM), to try submit-scripts/*.sh without a real cluster.
#
#   start   build the SPARK_HOME if needed (Spark's jars resolved by Maven from local-cluster/pom.xml and linked,
#           no download of a Spark distribution), start the master and the workers, print how to submit
#   stop    stop the workers (their executors go with them) and the master
#   status  which daemons run, the master URL, the workers and applications the master knows
#   env     the export lines for submit-scripts/*.sh (eval "$(submit-scripts/local-cluster.sh env)")
#
#   SINKLORA_CLUSTER_DIR     SPARK_HOME, logs, work dirs and pid files (default: <project>/target/local-cluster)
#   SINKLORA_CLUSTER_WORKERS number of workers (2); SINKLORA_WORKER_CORES (1), SINKLORA_WORKER_MEMORY (2g): what
#                            each worker offers; conf/spark-local-cluster.conf asks for 1 core and 2g per executor
#   SINKLORA_CLUSTER_PORT    master port (7077); web UIs on SINKLORA_CLUSTER_UI_PORT (8080) and the next ports
#   MAVEN_ARGS               extra mvn arguments for resolving the jars (e.g. -o when ~/.m2 has them)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
dir="${SINKLORA_CLUSTER_DIR:-$root/target/local-cluster}"
spark_home="$dir/spark-home"
# status and env default to the ports the cluster was last started with
if [[ -f "$dir/cluster.env" ]]; then
  # shellcheck disable=SC1091
  source "$dir/cluster.env"
fi
workers="${SINKLORA_CLUSTER_WORKERS:-2}"
worker_cores="${SINKLORA_WORKER_CORES:-1}"
worker_memory="${SINKLORA_WORKER_MEMORY:-2g}"
port="${SINKLORA_CLUSTER_PORT:-7077}"
ui_port="${SINKLORA_CLUSTER_UI_PORT:-8080}"
master_url="spark://127.0.0.1:$port"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# The module opens Spark needs on Java 17 (as submit-scripts/sinklora and the confs).
opens=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
)

die() { echo "local-cluster: $*" >&2; exit 2; }

# The pid in a pid file if that process is still one of ours (its command line names our SPARK_HOME).
running_pid() {
  local f="$dir/pids/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$spark_home" || return 1
  echo "$pid"
}

# SPARK_HOME: jars/ links the jars Maven resolves, bin/spark-submit, conf/ with the project's log4j2 settings (for
# drivers and executors; the daemons log at Spark's default INFO level).
build_spark_home() {
  local pom="$here/local-cluster/pom.xml" stamp="$spark_home/jars/.resolved"
  if [[ -f "$stamp" && "$stamp" -nt "$pom" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: Maven resolves Spark's jars for the cluster"
  echo "local-cluster: resolving Spark 3.5.9's jars with Maven into $spark_home/jars" >&2
  rm -rf "$spark_home/jars"
  mkdir -p "$spark_home/jars" "$spark_home/bin" "$spark_home/conf"
  # shellcheck disable=SC2086  # MAVEN_ARGS is a list of words on purpose
  mvn -q -B -ntp -Dstyle.color=never ${MAVEN_ARGS:-} -f "$pom" dependency:build-classpath -Dmdep.outputFile="$dir/classpath.txt" >&2 \
    || die "Maven could not resolve $pom"
  local jars jar
  IFS=: read -ra jars < "$dir/classpath.txt" || true # one line, no newline at its end
  for jar in "${jars[@]}"; do ln -s "$jar" "$spark_home/jars/"; done
  cp "$here/local-cluster/spark-submit" "$spark_home/bin/spark-submit"
  chmod +x "$spark_home/bin/spark-submit"
  ln -sf "$root/conf/log4j2.properties" "$spark_home/conf/log4j2.properties"
  touch "$stamp"
}

# Runs a Spark daemon detached (its own session, output to a log file) and records its pid.
start_daemon() {
  local name="$1"; shift
  setsid "$java_bin" -Xmx512m "${opens[@]}" -cp "$spark_home/jars/*" "$@" \
    > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/pids/$name.pid"
}

# Waits until a log file shows a line (or the daemon died), at most 90 s.
await_log() {
  local name="$1" pattern="$2" i
  for ((i = 0; i < 180; i++)); do
    grep -q "$pattern" "$dir/logs/$name.log" 2>/dev/null && return 0
    running_pid "$name" >/dev/null || die "$name exited; see $dir/logs/$name.log"
    sleep 0.5
  done
  die "$name did not report '$pattern' within 90 s; see $dir/logs/$name.log"
}

print_env() {
  echo "export SPARK_HOME=$spark_home"
  echo "export SPARK_SUBMIT_ARGS=\"--master $master_url\""
  echo "export SINKLORA_SPARK_CONF=$root/conf/spark-local-cluster.conf"
}

start() {
  "$java_bin" -version 2>&1 | grep -q 'version "17' || die "needs Java 17 (set JAVA_HOME to a JDK 17)"
  if running_pid master >/dev/null; then die "already running ($master_url); stop it first"; fi
  build_spark_home
  mkdir -p "$dir/logs" "$dir/pids"
  printf ': "${SINKLORA_CLUSTER_PORT:=%s}" "${SINKLORA_CLUSTER_UI_PORT:=%s}"\n' "$port" "$ui_port" > "$dir/cluster.env"
  export SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
  start_daemon master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$ui_port"
  await_log master "I have been elected leader"
  local i
  for ((i = 1; i <= workers; i++)); do
    rm -rf "$dir/work$i"
    start_daemon "worker$i" org.apache.spark.deploy.worker.Worker "$master_url" --host 127.0.0.1 \
      --cores "$worker_cores" --memory "$worker_memory" --webui-port "$((ui_port + i))" --work-dir "$dir/work$i"
  done
  for ((i = 1; i <= workers; i++)); do await_log "worker$i" "Successfully registered with master"; done
  echo "local-cluster: master $master_url (web UI http://127.0.0.1:$ui_port), $workers workers x $worker_cores core(s), $worker_memory" >&2
  echo "local-cluster: logs in $dir/logs, executor and driver logs under $dir/work*; submit with:" >&2
  print_env
}

stop() {
  local name pid i stopped=0
  for name in $(ls "$dir/pids" 2>/dev/null | sed 's/\.pid$//' | sort -r); do # workers before the master
    if pid="$(running_pid "$name")"; then
      kill -TERM "$pid"
      for ((i = 0; i < 40; i++)); do running_pid "$name" >/dev/null || break; sleep 0.5; done
      if running_pid "$name" >/dev/null; then kill -KILL "$pid"; fi
      echo "local-cluster: stopped $name (pid $pid)" >&2
      stopped=1
    fi
    rm -f "$dir/pids/$name.pid"
  done
  [[ $stopped -eq 1 ]] || echo "local-cluster: nothing running" >&2
}

status() {
  local name pid any=0
  for name in $(ls "$dir/pids" 2>/dev/null | sed 's/\.pid$//' | sort); do
    if pid="$(running_pid "$name")"; then echo "$name: running (pid $pid)"; any=1; else echo "$name: not running"; fi
  done
  [[ $any -eq 1 ]] || { echo "local-cluster: not running"; return 3; }
  echo "master: $master_url, web UI http://127.0.0.1:$ui_port"
  if command -v curl >/dev/null; then
    curl -s "http://127.0.0.1:$ui_port/json/" | tr -d '\n ' \
      | grep -o '"aliveworkers":[0-9]*\|"activeapps":\[[^]]*\]' | sed 's/"activeapps":\[\]/"activeapps":none/' || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: local-cluster.sh start|stop|status|env" >&2; exit 2 ;;
esac
