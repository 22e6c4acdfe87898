package dev.sinklora.prep.corpus;

import java.io.Serializable;

/**
 * A run of consecutive tokens of one document at a known position of the global token stream of
 * one dataset split. Documents are cut into chunks only where they cross a shard boundary.
 *
 * @param position offset of {@code tokens[0]} in the stream
 * @param docStart whether {@code tokens[0]} is the document's first token (its BOS)
 */
public record PackChunk(long position, int[] tokens, boolean docStart) implements Serializable {
}
