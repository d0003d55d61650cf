package io.paligemma4j.backends.tornado;

import io.paligemma4j.kernels.KernelTestData;
import java.lang.foreign.ValueLayout;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** The shared kernel test data plus what device runs need: a kernel context and step arrays. */
abstract class ParityBase extends KernelTestData {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    static {
        // TornadoVM folds this static final into the kernels only once its class is initialised.
        if (DeviceMath.TANH_FROM_EXP) {
            System.out.println("tornado parity tests: tanh from exp");
        }
    }

    ParityBase() {
        super(7);
    }

    static KernelContext ctx() {
        return new KernelContext();
    }

    /** A step array for a pass of {@code rows} rows starting at {@code start}. */
    static IntArray step(int rows, int start, int prefix) {
        IntArray s = new IntArray(Step.SIZE);
        s.init(0);
        s.set(Step.ROWS, rows);
        s.set(Step.START, start);
        s.set(Step.PREFIX, prefix);
        s.set(Step.TOKEN, -1);
        return s;
    }
}
