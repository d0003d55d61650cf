package io.paligemma4j.backends.tornado;

import static io.paligemma4j.backends.tornado.DeviceRun.TASK;
import static io.paligemma4j.backends.tornado.DeviceRun.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A kernel TornadoVM cannot compile for the device is an error, never a silent run of the Java
 * bytecode on the host (which, for a KernelContext kernel, computes garbage: every thread id is 0).
 * The test runs with {@code -Dtornado.recover.bailout=False}, as the launcher and the backend
 * require.
 */
class LoudFailureTest extends ParityBase {
    /** Allocates a String: no TornadoVM backend can compile object allocation into a kernel. */
    public static void uncompilable(KernelContext c, IntArray bits, FloatArray out) {
        int i = c.globalIdx;
        out.set(i, Integer.toString(bits.get(i)).length());
    }

    @Test
    void anUncompilableKernelThrowsInsteadOfRunningOnTheHost() {
        assertEquals("False", System.getProperty("tornado.recover.bailout"), "tests must run with bailout recovery off");
        IntArray bits = new IntArray(256);
        for (int i = 0; i < 256; i++) {
            bits.set(i, 1000 + i);
        }
        FloatArray out = new FloatArray(256);
        out.init(-1f);
        Throwable t = assertThrows(Throwable.class, () -> DeviceRun.run(
                g -> g.task(TASK, LoudFailureTest::uncompilable, ctx(), bits, out),
                (gr, name) -> gr.elementwise(name, TASK, 256), in(bits, out), out));
        String msg = String.valueOf(t) + String.valueOf(t.getCause());
        assertTrue(msg.contains("Bailout") || msg.contains("uncompilable") || msg.contains(TASK),
                "the failure should say what could not be compiled: " + msg);
        // Nothing was computed on the host behind our back (a host run would store 4s).
        for (int i = 1; i < 256; i++) {
            assertTrue(out.get(i) != 4f, "element " + i + " was computed by a silent host fallback");
        }
    }

    @Test
    void theBackendRefusesToRunWithBailoutRecoveryOn() {
        String before = System.getProperty("tornado.recover.bailout");
        try {
            System.setProperty("tornado.recover.bailout", "True");
            String why = new TornadoBackend().unavailableReason();
            assertTrue(why != null && why.contains("recover.bailout"), String.valueOf(why));
        } finally {
            System.setProperty("tornado.recover.bailout", before);
        }
    }
}
