package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.ref.Rope;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** Half-split RoPE (contract: {@link io.paligemma4j.kernels.ref.Rope}); rows split across threads. */
final class VectorRope {
    private VectorRope() {}

    static void rope(Parallel par, MemorySegment x, int rows, int heads, int headDim, int pos0, double theta) {
        int half = headDim / 2;
        double[] invFreq = Rope.inverseFrequencies(headDim, theta);
        par.forRange(rows, 16, (s, e) -> {
            float[] cos = new float[half];
            float[] sin = new float[half];
            for (int r = s; r < e; r++) {
                Rope.angles(pos0 + r, invFreq, cos, sin);
                for (int h = 0; h < heads; h++) {
                    long b = ((long) r * heads + h) * headDim;
                    int i = 0;
                    for (; i + L <= half; i += L) {
                        FloatVector a = FloatVector.fromMemorySegment(F, x, (b + i) * 4L, Vec.NATIVE);
                        FloatVector c = FloatVector.fromMemorySegment(F, x, (b + half + i) * 4L, Vec.NATIVE);
                        FloatVector vc = FloatVector.fromArray(F, cos, i);
                        FloatVector vs = FloatVector.fromArray(F, sin, i);
                        a.mul(vc).sub(c.mul(vs)).intoMemorySegment(x, (b + i) * 4L, Vec.NATIVE);
                        c.mul(vc).add(a.mul(vs)).intoMemorySegment(x, (b + half + i) * 4L, Vec.NATIVE);
                    }
                    for (; i < half; i++) {
                        float a = x.getAtIndex(JAVA_FLOAT, b + i);
                        float c = x.getAtIndex(JAVA_FLOAT, b + half + i);
                        x.setAtIndex(JAVA_FLOAT, b + i, a * cos[i] - c * sin[i]);
                        x.setAtIndex(JAVA_FLOAT, b + half + i, c * cos[i] + a * sin[i]);
                    }
                }
            }
        });
    }
}
