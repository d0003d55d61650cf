package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** PIL's float bilinear on rows small enough to work out by hand. */
class BilinearResizeTest {
    @Test
    void upscalingInterpolatesBetweenPixelCentresAndClampsAtTheEdges() {
        // 2 → 4: output centres (o + 0.5)·0.5 = 0.25, 0.75, 1.25, 1.75 against input centres 0.5, 1.5;
        // the first and last see one input pixel only (weights renormalised): [0, .25, .75, 1].
        assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1}, BilinearResize.resize(new float[] {0, 1}, 2, 1, 4, 1));
    }

    @Test
    void downscalingWidensTheTriangle() {
        // 4 → 2: scale 2, support 2. o = 0: centre 1, inputs 0..2 weighted 1 - |i + 0.5 - 1|/2 =
        // .75, .75, .25 (sum 1.75): (0·.75 + 1·.75 + 2·.25)/1.75 = 5/7.
        // o = 1: centre 3, inputs 1..3 weighted .25, .75, .75: (.25 + 1.5 + 2.25)/1.75 = 16/7.
        float[] out = BilinearResize.resize(new float[] {0, 1, 2, 3}, 4, 1, 2, 1);
        assertEquals(5.0 / 7, out[0], 1e-6);
        assertEquals(16.0 / 7, out[1], 1e-6);
    }

    @Test
    void resizesColumnsLikeRows() {
        float[] out = BilinearResize.resize(new float[] {0, 1}, 1, 2, 1, 4);
        assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1}, out);
        float[] same = {1, 2, 3, 4};
        float[] copy = BilinearResize.resize(same, 2, 2, 2, 2);
        assertArrayEquals(same, copy);
        assertNotSame(same, copy);
    }
}
