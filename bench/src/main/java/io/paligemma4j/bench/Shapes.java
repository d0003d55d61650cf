package io.paligemma4j.bench;

/** Linear-layer shapes of PaliGemma-3B-224 (rows × in → out), named for where they occur. */
enum Shapes {
    VISION_QKV(256, 1152, 1152),
    VISION_FC1(256, 1152, 4304),
    VISION_FC2(256, 4304, 1152),
    PREFILL_Q(270, 2048, 2048),
    PREFILL_GATE(270, 2048, 16384),
    PREFILL_DOWN(270, 16384, 2048),
    DECODE_Q(1, 2048, 2048),
    DECODE_KV(1, 2048, 256),
    DECODE_GATE(1, 2048, 16384),
    DECODE_DOWN(1, 16384, 2048),
    DECODE_LOGITS(1, 2048, 257216);

    final int rows;
    final int in;
    final int out;

    Shapes(int rows, int in, int out) {
        this.rows = rows;
        this.in = in;
        this.out = out;
    }

    double flops() {
        return 2.0 * rows * in * out;
    }

    /** Bytes a matmul must move at least: the weights once, plus activations in and out. */
    double bytes(int weightBytes) {
        return (double) in * out * weightBytes + 4.0 * rows * (in + out);
    }
}
