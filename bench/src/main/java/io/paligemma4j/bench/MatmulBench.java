package io.paligemma4j.bench;

import io.paligemma4j.backends.cpu.Parallel;
import io.paligemma4j.backends.cpu.VectorKernels;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/** GEMM (vision, prefill) and GEMV (decode) at PaliGemma-3B shapes, weights as stored. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBench {
    @Param({"VISION_QKV", "VISION_FC1", "VISION_FC2", "PREFILL_Q", "PREFILL_GATE", "PREFILL_DOWN", "DECODE_Q",
            "DECODE_KV", "DECODE_GATE", "DECODE_DOWN", "DECODE_LOGITS"})
    public String shape;

    @Param({"BF16", "F32"})
    public String dtype;

    Arena arena;
    VectorKernels k;
    Tensor w;
    MemorySegment x;
    MemorySegment out;
    Shapes s;

    @Setup(Level.Trial)
    public void setup() {
        s = Shapes.valueOf(shape);
        arena = Arena.ofShared();
        k = new VectorKernels(Parallel.shared(Parallel.defaultThreads()));
        w = Buffers.weights(arena, DType.valueOf(dtype), s.out, s.in, 1);
        x = Buffers.activations(arena, (long) s.rows * s.in, 2);
        out = Buffers.activations(arena, (long) s.rows * s.out, 3);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment matmul() {
        k.matmul(x, s.rows, s.in, w, null, out);
        return out;
    }
}
