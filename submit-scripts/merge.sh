#!/usr/bin/env bash
# merge.sh --base URI --adapters URI[,URI...] --out URI [merge options]
#
# Exports LoRA adapters (adapter directories and/or run directories of step-* checkpoints) as Hugging Face
# checkpoints on a Spark cluster, one task per adapter, into --out/<name>. Paths may be hdfs:// or s3a:// URIs.
# Options are those of `sinklora merge --help` (--dtype, --max-shard-size, --overwrite, --rope-factor).
# Spark settings: conf/spark-train-cpu.conf unless SINKLORA_SPARK_CONF says otherwise (see submit.sh).
#
# Memory: a merge holds about one tensor in FP32 plus I/O buffers, off the JVM heap (ND4J). Give executors
# overhead for the largest tensor: e.g. a 7B LLaMA's embedding is 32000 x 4096 x 4 B = 0.5 GB, so
# spark.executor.memoryOverhead=2g with a small heap (spark.executor.memory=2g) per task slot is plenty.
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" merge "$@"
