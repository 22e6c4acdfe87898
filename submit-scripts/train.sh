#!/usr/bin/env bash
# train.sh <train options>: spark-submit `sinklora train` (see `sinklora train --help`) on a cluster.
# GPU executors: build the CUDA jar (mvn -Pcuda -q package -DskipTests) and conf/spark-train-gpu.conf is used; the
# CPU jar uses conf/spark-train-cpu.conf (SINKLORA_SPARK_CONF overrides; see submit.sh).
# Example:
#   SPARK_SUBMIT_ARGS="--master yarn --num-executors 8" submit-scripts/train.sh \
#     --base s3a://b/models/llama-2-7b --data s3a://b/packed/8k --out s3a://b/runs/sinklora-8k \
#     --seq-len 8192 --attention sf --max-steps 1000 --save-every 200 --resume
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" train "$@"
