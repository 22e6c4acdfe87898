#!/usr/bin/env bash
# Shared body of prep-corpus.sh / prep-sft.sh: spark-submit the shaded jar with a properties file
# from conf/ and pass the job options through. Not meant to be called directly.
#   SINKLORA_SPARK_CONF  properties file (default: conf/spark-prep-cluster.conf; conf/spark-prep-local.conf for one machine)
#   SPARK_SUBMIT_ARGS    extra spark-submit arguments, e.g. "--master yarn --queue data"
#   SPARK_HOME           where spark-submit lives (else it must be on PATH)
set -euo pipefail

command_name="$1"; shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$root/spark-jobs/target/sinklora-spark.jar"
conf="${SINKLORA_SPARK_CONF:-$root/conf/spark-prep-cluster.conf}"
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

# shellcheck disable=SC2086  # SPARK_SUBMIT_ARGS is a list of words on purpose
exec "$submit" --properties-file "$conf" --name "sinklora $command_name" \
  --class dev.sinklora.cli.SinkLoraCli ${SPARK_SUBMIT_ARGS:-} "$jar" "$command_name" "$@"
