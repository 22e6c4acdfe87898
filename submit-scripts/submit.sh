#!/usr/bin/env bash
# submit.sh <command> [options]: spark-submit any sinklora command on a cluster: the shaded jar, a
# properties file from conf/ chosen per command, the job's options passed through. The per-job
# wrappers (prep-corpus.sh, train.sh, merge.sh, ...) call this.
#   SINKLORA_SPARK_CONF  properties file; default per command: prep-* -> conf/spark-prep-cluster.conf,
#                        train/eval-ppl/passkey -> conf/spark-train-gpu.conf (CPU: conf/spark-train-cpu.conf),
#                        merge -> conf/spark-train-cpu.conf; conf/spark-prep-local.conf for one machine
#   SPARK_SUBMIT_ARGS    extra spark-submit arguments, e.g. "--master yarn --queue data"
#   SPARK_HOME           where spark-submit lives (else it must be on PATH)
set -euo pipefail

command_name="$1"; shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$root/spark-jobs/target/sinklora-spark.jar"
case "$command_name" in
  prep-*)                 default_conf="spark-prep-cluster.conf" ;;
  train|eval-ppl|passkey) default_conf="spark-train-gpu.conf" ;;
  *)                      default_conf="spark-train-cpu.conf" ;;
esac
conf="${SINKLORA_SPARK_CONF:-$root/conf/$default_conf}"
submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"

if [[ ! -f "$jar" ]]; then
  echo "$command_name: $jar is not built; run: (cd $root && mvn -q package -DskipTests)" >&2
  exit 2
fi
if [[ ! -f "$conf" ]]; then
  echo "$command_name: no Spark properties file at $conf (SINKLORA_SPARK_CONF)" >&2
  exit 2
fi
if ! command -v "$submit" >/dev/null 2>&1; then
  echo "$command_name: spark-submit not found; set SPARK_HOME or put it on PATH (or use submit-scripts/sinklora for local runs)" >&2
  exit 2
fi

# Credentials belong in the environment, an instance role or a credential provider file, not on the
# spark-submit command line, which ps and crash dumps show (README: "S3 credentials").
if [[ "${SPARK_SUBMIT_ARGS:-}" =~ (secret\.key|access\.key|session\.token|[Pp]assword)= ]]; then
  echo "$command_name: warning: SPARK_SUBMIT_ARGS holds a credential (${BASH_REMATCH[1]}=...): it will be visible on" \
    "the command line (ps, hs_err_pid*.log); use an instance role or hadoop.security.credential.provider.path" >&2
fi

# shellcheck disable=SC2086  # SPARK_SUBMIT_ARGS is a list of words on purpose
exec "$submit" --properties-file "$conf" --name "sinklora $command_name" \
  --class dev.sinklora.cli.SinkLoraCli ${SPARK_SUBMIT_ARGS:-} "$jar" "$command_name" "$@"
