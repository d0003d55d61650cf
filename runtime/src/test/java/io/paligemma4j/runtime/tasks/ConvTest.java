package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The decoder's primitives on cases small enough to work out by hand (worked in the comments). */
class ConvTest {
    private static final float[] IN_2X2 = {1, 2, 3, 4}; // [[1, 2], [3, 4]]

    /** w[ky][kx] = 4·ky + kx, a 4x4 kernel whose every tap is distinguishable. */
    private static float[] ramp16() {
        float[] w = new float[16];
        for (int i = 0; i < 16; i++) {
            w[i] = i;
        }
        return w;
    }

    @Test
    void conv3x3PaddedByOneIsCrossCorrelation() {
        // out[y][x] = Σ in[y+ky-1][x+kx-1]·w[ky][kx], w = [[1,2,3],[4,5,6],[7,8,9]], zeros outside:
        // (0,0): 1·5 + 2·6 + 3·8 + 4·9 = 77    (0,1): 1·4 + 2·5 + 3·7 + 4·8 = 67
        // (1,0): 1·2 + 2·3 + 3·5 + 4·6 = 47    (1,1): 1·1 + 2·2 + 3·4 + 4·5 = 37;  plus bias 0.5
        float[] w = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] out = Conv.conv2d(IN_2X2, 1, 2, 2, w, new float[] {0.5f}, 1, 3, 1);
        assertArrayEquals(new float[] {77.5f, 67.5f, 47.5f, 37.5f}, out);
    }

    @Test
    void conv1x1MixesChannelsWithWeightOutByIn() {
        // in ch0 = [1, 2], ch1 = [3, 4] (1x2); w[co][ci] = [[10, 1], [0, -1]], bias [0, 1]:
        // out0 = 10·ch0 + ch1 = [13, 24];  out1 = -ch1 + 1 = [-2, -3]
        float[] out = Conv.conv2d(new float[] {1, 2, 3, 4}, 2, 1, 2, new float[] {10, 1, 0, -1},
                new float[] {0, 1}, 2, 1, 0);
        assertArrayEquals(new float[] {13, 24, -2, -3}, out);
    }

    @Test
    void convTransposeOfOnePixelIsTheKernelCentreUnflipped() {
        // k4 s2 p1 on 1x1: out side (1-1)·2 - 2 + 4 = 2, out[oy][ox] = w[oy+1][ox+1] = [[5, 6], [9, 10]], plus bias 1.
        float[] out = Conv.convTranspose2d(new float[] {1}, 1, 1, 1, ramp16(), new float[] {1}, 1, 4, 2, 1);
        assertArrayEquals(new float[] {6, 7, 10, 11}, out);
    }

    @Test
    void convTransposeDoublesTheSide() {
        // out[oy][ox] = Σ in[iy][ix]·w[oy+1-2iy][ox+1-2ix] over taps inside 0..3, e.g.
        // (0,0): 1·w[1][1] = 5
        // (1,1): 1·w[2][2] + 2·w[2][0] + 3·w[0][2] + 4·w[0][0] = 10 + 16 + 6 + 0 = 32
        // (2,2): 1·w[3][3] + 2·w[3][1] + 3·w[1][3] + 4·w[1][1] = 15 + 26 + 21 + 20 = 82
        // (3,3): 4·w[2][2] = 40;  (0,3): 2·w[1][2] = 12;  (3,0): 3·w[2][1] = 27
        float[] out = Conv.convTranspose2d(IN_2X2, 1, 2, 2, ramp16(), new float[] {0}, 1, 4, 2, 1);
        assertArrayEquals(new float[] {
            5, 14, 17, 12,
            12, 32, 42, 28,
            28, 72, 82, 52,
            27, 62, 69, 40}, out);
    }

    @Test
    void convTransposeWeightIsInByOut() {
        // 1x1 input ch0 = 1, ch1 = 10; every tap of w[ci][co] is [[1, 2], [3, 4]]:
        // out0 = 1·1 + 10·3 = 31, out1 = 1·2 + 10·4 = 42 at all 2x2 positions.
        float[] w = new float[4 * 16];
        for (int pair = 0; pair < 4; pair++) {
            Arrays.fill(w, pair * 16, pair * 16 + 16, pair + 1);
        }
        float[] out = Conv.convTranspose2d(new float[] {1, 10}, 2, 1, 1, w, new float[2], 2, 4, 2, 1);
        assertArrayEquals(new float[] {31, 31, 31, 31, 42, 42, 42, 42}, out);
    }

    @Test
    void reluZeroesNegatives() {
        assertArrayEquals(new float[] {0, 0, 2}, Conv.relu(new float[] {-1, 0, 2}));
    }
}
