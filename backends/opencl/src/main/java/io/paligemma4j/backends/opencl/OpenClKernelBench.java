package io.paligemma4j.backends.opencl;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.forward.BufferSpec;
import io.paligemma4j.runtime.forward.LayerOps;
import io.paligemma4j.runtime.forward.Pass;
import io.paligemma4j.runtime.forward.Stage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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

/**
 * Each OpenCL kernel family at PaliGemma-3B-224 shapes (BF16 weights), the same cases as the
 * tornado backend's {@code TornadoKernelBench}. A call is one op on the default device, waited for;
 * JMH times it (wall) and OpenCL profiling events give the device kernel time of the same calls,
 * printed at the end of the trial as {@code [device] ...} with the rate it implies.
 *
 * <p>Run: {@code bench/opencl-jmh} (see README).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class OpenClKernelBench {
    @Param({"gemmVisionFc1", "gemmPrefillQ", "gemvGate", "gemvDown", "gateUpFused", "attentionVision",
            "attentionDecode", "layerNormVision", "rmsNormPrefill", "gateUpGemmPrefill"})
    public String kernel;

    private final Random rnd = new Random(1);
    private Arena arena;
    private PaliGemmaModel owner;
    private OpenClExecutor ex;
    private Pass pass;
    private Consumer<LayerOps<ClBuffer>> op;
    private double work;
    private String unit;
    private long calls;
    private double deviceSeconds;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        owner = PaliGemmaModel.load(Path.of(System.getProperty("paligemma.home", "."), "models/tiny-v1-f32"));
        ex = new OpenClExecutor(ClContext.of(ClDevice.preferred(ClDevice.all())), owner, 512, true);
        ex.checkMemory(List.of());
        switch (kernel) {
            case "gemmVisionFc1" -> linear(256, 1152, 4304);
            case "gemmPrefillQ" -> linear(270, 2048, 2048);
            case "gemvGate" -> linear(1, 2048, 16384);
            case "gemvDown" -> linear(1, 16384, 2048);
            case "gateUpFused" -> gateUp(1, 2048, 16384);
            case "gateUpGemmPrefill" -> gateUp(270, 2048, 16384);
            case "attentionVision" -> attention(new AttentionShape(16, 16, 72, 0.1178f, 0f, 0), 256, 0, 256);
            case "attentionDecode" -> attention(new AttentionShape(8, 1, 256, 0.0625f, 0f, 0), 1, 299, 270);
            case "layerNormVision" -> {
                ClBuffer x = act(256, 1152);
                ClBuffer o = act(256, 1152);
                Tensor g = weight(1152);
                Tensor b = weight(1152);
                pass = rows(256);
                op = ops -> ops.layerNorm(x, g, b, 1e-6f, o);
                work = 2.0 * 4 * 256 * 1152;
                unit = "B";
            }
            case "rmsNormPrefill" -> {
                ClBuffer x = act(270, 2048);
                ClBuffer o = act(270, 2048);
                Tensor g = weight(2048);
                pass = rows(270);
                op = ops -> ops.rmsNorm(x, g, 1e-6f, o);
                work = 2.0 * 4 * 270 * 2048;
                unit = "B";
            }
            default -> throw new IllegalArgumentException(kernel);
        }
        call();
        ex.takeDeviceCounters();
    }

    private static Pass rows(int n) {
        return new Pass(n, 0, n, 0, new int[0], 0);
    }

    private ClBuffer act(int rows, int width) {
        ClBuffer b = ex.allocate(new BufferSpec("x", rows, width, false, BufferSpec.Io.DEVICE));
        float[] v = new float[rows * width];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextFloat() - 0.5f;
        }
        ex.write(b, v);
        return b;
    }

    private Tensor weight(long... shape) {
        long n = Tensor.numel(shape);
        MemorySegment s = arena.allocate(2 * n, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_SHORT, i, Tensor.floatToBf16((rnd.nextFloat() - 0.5f) * 0.1f));
        }
        return new Tensor("w", DType.BF16, shape, s, "bench");
    }

    private void linear(int rows, int in, int out) {
        ClBuffer x = act(rows, in);
        ClBuffer o = act(rows, out);
        Tensor w = weight(out, in);
        pass = rows(rows);
        op = ops -> ops.linear(x, w, null, o);
        work = rows == 1 ? 2.0 * in * out : 2.0 * rows * in * out;
        unit = rows == 1 ? "B" : "FLOP";
    }

    private void gateUp(int rows, int in, int out) {
        ClBuffer x = act(rows, in);
        ClBuffer o = act(rows, out);
        Tensor g = weight(out, in);
        Tensor u = weight(out, in);
        pass = rows(rows);
        op = ops -> ops.gateUpGeglu(x, g, u, o);
        work = rows == 1 ? 2.0 * 2 * in * out : 2.0 * 2 * rows * in * out;
        unit = rows == 1 ? "B" : "FLOP";
    }

    private void attention(AttentionShape s, int rows, int start, int prefix) {
        int keys = start + rows;
        ClBuffer q = act(rows, s.qStride());
        ClBuffer k = act(keys, s.kvStride());
        ClBuffer v = act(keys, s.kvStride());
        ClBuffer o = act(rows, s.qStride());
        pass = new Pass(rows, start, prefix, 0, new int[0], 0);
        op = ops -> ops.attention(s, q, k, v, o);
        work = 4.0 * rows * s.numHeads() * keys * s.headDim();
        unit = "FLOP";
    }

    @Benchmark
    public void call() {
        ex.run(List.of(new Stage<>("bench", Stage.Phase.TEXT, op)), pass);
        deviceSeconds += ex.takeDeviceCounters().getOrDefault("device_kernel_seconds", 0.0);
        calls++;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        double perCall = deviceSeconds / Math.max(1, calls);
        System.out.printf("%n[device] opencl %s: %.3f ms/call, %.2f G%s/s%n", kernel, perCall * 1e3,
                work / perCall / 1e9, unit);
        ex.close();
        owner.close();
        arena.close();
    }
}
