package io.paligemma4j.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplingTest {
    static GenerationOptions opts(double t, int k, double p, long seed) {
        return new GenerationOptions(8, Set.of(), 0, t, k, p, seed);
    }

    @Test
    void greedyTakesTheLowestIdOnTiesAndHonoursTheLimit() {
        float[] l = {1, 3, 9, 9, 2};
        assertEquals(2, new Sampling(opts(0, 0, 1, 0)).next(l));
        assertEquals(2, Sampling.greedy(l, 0));
        assertEquals(1, Sampling.greedy(l, 2));
        assertThrows(io.paligemma4j.loader.BadInputException.class, () -> Sampling.greedy(new float[] {Float.NaN}, 0));
    }

    @Test
    void seedReproducesAndTopKOneIsGreedy() {
        float[] l = new float[1000];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.sin(i * 0.37);
        }
        Sampling a = new Sampling(opts(1.0, 0, 1, 7));
        Sampling b = new Sampling(opts(1.0, 0, 1, 7));
        for (int i = 0; i < 50; i++) {
            assertEquals(a.next(l), b.next(l));
        }
        assertEquals(Sampling.greedy(l, 0), new Sampling(opts(5.0, 1, 1, 3)).next(l));
        assertEquals(Sampling.greedy(l, 0), new Sampling(opts(1.0, 0, 1e-9, 3)).next(l));
    }

    @Test
    void samplesFollowTheSoftmax() {
        // softmax([0, ln 3]) = [0.25, 0.75]; 20,000 draws land within 1.5% (about 5 standard deviations).
        float[] l = {0f, (float) Math.log(3)};
        Sampling s = new Sampling(opts(1.0, 0, 1, 11));
        int ones = 0;
        for (int i = 0; i < 20_000; i++) {
            ones += s.next(l);
        }
        assertEquals(0.75, ones / 20_000.0, 0.015);
        // Temperature 0.5 squares the odds: [1, 9] / 10.
        Sampling cold = new Sampling(opts(0.5, 0, 1, 11));
        ones = 0;
        for (int i = 0; i < 20_000; i++) {
            ones += cold.next(l);
        }
        assertEquals(0.9, ones / 20_000.0, 0.012);
    }

    @Test
    void topPDropsTheTail() {
        // Probabilities ∝ [8, 4, 2, 1, 1]/16: top-p 0.7 keeps {0, 1} (0.5 + 0.25 ≥ 0.7).
        float[] l = {3, 2, 1, 0, 0};
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) (l[i] * Math.log(2));
        }
        Sampling s = new Sampling(opts(1.0, 0, 0.7, 5));
        for (int i = 0; i < 2000; i++) {
            assertTrue(s.next(l) <= 1);
        }
    }
}
