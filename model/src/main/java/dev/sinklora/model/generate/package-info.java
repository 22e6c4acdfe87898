/**
 * Generation with a KV cache: full, H2O (heavy hitters) or StreamingLLM (sinks + recent window).
 *
 * <h2>What the caches do, precisely</h2>
 * <ul>
 *   <li><b>Prefill</b> runs the whole prompt through each layer at once ({@link
 *       dev.sinklora.model.generate.IncrementalDecoder#prefill}), attention chunked over queries; every prompt
 *       query attends causally to every prompt key (no eviction inside the prompt, as in H2O). The cache is
 *       then filled: everything when the prompt fits the budget, else per KV head the sinks, the recent
 *       window and the {@code heavy} keys with the highest score, the score of a key being the attention
 *       probability it received from all prompt queries, summed over the query heads that share its KV head
 *       (GQA pooling).</li>
 *   <li><b>Each decoding step</b> computes the new position's key and value (RoPE applied once, at the
 *       position's original index; no key is ever re-rotated), writes them into a free slot, attends over
 *       every held slot including the new one, adds the new query's (pooled) probabilities to the held
 *       slots' scores, and then, if more than the budget is held, evicts one slot <em>per KV head</em>:
 *       never a sink (position {@code < S}) nor one of the {@code R} most recent positions; among the others
 *       the lowest score, ties to the oldest ({@link dev.sinklora.model.generate.EvictionRule}). Heads of one
 *       layer may therefore hold different positions (H2O's per-head variant); all heads hold the same
 *       number.</li>
 *   <li><b>Memory</b>: per layer {@code [KVH, capacity, D]} keys and values, preallocated. For an evicting
 *       policy the capacity is the budget {@code S + R + K} plus one slot for the incoming position (the
 *       evicted slot is the next step's free slot, overwritten in place; nothing is shifted or copied), or
 *       prompt + new tokens when that is smaller. {@code cache_peak} counts positions held after eviction,
 *       so it is at most the budget.</li>
 *   <li><b>sink</b> is {@code h2o} with {@code K = 0}: the only unprotected position is the one leaving the
 *       recent window, so no scores are tracked.</li>
 * </ul>
 */
package dev.sinklora.model.generate;
