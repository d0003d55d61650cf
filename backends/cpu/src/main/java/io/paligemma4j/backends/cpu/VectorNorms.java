package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** LayerNorm and RMSNorm (contracts: {@link io.paligemma4j.kernels.ref.Norms}); rows split across threads. */
final class VectorNorms {
    private VectorNorms() {}

    static void layerNorm(Parallel par, MemorySegment x, int rows, int dim, Tensor gamma, Tensor beta, float eps,
                          MemorySegment out) {
        par.forRange(rows, 8, (s, e) -> {
            float[] g = widened(gamma, dim, Scratch.NORM_W);
            float[] bt = widened(beta, dim, Scratch.NORM_B);
            for (int r = s; r < e; r++) {
                long b = (long) r * dim;
                float mean = sum(x, b, dim, 0f, false) / dim;
                float var = sum(x, b, dim, mean, true) / dim;
                float inv = (float) (1.0 / Math.sqrt(var + eps));
                FloatVector vm = FloatVector.broadcast(F, mean);
                int i = 0;
                for (; i + L <= dim; i += L) {
                    FloatVector y = FloatVector.fromMemorySegment(F, x, (b + i) * 4L, Vec.NATIVE).sub(vm).mul(inv);
                    y = y.fma(FloatVector.fromArray(F, g, i), FloatVector.fromArray(F, bt, i));
                    y.intoMemorySegment(out, (b + i) * 4L, Vec.NATIVE);
                }
                for (; i < dim; i++) {
                    float y = (x.getAtIndex(JAVA_FLOAT, b + i) - mean) * inv;
                    out.setAtIndex(JAVA_FLOAT, b + i, y * g[i] + bt[i]);
                }
            }
        });
    }

    static void rmsNorm(Parallel par, MemorySegment x, int rows, int dim, Tensor w, float eps, MemorySegment out) {
        par.forRange(rows, 8, (s, e) -> {
            float[] wf = widened(w, dim, Scratch.NORM_W);
            for (int r = s; r < e; r++) {
                long b = (long) r * dim;
                float ss = sum(x, b, dim, 0f, true);
                float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
                int i = 0;
                for (; i + L <= dim; i += L) {
                    FloatVector g = FloatVector.fromArray(F, wf, i).add(1f);
                    FloatVector y = FloatVector.fromMemorySegment(F, x, (b + i) * 4L, Vec.NATIVE).mul(inv).mul(g);
                    y.intoMemorySegment(out, (b + i) * 4L, Vec.NATIVE);
                }
                for (; i < dim; i++) {
                    out.setAtIndex(JAVA_FLOAT, b + i, x.getAtIndex(JAVA_FLOAT, b + i) * inv * (1f + wf[i]));
                }
            }
        });
    }

    /**
     * A norm's parameter widened to float once per chunk of rows (exactly: BF16 and F16 are subsets
     * of float). Widened per vector instead, BF16 takes the short→int shape change, which C2 leaves
     * to the Vector API's allocating Java fallback (JFR, steady state).
     */
    private static float[] widened(Tensor t, int dim, int slot) {
        float[] a = Scratch.floats(slot, dim);
        for (int i = 0; i < dim; i++) {
            a[i] = t.getFloat(i);
        }
        return a;
    }

    /** Σ x (squares=false, center ignored) or Σ (x − center)² (squares=true). */
    private static float sum(MemorySegment x, long b, int dim, float center, boolean squares) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        FloatVector c = FloatVector.broadcast(F, center);
        int i = 0;
        for (; i + 2 * L <= dim; i += 2 * L) {
            FloatVector v0 = FloatVector.fromMemorySegment(F, x, (b + i) * 4L, Vec.NATIVE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, x, (b + i + L) * 4L, Vec.NATIVE);
            if (squares) {
                v0 = v0.sub(c);
                v1 = v1.sub(c);
                a0 = v0.fma(v0, a0);
                a1 = v1.fma(v1, a1);
            } else {
                a0 = a0.add(v0);
                a1 = a1.add(v1);
            }
        }
        for (; i + L <= dim; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, (b + i) * 4L, Vec.NATIVE);
            a0 = squares ? v.sub(c).fma(v.sub(c), a0) : a0.add(v);
        }
        float[] lanes = Scratch.floats(Scratch.LANES, L);
        a0.add(a1).intoArray(lanes, 0);
        float s = Vec.sum(lanes, 0);
        for (; i < dim; i++) {
            float v = x.getAtIndex(JAVA_FLOAT, b + i) - (squares ? center : 0f);
            s += squares ? v * v : v;
        }
        return s;
    }
}
