package io.paligemma4j.backends.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Half-split RoPE in place. Angles come from a [positions, headDim/2] cos/sin table the host fills
 * once in float64 (exactly the reference's values), so no transcendental runs on the device.
 * Row r is at position {@code step[START] + r}; with {@code rowsAtStart} = 1 the rows themselves sit
 * at that offset (keys written into the KV cache). Contract: {@link io.paligemma4j.kernels.ref.Rope}.
 */
public final class TornadoRope {
    private TornadoRope() {}

    /** One work-item per (row, head, pair); cos at {@code [pos·half + i]}, sin after all cosines. */
    public static void rope(KernelContext c, FloatArray x, FloatArray cos, FloatArray sin, IntArray step, int heads,
                            int headDim, int rowsAtStart) {
        int half = headDim / 2;
        int id = c.globalIdx;
        int perRow = heads * half;
        int r = id / perRow;
        if (r >= step.get(Step.ROWS)) {
            return;
        }
        int h = (id % perRow) / half;
        int i = id % half;
        int pos = step.get(Step.START) + r;
        int row = rowsAtStart == 1 ? pos : r;
        int base = (row * heads + h) * headDim;
        float a = x.get(base + i);
        float b = x.get(base + half + i);
        float co = cos.get(pos * half + i);
        float si = sin.get(pos * half + i);
        x.set(base + i, a * co - b * si);
        x.set(base + half + i, b * co + a * si);
    }
}
