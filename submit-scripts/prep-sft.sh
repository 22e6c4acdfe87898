#!/usr/bin/env bash
# prep-sft.sh <prep-sft options>: spark-submit `sinklora prep-sft` (see `sinklora prep-sft --help`).
# Example:
#   submit-scripts/prep-sft.sh --input s3a://b/LongAlpaca-12k.json --tokenizer s3a://b/models/llama2 \
#     --max-len 32768 --out s3a://b/sft/longalpaca-32k --skip-if-done
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" prep-sft "$@"
