#!/usr/bin/env bash
# eval-ppl.sh --model URI [--adapter URI] --data URI --seq-len N[,N...] [eval-ppl options]
#
# Long-context perplexity of a prep-corpus split on a Spark cluster: windows are scored in parallel tasks, base
# weights loaded once per executor. Options are those of `sinklora eval-ppl --help` (--split, --protocol
# longlora|strided, --stride, --max-windows, --attention, --rope-factor). Paths may be hdfs:// or s3a:// URIs.
# The last stdout line is JSON (tokens, mean_nll, ppl, windows, results per --seq-len).
# Spark settings: conf/spark-train-gpu.conf for a CUDA jar, conf/spark-train-cpu.conf for the CPU jar, unless
# SINKLORA_SPARK_CONF says otherwise (see submit.sh).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" eval-ppl "$@"
