package io.paligemma4j.backends.tornado.bench;

import static uk.ac.manchester.tornado.api.enums.DataTransferMode.FIRST_EXECUTION;

import io.paligemma4j.backends.tornado.TornadoActivations;
import io.paligemma4j.backends.tornado.TornadoAttention;
import io.paligemma4j.backends.tornado.Grids;
import io.paligemma4j.backends.tornado.Tiles;
import io.paligemma4j.backends.tornado.TornadoGemv;
import io.paligemma4j.backends.tornado.TornadoMatmul;
import io.paligemma4j.backends.tornado.TornadoNorms;
import io.paligemma4j.backends.tornado.TornadoSplitAttention;
import io.paligemma4j.backends.tornado.Step;
import io.paligemma4j.backends.tornado.Weights16;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Each TornadoVM kernel family at PaliGemma-3B-224 shapes, as a one-task plan whose inputs are
 * uploaded once (FIRST_EXECUTION) and whose output stays on the device, so a call is one launch
 * (two for decode attention: its split-K partials and their merge).
 * JMH times the call (wall); TornadoVM's profiler gives the device kernel time of the same calls,
 * printed per benchmark at the end of the trial as {@code [device] ...} with the bytes or FLOPs
 * per call and the rate they imply.
 *
 * <p>Run it with the SDK's JVM flags: {@code bench/tornado-jmh} (see README).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class TornadoKernelBench {
    /** The kernel under test; every case is one task named "k" in graph "b". */
    @Param({"gemmVisionFc1", "gemmPrefillQ", "gemvGate", "gemvDown", "gateUpFused", "qkvRope", "attentionVision",
            "attentionDecode", "layerNormVision", "rmsNormPrefill", "gegluPrefill"})
    public String kernel;

    private TornadoExecutionPlan plan;
    private long kernelNs;
    private long calls;
    private double work;
    private String unit;

    private final KernelContext ctx = new KernelContext();
    private final Random rnd = new Random(1);

    @Setup(Level.Trial)
    public void setup() {
        TaskGraph g = new TaskGraph("b");
        Grids grids = new Grids();
        FloatArray pow2 = Weights16.powersOfTwo();
        FloatArray noBias = new FloatArray(1);
        switch (kernel) {
            case "gemmVisionFc1" -> gemm(g, grids, pow2, noBias, 256, 1152, 4304);
            case "gemmPrefillQ" -> gemm(g, grids, pow2, noBias, 270, 2048, 2048);
            case "gemvGate" -> gemv(g, grids, pow2, noBias, 2048, 16384);
            case "gemvDown" -> gemv(g, grids, pow2, noBias, 16384, 2048);
            case "gateUpFused" -> {
                FloatArray x = floats(2048);
                ShortArray wg = bf16(16384 * 2048);
                ShortArray wu = bf16(16384 * 2048);
                FloatArray norm = floats(2048);
                FloatArray out = new FloatArray(16384);
                IntArray step = step(1, 0);
                // As decode runs it: the pre-MLP RMSNorm in its prologue.
                g.transferToDevice(FIRST_EXECUTION, x, norm, wg, wu, pow2, out, step)
                        .task("k", TornadoGemv::gateUp, ctx, x, norm, wg, wu, pow2, out, step, 2048, 16384,
                                Weights16.BF16, 1, 1e-6f);
                grids.gemv("b", "k", 16384);
                work = 2.0 * 16384 * 2048 * 2;
                unit = "bytes";
            }
            case "qkvRope" -> {
                FloatArray x = floats(2048);
                FloatArray norm = floats(2048);
                ShortArray wq = bf16(2048 * 2048);
                ShortArray wk = bf16(256 * 2048);
                ShortArray wv = bf16(256 * 2048);
                FloatArray q = new FloatArray(2048);
                FloatArray kc = new FloatArray(300 * 256);
                FloatArray vc = new FloatArray(300 * 256);
                FloatArray cos = floats(300 * 128);
                FloatArray sin = floats(300 * 128);
                IntArray step = step(1, 270);
                g.transferToDevice(FIRST_EXECUTION, x, norm, wq, wk, wv, pow2, q, kc, vc, cos, sin, step)
                        .task("k", TornadoGemv::qkvRope, ctx, x, norm, wq, wk, wv, pow2, q, kc, vc, cos, sin, step,
                                2048, 8, 1, 256, Weights16.BF16, 1e-6f);
                grids.perRow("b", "k", (8 + 2) * 256 / 4);
                work = 2.0 * 2560 * 2048;
                unit = "bytes";
            }
            case "attentionVision" -> attention(g, grids, 256, 0, 256, 16, 16, 72, 256);
            case "attentionDecode" -> splitAttention(g, grids, 299, 270, 8, 1, 256, 300);
            case "layerNormVision" -> {
                FloatArray x = floats(256 * 1152);
                FloatArray w = floats(1152);
                FloatArray b = floats(1152);
                FloatArray out = new FloatArray(256 * 1152);
                IntArray step = step(256, 0);
                g.transferToDevice(FIRST_EXECUTION, x, w, b, out, step)
                        .task("k", TornadoNorms::layerNorm, ctx, x, w, b, out, step, 1152, 1e-6f);
                grids.perRow("b", "k", 256);
                work = 2.0 * 256 * 1152 * 4;
                unit = "bytes";
            }
            case "rmsNormPrefill" -> {
                FloatArray x = floats(270 * 2048);
                FloatArray w = floats(2048);
                FloatArray out = new FloatArray(270 * 2048);
                IntArray step = step(270, 0);
                g.transferToDevice(FIRST_EXECUTION, x, w, out, step)
                        .task("k", TornadoNorms::rmsNorm, ctx, x, w, out, step, 2048, 1e-6f, 0);
                grids.perRow("b", "k", 270);
                work = 2.0 * 270 * 2048 * 4;
                unit = "bytes";
            }
            case "gegluPrefill" -> {
                FloatArray a = floats(270 * 16384);
                FloatArray b = floats(270 * 16384);
                IntArray step = step(270, 0);
                g.transferToDevice(FIRST_EXECUTION, a, b, step)
                        .task("k", TornadoActivations::geglu, ctx, a, b, a, step, 16384);
                grids.elementwise("b", "k", 270L * 16384);
                work = 3.0 * 270 * 16384 * 4;
                unit = "bytes";
            }
            default -> throw new IllegalArgumentException(kernel);
        }
        plan = grids.configure(new TornadoExecutionPlan(g.snapshot())).withProfiler(ProfilerMode.SILENT);
        plan.execute(); // compiles and uploads outside the measurement
    }

    @Benchmark
    public void run() {
        TornadoExecutionResult r = plan.execute();
        kernelNs += r.getProfilerResult().getDeviceKernelTime();
        calls++;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        double us = kernelNs / 1e3 / Math.max(1, calls);
        double rate = work / (us * 1e-6) / 1e9;
        System.out.printf("%n[device] %s: kernel %.1f us/call (TornadoVM profiler, %d calls), %.2f G%s/s%n", kernel, us,
                calls, rate, unit.equals("flops") ? "FLOP" : "B");
        plan.close();
    }

    private void gemm(TaskGraph g, Grids grids, FloatArray pow2, FloatArray noBias, int rows, int in, int cols) {
        FloatArray x = floats(rows * in);
        ShortArray w = bf16(cols * in);
        FloatArray out = new FloatArray(rows * cols);
        IntArray step = step(rows, 0);
        g.transferToDevice(FIRST_EXECUTION, x, w, pow2, noBias, out, step)
                .task("k", TornadoMatmul::gemm, ctx, x, w, pow2, noBias, out, step, in, cols, Weights16.BF16, 0, 0);
        grids.gemm("b", "k", rows, cols);
        work = 2.0 * rows * in * cols;
        unit = "flops";
    }

    private void gemv(TaskGraph g, Grids grids, FloatArray pow2, FloatArray noBias, int in, int cols) {
        FloatArray x = floats(in);
        ShortArray w = bf16(cols * in);
        FloatArray out = new FloatArray(cols);
        IntArray step = step(1, 0);
        g.transferToDevice(FIRST_EXECUTION, x, w, pow2, noBias, out, step)
                .task("k", TornadoGemv::gemv, ctx, x, noBias, w, pow2, noBias, out, step, in, cols, Weights16.BF16, 0, 0,
                        0, 0, 0f, TornadoGemv.STORE, 0f);
        grids.gemv("b", "k", cols);
        work = 2.0 * cols * in;
        unit = "bytes";
    }

    private void attention(TaskGraph g, Grids grids, int nq, int start, int prefix, int heads, int kvHeads, int hd,
                           int keys) {
        FloatArray q = floats(nq * heads * hd);
        FloatArray k = floats(keys * kvHeads * hd);
        FloatArray v = floats(keys * kvHeads * hd);
        FloatArray out = new FloatArray(nq * heads * hd);
        IntArray step = step(nq, start);
        step.set(Step.PREFIX, prefix);
        g.transferToDevice(FIRST_EXECUTION, q, k, v, out, step)
                .task("k", TornadoAttention::attention, ctx, q, k, v, out, step, heads, kvHeads, hd,
                        (float) (1 / Math.sqrt(hd)), 0f, 0, keys);
        grids.attention("b", "k", nq, heads, kvHeads);
        // q·k and p·v: 4·hd FLOPs per (query head, visible key).
        work = 4.0 * nq * heads * hd * (start + nq);
        unit = "flops";
    }

    private void splitAttention(TaskGraph g, Grids grids, int start, int prefix, int heads, int kvHeads, int hd,
                                int keys) {
        int chunks = (keys + Tiles.SPLIT_KEYS - 1) / Tiles.SPLIT_KEYS;
        FloatArray q = floats(heads * hd);
        FloatArray k = floats(keys * kvHeads * hd);
        FloatArray v = floats(keys * kvHeads * hd);
        FloatArray stats = new FloatArray(heads * chunks * 2);
        FloatArray parts = new FloatArray(heads * chunks * hd);
        FloatArray out = new FloatArray(heads * hd);
        IntArray step = step(1, start);
        step.set(Step.PREFIX, prefix);
        g.transferToDevice(FIRST_EXECUTION, q, k, v, stats, parts, out, step)
                .task("k", TornadoSplitAttention::partial, ctx, q, k, v, stats, parts, step, heads, kvHeads, hd,
                        (float) (1 / Math.sqrt(hd)), 0f, 0, chunks, heads / kvHeads * hd)
                .task("m", TornadoSplitAttention::combine, ctx, stats, parts, out, step, hd, chunks);
        grids.splitAttention("b", "k", chunks, kvHeads);
        grids.perRow("b", "m", heads);
        work = 4.0 * heads * hd * (start + 1);
        unit = "flops";
    }

    private FloatArray floats(int n) {
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, (float) rnd.nextGaussian());
        }
        return a;
    }

    private ShortArray bf16(int n) {
        ShortArray a = new ShortArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, (short) (Float.floatToIntBits((float) rnd.nextGaussian() * 0.05f) >>> 16));
        }
        return a;
    }

    private static IntArray step(int rows, int start) {
        IntArray s = new IntArray(Step.SIZE);
        s.init(0);
        s.set(Step.ROWS, rows);
        s.set(Step.START, start);
        s.set(Step.PREFIX, rows);
        return s;
    }
}
