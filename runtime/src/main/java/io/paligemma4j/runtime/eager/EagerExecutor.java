package io.paligemma4j.runtime.eager;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.Kernels;
import io.paligemma4j.kernels.TimedKernels;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.runtime.MemoryBudget;
import io.paligemma4j.runtime.forward.BufferSpec;
import io.paligemma4j.runtime.forward.LayerOps;
import io.paligemma4j.runtime.forward.Pass;
import io.paligemma4j.runtime.forward.Program;
import io.paligemma4j.runtime.forward.Stage;
import io.paligemma4j.runtime.forward.StageExecutor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * Runs the forward pass eagerly on a host {@link Kernels} set (the cpu backend's Vector API kernels,
 * or the scalar reference): every op is a kernel call on the current pass's rows of off-heap
 * buffers allocated once, at open.
 */
public final class EagerExecutor implements StageExecutor<EagerBuffer>, LayerOps<EagerBuffer> {
    private final Kernels k;
    private final Arena arena = Arena.ofShared();
    private Pass pass;

    public EagerExecutor(Kernels kernels) {
        this.k = kernels;
    }

    @Override
    public void checkMemory(List<BufferSpec> buffers) {
        long bytes = buffers.stream().mapToLong(BufferSpec::bytes).sum();
        MemoryBudget.require(bytes, "the KV cache and activations");
    }

    @Override
    public EagerBuffer allocate(BufferSpec spec) {
        // Cache-line aligned, so that no vector load of an activation row straddles two lines.
        return new EagerBuffer(spec, arena.allocate(spec.bytes(), 64));
    }

    @Override
    public LayerOps<EagerBuffer> ops() {
        return this;
    }

    @Override
    public void prepare(Program<EagerBuffer> program) {}

    @Override
    public void run(List<Stage<EagerBuffer>> stages, Pass pass) {
        this.pass = pass;
        for (Stage<EagerBuffer> s : stages) {
            s.body().accept(this);
        }
    }

    @Override
    public void write(EagerBuffer buffer, float[] data) {
        MemorySegment.copy(data, 0, buffer.segment(), JAVA_FLOAT, 0, data.length);
    }

    @Override
    public float[] read(EagerBuffer buffer, int floats) {
        return buffer.segment().asSlice(0, (long) floats * Float.BYTES).toArray(JAVA_FLOAT);
    }

    /** Per-op host kernel time when the kernels are {@link TimedKernels}; otherwise nothing. */
    @Override
    public Map<String, Double> takeDeviceCounters() {
        return k instanceof TimedKernels t ? t.take() : Map.of();
    }

    @Override
    public void close() {
        arena.close();
    }

    /** The pass's first row of {@code b}: row 0, or the pass's start in a sequence-addressed buffer. */
    private MemorySegment rows(EagerBuffer b) {
        return b.spec().sequenceRows() ? b.segment().asSlice((long) pass.start() * b.spec().width() * Float.BYTES) : b.segment();
    }

    private static int width(EagerBuffer b) {
        return b.spec().width();
    }

    private long values(EagerBuffer b) {
        return (long) pass.rows() * width(b);
    }

    @Override
    public void patchEmbed(EagerBuffer pixels, int imageSize, int patch, Tensor weight, Tensor bias, Tensor positions,
                           EagerBuffer out) {
        k.patchEmbed(pixels.segment(), imageSize, patch, weight, bias, positions, out.segment());
    }

    @Override
    public void embed(Tensor table, float scale, EagerBuffer out) {
        k.embed(table, pass.tokens(), scale, rows(out).asSlice((long) pass.imageRows() * width(out) * Float.BYTES));
    }

    @Override
    public void copyRows(EagerBuffer from, EagerBuffer to) {
        MemorySegment.copy(from.segment(), 0, rows(to), 0, from.spec().bytes());
    }

    @Override
    public void layerNorm(EagerBuffer x, Tensor gamma, Tensor beta, float eps, EagerBuffer out) {
        k.layerNorm(rows(x), pass.rows(), width(x), gamma, beta, eps, rows(out));
    }

    @Override
    public void rmsNorm(EagerBuffer x, Tensor weight, float eps, EagerBuffer out) {
        k.rmsNorm(rows(x), pass.rows(), width(x), weight, eps, rows(out));
    }

    @Override
    public void rmsNormRow(EagerBuffer x, Tensor weight, float eps, EagerBuffer out) {
        long rowBytes = (long) width(x) * Float.BYTES;
        k.rmsNorm(x.segment().asSlice(pass.row() * rowBytes, rowBytes), 1, width(x), weight, eps, out.segment());
    }

    @Override
    public void linear(EagerBuffer x, Tensor weight, Tensor bias, EagerBuffer out) {
        k.matmul(rows(x), pass.rows(), width(x), weight, bias, rows(out));
    }

    @Override
    public void gateUpGeglu(EagerBuffer x, Tensor gate, Tensor up, EagerBuffer out) {
        k.gateUpGeglu(rows(x), pass.rows(), width(x), gate, up, rows(out));
    }

    @Override
    public void geluTanh(EagerBuffer x) {
        k.geluTanh(rows(x), values(x));
    }

    @Override
    public void rope(EagerBuffer x, int heads, int headDim, double theta) {
        k.rope(rows(x), pass.rows(), heads, headDim, pass.start(), theta);
    }

    @Override
    public void attention(AttentionShape shape, EagerBuffer q, EagerBuffer kc, EagerBuffer vc, EagerBuffer out) {
        k.attention(shape, rows(q), pass.rows(), pass.start(), pass.prefixLen(), kc.segment(), vc.segment(),
                pass.start() + pass.rows(), rows(out));
    }

    @Override
    public void add(EagerBuffer acc, EagerBuffer x) {
        k.add(rows(acc), rows(x), values(acc));
    }

    @Override
    public void softcap(EagerBuffer x, float cap) {
        k.softcap(rows(x), values(x), cap);
    }
}
