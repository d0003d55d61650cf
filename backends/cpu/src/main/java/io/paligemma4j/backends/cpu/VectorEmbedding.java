package io.paligemma4j.backends.cpu;

import static io.paligemma4j.backends.cpu.Vec.F;
import static io.paligemma4j.backends.cpu.Vec.L;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** Token embedding and SigLIP patch embedding (contracts: {@link io.paligemma4j.kernels.ref.Embedding}). */
final class VectorEmbedding {
    private VectorEmbedding() {}

    static void lookup(Tensor table, int[] ids, float scale, MemorySegment out) {
        int dim = (int) table.dim(1);
        for (int r = 0; r < ids.length; r++) {
            if (ids[r] < 0 || ids[r] >= table.dim(0)) {
                throw new IllegalArgumentException("token id " + ids[r] + " outside the table of " + table.dim(0));
            }
            long src = (long) ids[r] * dim;
            long dst = (long) r * dim;
            int i = 0;
            for (; i + L <= dim; i += L) {
                FloatVector v = Vec.weight(table.dtype(), table.data(), src + i).mul(scale);
                v.intoMemorySegment(out, (dst + i) * 4, Vec.NATIVE);
            }
            for (; i < dim; i++) {
                out.setAtIndex(JAVA_FLOAT, dst + i, table.getFloat(src + i) * scale);
            }
        }
    }

    /**
     * The stride-P convolution as im2col + GEMM: each patch is unrolled to a row of 3·P·P values in
     * (c, ky, kx) order, which matches the weight's [D, 3, P, P] layout viewed as [D, 3·P·P].
     */
    static void patchEmbed(Parallel par, MemorySegment pixels, int imageSize, int patch, Tensor w, Tensor bias,
                           Tensor pos, MemorySegment out) {
        int dim = (int) w.dim(0);
        int channels = (int) w.dim(1);
        int g = imageSize / patch;
        int n = g * g;
        int k = channels * patch * patch;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment cols = arena.allocate(JAVA_FLOAT, (long) n * k);
            for (int p = 0; p < n; p++) {
                int py = p / g;
                int px = p % g;
                long dst = (long) p * k;
                for (int c = 0; c < channels; c++) {
                    for (int ky = 0; ky < patch; ky++) {
                        long src = ((long) c * imageSize + (long) py * patch + ky) * imageSize + (long) px * patch;
                        MemorySegment.copy(pixels, src * 4, cols, dst * 4, (long) patch * 4);
                        dst += patch;
                    }
                }
            }
            Tensor flat = new Tensor(w.name(), w.dtype(), new long[] {dim, k}, w.data(), w.source());
            VectorMatmul.matmul(par, cols, n, k, flat, bias, out);
        }
        VectorActivations.forChunks(par, (long) n * dim, (s, e) -> {
            long i = s;
            for (; i + L <= e; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, out, i * 4, Vec.NATIVE)
                        .add(Vec.weight(pos.dtype(), pos.data(), i));
                v.intoMemorySegment(out, i * 4, Vec.NATIVE);
            }
            for (; i < e; i++) {
                out.setAtIndex(JAVA_FLOAT, i, out.getAtIndex(JAVA_FLOAT, i) + pos.getFloat(i));
            }
        });
    }
}
