package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.Tiles.ROW_GROUP;

import uk.ac.manchester.tornado.api.KernelContext;

/** The work-group tree reduction the row kernels share (inlined into each by TornadoVM). */
final class GroupSum {
    private GroupSum() {}

    /**
     * Sum of every item's {@code v} over a ROW_GROUP work-group, returned to all items. Barriers on
     * both sides make back-to-back calls on the same {@code part} safe; every item must call it.
     */
    static float sum(KernelContext c, float[] part, int t, float v) {
        c.localBarrier();
        part[t] = v;
        c.localBarrier();
        for (int half = ROW_GROUP / 2; half > 0; half >>= 1) {
            if (t < half) {
                part[t] += part[t + half];
            }
            c.localBarrier();
        }
        return part[0];
    }
}
