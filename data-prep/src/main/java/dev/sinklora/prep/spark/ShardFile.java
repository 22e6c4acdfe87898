package dev.sinklora.prep.spark;

/**
 * One written output file as listed in a manifest.
 *
 * @param path relative to the output folder, e.g. {@code train/shard-00000.parquet}
 * @param rows rows in the file (from its Parquet footer)
 * @param bytes file size
 */
public record ShardFile(String path, long rows, long bytes) {
}
