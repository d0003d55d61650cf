package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.DeviceRun.TASK;
import static io.paligemma4j.backends.tornado.DeviceRun.in;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.ref.ReferenceKernels;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Flash attention on the device against the reference (two-pass softmax over the whole row) for
 * MHA, GQA and MQA; a bidirectional prefix; causal rows after it; Gemma 2's soft-cap and a window
 * shorter than the prefix; one-query decode at a late position; head sizes 16, 72 (SigLIP) and 256
 * (Gemma); lengths that leave partial KV tiles and partial query blocks. The online softmax
 * reorders the sums: 1e-5 of the output scale (values are ~1), as for the CPU kernel.
 */
class AttentionParityTest extends ParityBase {
    final ReferenceKernels ref = new ReferenceKernels();

    @ParameterizedTest(name = "heads {0}/{1} hd {2} nq {3} start {4} prefix {5} cap {6} window {7}")
    @CsvSource({
            "4, 4, 72, 40, 0, 40, 0, 0",     // SigLIP: all bidirectional
            "4, 2, 16, 30, 0, 20, 0, 0",     // GQA, prefix then causal
            "8, 1, 256, 23, 0, 23, 0, 0",    // MQA, Gemma head size
            "8, 1, 256, 1, 37, 23, 0, 0",    // decode step late in the sequence
            "4, 2, 16, 30, 0, 20, 5.0, 8",   // Gemma 2 soft-cap, window shorter than the prefix
            "4, 2, 16, 1, 40, 20, 5.0, 8",   // windowed decode: early keys fall out
            "2, 2, 16, 17, 0, 3, 0, 0"})     // short prefix, mostly causal
    void matchesTheReference(int heads, int kvHeads, int hd, int nq, int start, int prefix, float cap, int window) {
        int nKv = start + nq;
        int capacity = nKv + 5;
        float scale = (float) (1 / Math.sqrt(hd));
        AttentionShape shape = new AttentionShape(heads, kvHeads, hd, scale, cap, window);
        float[] qv = random(nq * heads * hd, 1f);
        float[] kv = random(capacity * kvHeads * hd, 1f);
        float[] vv = random(capacity * kvHeads * hd, 1f);
        MemorySegment r = zeros((long) nq * heads * hd);
        ref.attention(shape, seg(qv), nq, start, prefix, seg(kv), seg(vv), nKv, r);
        FloatArray q = FloatArray.fromArray(qv);
        FloatArray k = FloatArray.fromArray(kv);
        FloatArray v = FloatArray.fromArray(vv);
        FloatArray out = new FloatArray(nq * heads * hd);
        IntArray step = step(nq, start, prefix);
        DeviceRun.run(t -> t.task(TASK, TornadoAttention::attention, ctx(), q, k, v, out, step, heads, kvHeads, hd,
                scale, cap, window, capacity), (gr, name) -> gr.attention(name, TASK, nq, heads, kvHeads),
                in(q, k, v, step), out);
        assertClose(arr(r, (long) nq * heads * hd), out.toHeapArray(), 1e-5, "attention");
    }

    /**
     * Decode's split-K attention (partials, then their merge) against the reference at positions
     * inside the first chunk, on a chunk edge and chunks later, for MQA (PaliGemma) and GQA with
     * Gemma 2's soft-cap and a window that drops whole chunks; capacity leaves idle chunks.
     */
    @ParameterizedTest(name = "split heads {0}/{1} hd {2} start {3} prefix {4} cap {5} window {6}")
    @CsvSource({
            "8, 1, 256, 5, 3, 0, 0",
            "8, 1, 256, 15, 10, 0, 0",
            "8, 1, 256, 16, 10, 0, 0",
            "8, 1, 256, 70, 40, 0, 0",
            "4, 2, 16, 47, 20, 5.0, 0",
            "4, 2, 16, 60, 20, 5.0, 20",
            "2, 2, 72, 33, 33, 0, 0"})
    void splitDecodeMatchesTheReference(int heads, int kvHeads, int hd, int start, int prefix, float cap, int window) {
        int nKv = start + 1;
        int capacity = nKv + 40;
        int chunks = (capacity + Tiles.SPLIT_KEYS - 1) / Tiles.SPLIT_KEYS;
        float scale = (float) (1 / Math.sqrt(hd));
        AttentionShape shape = new AttentionShape(heads, kvHeads, hd, scale, cap, window);
        float[] qv = random(heads * hd, 1f);
        float[] kv = random(capacity * kvHeads * hd, 1f);
        float[] vv = random(capacity * kvHeads * hd, 1f);
        MemorySegment r = zeros((long) heads * hd);
        ref.attention(shape, seg(qv), 1, start, prefix, seg(kv), seg(vv), nKv, r);
        FloatArray q = FloatArray.fromArray(qv);
        FloatArray k = FloatArray.fromArray(kv);
        FloatArray v = FloatArray.fromArray(vv);
        FloatArray stats = new FloatArray(heads * chunks * 2);
        FloatArray parts = new FloatArray(heads * chunks * hd);
        FloatArray out = new FloatArray(heads * hd);
        IntArray step = step(1, start, prefix);
        int group = heads / kvHeads;
        DeviceRun.run(t -> t.task(TASK, TornadoSplitAttention::partial, ctx(), q, k, v, stats, parts, step, heads, kvHeads,
                        hd, scale, cap, window, chunks, group * hd)
                        .task("m", TornadoSplitAttention::combine, ctx(), stats, parts, out, step, hd, chunks),
                (gr, name) -> {
                    gr.splitAttention(name, TASK, chunks, kvHeads);
                    gr.perRow(name, "m", heads);
                }, in(q, k, v, step, stats, parts), out);
        assertClose(arr(r, (long) heads * hd), out.toHeapArray(), 1e-5, "split attention");
    }
}
