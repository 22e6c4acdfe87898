#!/usr/bin/env bash
# eval-ppl.sh --model URI [--adapter URI] --data URI --seq-len N[,N...] [eval-ppl options]
#
# Long-context perplexity of a prep-corpus split on a Spark cluster: windows are scored in parallel tasks, base
# weights loaded once per executor. Options are those of `sinklora eval-ppl --help` (--split, --protocol
# longlora|strided, --stride, --max-windows, --attention, --rope-factor). Paths may be hdfs:// or s3a:// URIs.
# The last stdout line is JSON (tokens, mean_nll, ppl, windows, results per --seq-len).
#
# Environment:
#   SPARK_SUBMIT        spark-submit to run (default: spark-submit on PATH)
#   SPARK_MASTER        --master (default: whatever spark-defaults.conf says)
#   SPARK_PROPERTIES    a --properties-file (e.g. one of conf/spark-*.conf)
#   SINKLORA_JAR        the application jar (default: spark-jobs/target/sinklora-spark.jar)
#   EXTRA_SPARK_ARGS    more spark-submit arguments, e.g. "--num-executors 8 --executor-cores 1"
#
# Memory: each executor holds the base in FP32 off the JVM heap (ND4J): 4 bytes per parameter (7B: ~27 GB), once
# per executor JVM, plus per running task one window's activations: logits alone are N x vocab x 4 bytes (4096 x
# 32000: 0.5 GB) and full attention scores heads x N x N x 4 bytes per layer (32 x 4096^2: 2 GB). Give executors
# memoryOverhead for that and few cores (one task per core scores one window at a time). The driver holds the token
# stream (4 bytes a token) and broadcasts it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="${SINKLORA_JAR:-$root/spark-jobs/target/sinklora-spark.jar}"
if [[ ! -f "$jar" ]]; then
  echo "eval-ppl.sh: $jar is not built; run: (cd $root && mvn -q package -DskipTests)" >&2
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

args=(--class dev.sinklora.cli.SinkLoraCli --name sinklora-eval-ppl
  --conf "spark.driver.extraJavaOptions=$opens"
  --conf "spark.executor.extraJavaOptions=$opens")
[[ -n "${SPARK_MASTER:-}" ]] && args+=(--master "$SPARK_MASTER")
[[ -n "${SPARK_PROPERTIES:-}" ]] && args+=(--properties-file "$SPARK_PROPERTIES")
# shellcheck disable=SC2206
[[ -n "${EXTRA_SPARK_ARGS:-}" ]] && args+=(${EXTRA_SPARK_ARGS})

exec "${SPARK_SUBMIT:-spark-submit}" "${args[@]}" "$jar" eval-ppl "$@"
