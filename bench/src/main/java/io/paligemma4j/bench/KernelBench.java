package io.paligemma4j.bench;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.backends.cpu.Parallel;
import io.paligemma4j.backends.cpu.VectorKernels;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/** The other kernels at PaliGemma-3B-224 shapes. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBench {
    static final AttentionShape VISION = new AttentionShape(16, 16, 72, (float) (1 / Math.sqrt(72)), 0, 0);
    static final AttentionShape GEMMA = new AttentionShape(8, 1, 256, 1 / 16f, 0, 0);

    Arena arena;
    VectorKernels k;
    MemorySegment a;
    MemorySegment b;
    MemorySegment c;
    MemorySegment kv;
    MemorySegment o;
    Tensor norm;
    Tensor normBias;
    Tensor gate;
    Tensor up;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        k = new VectorKernels(Parallel.shared(Parallel.defaultThreads()));
        a = Buffers.activations(arena, 270L * 16384, 1);
        b = Buffers.activations(arena, 270L * 16384, 2);
        c = Buffers.activations(arena, 270L * 16384, 3);
        kv = Buffers.activations(arena, 270L * 1152, 4);
        o = Buffers.activations(arena, 270L * 2048, 5);
        norm = Buffers.weights(arena, DType.BF16, 1, 2048, 6);
        normBias = Buffers.weights(arena, DType.BF16, 1, 2048, 7);
        gate = Buffers.weights(arena, DType.BF16, 16384, 2048, 8);
        up = Buffers.weights(arena, DType.BF16, 16384, 2048, 9);
        norm = new Tensor("n", DType.BF16, new long[] {2048}, norm.data(), "bench");
        normBias = new Tensor("b", DType.BF16, new long[] {2048}, normBias.data(), "bench");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** SigLIP self-attention: 256 queries × 16 heads × 72 over 256 keys. */
    @Benchmark
    public MemorySegment attentionVision() {
        k.attention(VISION, a, 256, 0, 256, b, c, 256, o);
        return o;
    }

    /** Gemma prefill attention: 270 queries × 8 heads (1 kv head) × 256, bidirectional prefix. */
    @Benchmark
    public MemorySegment attentionPrefill() {
        k.attention(GEMMA, a, 270, 0, 270, b, c, 270, o);
        return o;
    }

    /** Gemma decode attention: 1 query over 270 cached keys. */
    @Benchmark
    public MemorySegment attentionDecode() {
        k.attention(GEMMA, a, 1, 270, 270, b, c, 271, o);
        return o;
    }

    @Benchmark
    public MemorySegment rmsNormPrefill() {
        k.rmsNorm(a, 270, 2048, norm, 1e-6f, o);
        return o;
    }

    @Benchmark
    public MemorySegment layerNormVision() {
        k.layerNorm(a, 256, 1152, norm, normBias, 1e-6f, kv);
        return kv;
    }

    @Benchmark
    public MemorySegment geluVision() {
        k.geluTanh(a, 256L * 4304);
        return a;
    }

    @Benchmark
    public MemorySegment ropePrefill() {
        k.rope(a, 270, 8, 256, 0, 10000.0);
        return a;
    }

    /** Decode MLP input side: gate and up GEMVs fused with GeGLU (2 × 16384 × 2048 BF16). */
    @Benchmark
    public MemorySegment gateUpGegluDecode() {
        k.gateUpGeglu(o, 1, 2048, gate, up, c);
        return c;
    }
}
