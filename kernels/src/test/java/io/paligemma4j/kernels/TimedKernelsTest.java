package io.paligemma4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.kernels.ref.ReferenceKernels;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimedKernelsTest extends KernelTestData {
    TimedKernelsTest() {
        super(7);
    }

    @Test
    void timesEachCallByOpWithoutChangingResults() {
        TimedKernels timed = new TimedKernels(new ReferenceKernels());
        ReferenceKernels plain = new ReferenceKernels();
        float[] xv = random(3 * 40, 1f);
        Tensor w = tensor(DType.BF16, random(5 * 40, 0.5f), 5, 40);
        MemorySegment want = zeros(15);
        MemorySegment got = zeros(15);
        plain.matmul(seg(xv), 3, 40, w, null, want);
        timed.matmul(seg(xv), 3, 40, w, null, got);
        timed.matmul(seg(xv), 1, 40, w, null, zeros(5));
        timed.add(got, want, 15);
        assertArrayEquals(arr(want, 15), halve(arr(got, 15)));

        Map<String, Double> c = timed.take();
        assertEquals(3.0, c.get(TimedKernels.CALLS));
        for (String op : new String[] {"gemm", "gemv", "add"}) {
            assertTrue(c.get(TimedKernels.OP_PREFIX + op) > 0, op + " was timed: " + c);
        }
        double sum = c.entrySet().stream().filter(e -> e.getKey().startsWith(TimedKernels.OP_PREFIX))
                .mapToDouble(Map.Entry::getValue).sum();
        assertEquals(sum, c.get(TimedKernels.TOTAL), 1e-12);
        assertEquals(Map.of(), timed.take(), "counters restart after each take");
    }

    private static float[] halve(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] /= 2;
        }
        return v;
    }
}
