#!/usr/bin/env bash
# prep-corpus.sh <prep-corpus options>: spark-submit `sinklora prep-corpus` (see `sinklora prep-corpus --help`).
# Example:
#   SPARK_SUBMIT_ARGS="--master yarn" submit-scripts/prep-corpus.sh --input 's3a://b/raw/*.jsonl.gz' \
#     --tokenizer s3a://b/models/llama2/tokenizer.json --seq-len 8192 --out s3a://b/packed/8k --skip-if-done
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" prep-corpus "$@"
