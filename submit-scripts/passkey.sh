#!/usr/bin/env bash
# passkey.sh --model URI [--adapter URI] --tokenizer PATH --lengths N[,N...] [passkey options]
#
# LongLoRA's passkey retrieval test on a Spark cluster, one task per trial (base weights loaded once per
# executor). Options are those of `sinklora passkey --help` (--trials 10, --seed 0, --depth-buckets 5, --heatmap
# PATH, --attention, --rope-factor). Paths may be hdfs:// or s3a:// URIs; the heat map is written through Hadoop
# FileSystem too. The last stdout line is JSON with accuracy per length and per depth bucket.
#
# Environment:
#   SPARK_SUBMIT        spark-submit to run (default: spark-submit on PATH)
#   SPARK_MASTER        --master (default: whatever spark-defaults.conf says)
#   SPARK_PROPERTIES    a --properties-file (e.g. one of conf/spark-*.conf)
#   SINKLORA_JAR        the application jar (default: spark-jobs/target/sinklora-spark.jar)
#   EXTRA_SPARK_ARGS    more spark-submit arguments, e.g. "--num-executors 8 --executor-cores 1"
#
# Memory and time: each executor holds the base in FP32 off the JVM heap (ND4J): 4 bytes per parameter, once per
# executor JVM. A trial re-runs the full forward pass for each answer token (6 for LLaMA-2) with only the last
# position's logits computed; full attention scores take heads x L x L x 4 bytes per layer, so lengths past ~8k
# need large executors (or wait for the KV-cache decoder).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="${SINKLORA_JAR:-$root/spark-jobs/target/sinklora-spark.jar}"
if [[ ! -f "$jar" ]]; then
  echo "passkey.sh: $jar is not built; run: (cd $root && mvn -q package -DskipTests)" >&2
  exit 2
fi

# Same flags as the tests' surefire argLine (shared/docs/dependencies.md), for driver and executors.
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
--add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
-Djdk.reflect.useDirectMethodHandle=false"

args=(--class dev.sinklora.cli.SinkLoraCli --name sinklora-passkey
  --conf "spark.driver.extraJavaOptions=$opens"
  --conf "spark.executor.extraJavaOptions=$opens")
[[ -n "${SPARK_MASTER:-}" ]] && args+=(--master "$SPARK_MASTER")
[[ -n "${SPARK_PROPERTIES:-}" ]] && args+=(--properties-file "$SPARK_PROPERTIES")
# shellcheck disable=SC2206
[[ -n "${EXTRA_SPARK_ARGS:-}" ]] && args+=(${EXTRA_SPARK_ARGS})

exec "${SPARK_SUBMIT:-spark-submit}" "${args[@]}" "$jar" passkey "$@"
