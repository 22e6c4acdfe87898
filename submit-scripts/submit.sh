#!/usr/bin/env bash
# submit.sh <command> [options]: spark-submit any sinklora command on a cluster: the shaded jar, a
# properties file from conf/ chosen per command, the job's options passed through. The per-job
# wrappers (prep-corpus.sh, train.sh, merge.sh, ...) call this.
#   SINKLORA_SPARK_CONF    properties file; default per command: prep-* -> conf/spark-prep-cluster.conf;
#                          train/eval-ppl/passkey -> conf/spark-train-gpu.conf if the jar was built with CUDA
#                          (mvn -Pcuda package), else conf/spark-train-cpu.conf; merge -> conf/spark-train-cpu.conf
#   SPARK_SUBMIT_ARGS      extra spark-submit arguments, e.g. "--master yarn --queue data"
#   SINKLORA_S3A_PACKAGES  what --packages adds when an argument is an s3a:// URI (default: hadoop-aws 3.3.4 =
#                          Spark 3.5's Hadoop, which brings its AWS SDK bundle); set it empty when the cluster
#                          ships hadoop-aws itself, or pass the jars with --jars in SPARK_SUBMIT_ARGS
#   SPARK_HOME             where spark-submit lives (else it must be on PATH)
# Prints one line saying what the job asks the cluster for. Deploy mode is client (the confs' default): the driver
# runs here and prints the job's result. In cluster mode the driver runs on a cluster node: its output goes to that
# node's driver log, so paths must be absolute or URIs (relative ones are refused here) and, on standalone,
# spark-submit waits for the application (spark.standalone.submit.waitAppCompletion).
set -euo pipefail

command_name="$1"; shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$root/spark-jobs/target/sinklora-spark.jar"
submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
s3a_packages="${SINKLORA_S3A_PACKAGES-org.apache.hadoop:hadoop-aws:3.3.4}"

fail() { echo "$command_name: $*" >&2; exit 2; }

if [[ ! -f "$jar" ]]; then
  fail "$jar is not built; run: (cd $root && mvn -q package -DskipTests)"
fi
backend="$("$java_bin" -cp "$jar" dev.sinklora.cli.BuildInfo)" || fail "cannot read the build info of $jar"
backend="${backend#nd4j.backend=}"
case "$command_name" in
  prep-*) default_conf="spark-prep-cluster.conf" ;;
  train | eval-ppl | passkey)
    if [[ "$backend" == nd4j-cuda* ]]; then default_conf="spark-train-gpu.conf"; else default_conf="spark-train-cpu.conf"; fi ;;
  *) default_conf="spark-train-cpu.conf" ;;
esac
conf="${SINKLORA_SPARK_CONF:-$root/conf/$default_conf}"
[[ -f "$conf" ]] || fail "no Spark properties file at $conf (SINKLORA_SPARK_CONF)"
command -v "$submit" >/dev/null 2>&1 \
  || fail "spark-submit not found; set SPARK_HOME or put it on PATH (or use submit-scripts/sinklora for local runs)"

# A setting as the job will see it: a --conf KEY=VALUE in SPARK_SUBMIT_ARGS, else the properties file.
read -ra submit_args <<< "${SPARK_SUBMIT_ARGS:-}"
setting() {
  local key="$1" value="" i
  value="$(awk -v k="$key" '$1 == k { $1 = ""; sub(/^[ \t=]+/, ""); v = $0 } END { print v }' "$conf")"
  for ((i = 0; i < ${#submit_args[@]}; i++)); do
    if [[ "${submit_args[i]}" == --conf && "${submit_args[i + 1]:-}" == "$key="* ]]; then
      value="${submit_args[i + 1]#*=}"
    elif [[ "${submit_args[i]}" == "--conf=$key="* ]]; then
      value="${submit_args[i]#--conf=$key=}"
    fi
  done
  echo "$value"
}
deploy_mode="$(setting spark.submit.deployMode)"
for ((i = 0; i < ${#submit_args[@]}; i++)); do
  [[ "${submit_args[i]}" == --deploy-mode ]] && deploy_mode="${submit_args[i + 1]:-}"
  [[ "${submit_args[i]}" == --deploy-mode=* ]] && deploy_mode="${submit_args[i]#--deploy-mode=}"
done
deploy_mode="${deploy_mode:-client}"

extra=()
if [[ "$deploy_mode" == cluster ]]; then
  # The driver's working directory is on some cluster node: a relative path would name a file there.
  prev=""
  for a in "$@"; do
    opt="$prev" value="$a"
    if [[ "$a" == --*=* ]]; then opt="${a%%=*}" value="${a#*=}"; fi
    case "$opt" in
      --out | --data | --base | --model | --adapter | --adapters | --input | --tokenizer | --heatmap)
        IFS=, read -ra parts <<< "$value"
        for p in "${parts[@]}"; do
          [[ "$p" == /* || "$p" == *://* ]] \
            || fail "$opt $value: a relative path in cluster deploy mode resolves on the driver's cluster node; give an absolute path or a URI (hdfs://, s3a://)"
        done ;;
    esac
    prev="$a"
  done
  extra+=(--conf spark.standalone.submit.waitAppCompletion=true)
fi

# GPU executors: YARN localizes --files in the executor's working directory before the executor runs its
# discovery script there (./getGpusResources.sh in conf/spark-train-gpu.conf). Standalone workers discover GPUs
# themselves; Kubernetes images must contain the script (README, cluster section).
if [[ "$(setting spark.executor.resource.gpu.discoveryScript)" == ./getGpusResources.sh ]]; then
  extra+=(--files "$root/conf/getGpusResources.sh")
fi

# s3a:// needs hadoop-aws and its AWS SDK, which a stock Spark distribution does not ship.
if [[ -n "$s3a_packages" && " $* " == *s3a://* ]]; then
  extra+=(--packages "$s3a_packages")
fi

# Credentials belong in the environment, an instance role or a credential provider file, not on the
# spark-submit command line, which ps and crash dumps show (README: "S3 credentials").
if [[ "${SPARK_SUBMIT_ARGS:-}" =~ (secret\.key|access\.key|session\.token|[Pp]assword)= ]]; then
  echo "$command_name: warning: SPARK_SUBMIT_ARGS holds a credential (${BASH_REMATCH[1]}=...): it will be visible on" \
    "the command line (ps, hs_err_pid*.log); use an instance role or hadoop.security.credential.provider.path" >&2
fi

# What the job asks each node for (a setting the properties leave out has Spark's default).
asked() { local v; v="$(setting "$1")"; echo "${v:-default}"; }
gpus="$(setting spark.executor.resource.gpu.amount)"
echo "$command_name: $(basename "$conf") ($backend jar, $deploy_mode mode) asks for: driver $(asked spark.driver.memory);" \
  "executors of $(asked spark.executor.cores) cores, $(asked spark.executor.memory) heap" \
  "+ $(asked spark.executor.memoryOverhead) overhead${gpus:+, $gpus GPU} (SINKLORA_SPARK_CONF, SPARK_SUBMIT_ARGS)" >&2

# shellcheck disable=SC2086  # SPARK_SUBMIT_ARGS is a list of words on purpose
exec "$submit" --properties-file "$conf" --name "sinklora $command_name" "${extra[@]}" \
  --class dev.sinklora.cli.SinkLoraCli ${SPARK_SUBMIT_ARGS:-} "$jar" "$command_name" "$@"
