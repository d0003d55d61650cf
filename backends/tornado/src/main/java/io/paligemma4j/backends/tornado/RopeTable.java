package io.paligemma4j.backends.tornado;

import io.paligemma4j.kernels.ref.Rope;

/** The cos/sin table RoPE reads on the device: the reference's float64 angles, rounded once. */
public final class RopeTable {
    private RopeTable() {}

    /** {cos, sin}, each [positions, headDim/2]. */
    public static float[][] build(int positions, int headDim, double theta) {
        int half = headDim / 2;
        double[] inv = Rope.inverseFrequencies(headDim, theta);
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        float[] c = new float[half];
        float[] s = new float[half];
        for (int p = 0; p < positions; p++) {
            Rope.angles(p, inv, c, s);
            System.arraycopy(c, 0, cos, p * half, half);
            System.arraycopy(s, 0, sin, p * half, half);
        }
        return new float[][] {cos, sin};
    }
}
