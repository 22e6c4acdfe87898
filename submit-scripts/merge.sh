#!/usr/bin/env bash
# merge.sh --base URI --adapters URI[,URI...] --out URI [merge options]
#
# Exports LoRA adapters (adapter directories and/or run directories of step-* checkpoints) as Hugging Face
# checkpoints on a Spark cluster, one task per adapter, into --out/<name>. Paths may be hdfs:// or s3a:// URIs.
# Options are those of `sinklora merge --help` (--dtype, --max-shard-size, --overwrite, --rope-factor).
#
# Environment:
#   SPARK_SUBMIT        spark-submit to run (default: spark-submit on PATH)
#   SPARK_MASTER        --master (default: whatever spark-defaults.conf says)
#   SPARK_PROPERTIES    a --properties-file (e.g. one of conf/spark-defaults-*.conf)
#   SINKLORA_JAR        the application jar (default: spark-jobs/target/sinklora-spark.jar)
#   EXTRA_SPARK_ARGS    more spark-submit arguments, e.g. "--num-executors 8 --executor-cores 2"
#
# Memory: a merge holds about one tensor in FP32 plus I/O buffers, off the JVM heap (ND4J). Give executors
# overhead for the largest tensor: e.g. a 7B LLaMA's embedding is 32000 x 4096 x 4 B = 0.5 GB, so
# spark.executor.memoryOverhead=2g with a small heap (spark.executor.memory=2g) per task slot is plenty.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="${SINKLORA_JAR:-$root/spark-jobs/target/sinklora-spark.jar}"
if [[ ! -f "$jar" ]]; then
  echo "merge.sh: $jar is not built; run: (cd $root && mvn -q package -DskipTests)" >&2
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

args=(--class dev.sinklora.cli.SinkLoraCli --name sinklora-merge
  --conf "spark.driver.extraJavaOptions=$opens"
  --conf "spark.executor.extraJavaOptions=$opens"
  # A speculative copy of an export would only find the output already committed; don't start one.
  --conf spark.speculation=false)
[[ -n "${SPARK_MASTER:-}" ]] && args+=(--master "$SPARK_MASTER")
[[ -n "${SPARK_PROPERTIES:-}" ]] && args+=(--properties-file "$SPARK_PROPERTIES")
# shellcheck disable=SC2206
[[ -n "${EXTRA_SPARK_ARGS:-}" ]] && args+=(${EXTRA_SPARK_ARGS})

exec "${SPARK_SUBMIT:-spark-submit}" "${args[@]}" "$jar" merge "$@"
