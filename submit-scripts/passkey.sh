#!/usr/bin/env bash
# passkey.sh --model URI [--adapter URI] --tokenizer PATH --lengths N[,N...] [passkey options]
#
# LongLoRA's passkey retrieval test on a Spark cluster, one task per trial (base weights loaded once per
# executor). Options are those of `sinklora passkey --help` (--trials 10, --seed 0, --depth-buckets 5, --heatmap
# PATH, --attention, --rope-factor). Paths may be hdfs:// or s3a:// URIs; the heat map is written through Hadoop
# FileSystem too. The last stdout line is JSON with accuracy per length and per depth bucket.
# Spark settings: conf/spark-train-gpu.conf for a CUDA jar, conf/spark-train-cpu.conf for the CPU jar, unless
# SINKLORA_SPARK_CONF says otherwise (see submit.sh).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" passkey "$@"
