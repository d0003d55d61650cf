package io.paligemma4j.backends.opencl;

import static org.lwjgl.opencl.CL10.*;

import io.paligemma4j.kernels.AttentionShape;
import io.paligemma4j.kernels.ref.Rope;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.PaliGemmaConfig;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TextConfig;
import io.paligemma4j.loader.VisionConfig;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.forward.BufferSpec;
import io.paligemma4j.runtime.forward.LayerOps;
import io.paligemma4j.runtime.forward.Pass;
import io.paligemma4j.runtime.forward.Program;
import io.paligemma4j.runtime.forward.Stage;
import io.paligemma4j.runtime.forward.StageExecutor;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * How the opencl backend runs an op: each enqueues its hand-written OpenCL C kernel (resources
 * {@code /opencl/*.cl}) on this engine's in-order queue, eagerly, over device buffers allocated
 * once; the host waits only to read a result. Weights are resident and shared per model
 * ({@link ClWeights}); activations and the KV cache live on the device. Per decode step the token
 * id goes up (4 bytes; positions are kernel arguments) and only the logits come down.
 */
final class OpenClExecutor implements StageExecutor<ClBuffer>, LayerOps<ClBuffer> {
    private static final String[] KERNELS = {"gemm", "gemm_gate_up", "gemv", "gemv_gate_up", "layer_norm", "rms_norm",
        "gelu_tanh", "add", "softcap", "rope", "attention_part", "attention_combine", "lookup", "patch_embed", "argmax_part", "argmax_final"};

    private final ClContext cl;
    private final PaliGemmaModel model;
    private final PaliGemmaConfig config;
    private final int capacity;
    private final boolean profiled;
    private final long queue;
    private final Map<String, Long> kernels = new HashMap<>();
    private final List<Long> owned = new ArrayList<>();
    private final Map<String, long[]> ropeTables = new HashMap<>();
    private final ClWeights weights;
    private final int targetGroups;
    private long ids;
    private long dummy;
    private long partAcc;
    private long partMl;
    private long pickV;
    private long pickI;
    private long pick;
    /** (query, head, chunk) slots the attention scratch holds, and the head size it holds them at. */
    private long partSlots;
    private int partHeadDim;
    private Pass pass;
    private long kernelNs;
    private long bytesUp;
    private long bytesDown;
    private final List<Long> events = new ArrayList<>();

    OpenClExecutor(ClContext cl, PaliGemmaModel model, int capacity, boolean profiled) {
        this.cl = cl;
        this.model = model;
        this.config = model.config();
        this.capacity = capacity;
        this.profiled = profiled;
        this.targetGroups = Math.max(8, 4 * cl.device.computeUnits());
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            queue = clCreateCommandQueue(cl.context, cl.device.id(), profiled ? CL_QUEUE_PROFILING_ENABLE : 0, err);
            ClErrors.check(err.get(0), "clCreateCommandQueue", cl.device.name());
        }
        weights = ClWeights.acquire(cl, model);
    }

    private String dev() {
        return cl.device.name();
    }

    // ---- StageExecutor ----

    /** (query, head, chunk) slots any pass of {@code rows} rows needs: chunks only split what leaves the device idle. */
    private long partialSlots(int heads, int rows) {
        return (long) heads * (rows + targetGroups / heads + 2);
    }

    @Override
    public void checkMemory(List<BufferSpec> buffers) {
        TextConfig tc = config.text();
        VisionConfig vc = config.vision();
        partSlots = Math.max(partialSlots(tc.numHeads(), capacity), partialSlots(vc.numHeads(), vc.numPatches()));
        partHeadDim = Math.max(tc.headDim(), vc.headDim());
        long acts = buffers.stream().mapToLong(BufferSpec::bytes).sum();
        long extra = 4L * (partSlots * (partHeadDim + 2) + (long) capacity * tc.headDim() + capacity);
        long w = ClWeights.resident(cl, model) ? 0 : model.checkpoint().byteSize();
        long need = acts + extra + w;
        if (need > cl.device.globalMem()) {
            throw new BadInputException(String.format("the model needs %.2f GB on %s (%.2f GB of weights, %.2f GB of "
                    + "activations and KV cache) but it has %.2f GB; lower --max-seq-len", need / 1e9, dev(), w / 1e9,
                    (acts + extra) / 1e9, cl.device.globalMem() / 1e9));
        }
        for (BufferSpec b : buffers) {
            if (b.bytes() > cl.device.maxAlloc()) {
                throw new BadInputException(String.format("buffer %s (%.2f GB) exceeds the %.2f GB %s allows in one "
                        + "buffer; lower --max-seq-len", b.name(), b.bytes() / 1e9, cl.device.maxAlloc() / 1e9, dev()));
            }
        }
        for (String k : KERNELS) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                var err = stack.mallocInt(1);
                long kernel = clCreateKernel(cl.program, k, err);
                ClErrors.check(err.get(0), "clCreateKernel(" + k + ")", dev());
                kernels.put(k, kernel);
            }
        }
        ids = buffer(4L * capacity, "token ids");
        dummy = buffer(4, "no-bias");
        partAcc = buffer(4 * partSlots * partHeadDim, "attention partials");
        partMl = buffer(4 * 2 * partSlots, "attention statistics");
        pickV = buffer(4L * argmaxGroups(), "argmax values");
        pickI = buffer(4L * argmaxGroups(), "argmax indices");
        pick = buffer(4, "argmax result");
    }

    /** Work-groups of the greedy pick's first pass: enough to fill the device. */
    private int argmaxGroups() {
        return targetGroups;
    }

    private long buffer(long requested, String what) {
        long bytes = (Math.max(4, requested) + 3) / 4 * 4;
        long mem = ClMemory.create(cl, CL_MEM_READ_WRITE, bytes, 0, what);
        owned.add(mem);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            // Zeroed: no kernel ever reads an unwritten value, but a stale one must not be possible.
            java.nio.ByteBuffer zero = stack.calloc(4);
            ClErrors.check(org.lwjgl.opencl.CL12.clEnqueueFillBuffer(queue, mem, zero, 0, bytes, null, null),
                    "clEnqueueFillBuffer (" + what + ")", dev());
            return mem;
        }
    }

    @Override
    public ClBuffer allocate(BufferSpec spec) {
        return new ClBuffer(spec, buffer(spec.bytes(), spec.name()));
    }

    @Override
    public LayerOps<ClBuffer> ops() {
        return this;
    }

    @Override
    public void prepare(Program<ClBuffer> program) {
        ClErrors.check(clFinish(queue), "clFinish", dev());
    }

    @Override
    public void run(List<Stage<ClBuffer>> stages, Pass pass) {
        this.pass = pass;
        for (Stage<ClBuffer> s : stages) {
            s.body().accept(this);
        }
        ClErrors.check(clFlush(queue), "clFlush", dev());
        if (profiled) {
            ClErrors.check(clFinish(queue), "clFinish", dev());
            collectEvents();
        }
    }

    @Override
    public void write(ClBuffer buffer, float[] data) {
        FloatBuffer b = MemoryUtil.memAllocFloat(data.length).put(data).flip();
        try {
            ClErrors.check(clEnqueueWriteBuffer(queue, buffer.mem(), true, 0, b, null, null),
                    "clEnqueueWriteBuffer (" + buffer.spec().name() + ")", dev());
            bytesUp += 4L * data.length;
        } finally {
            MemoryUtil.memFree(b);
        }
    }

    @Override
    public float[] read(ClBuffer buffer, int floats) {
        FloatBuffer b = MemoryUtil.memAllocFloat(floats);
        try {
            ClErrors.check(clEnqueueReadBuffer(queue, buffer.mem(), true, 0, b, null, null),
                    "clEnqueueReadBuffer (" + buffer.spec().name() + ")", dev());
            bytesDown += 4L * floats;
            float[] out = new float[floats];
            b.get(out);
            return out;
        } finally {
            MemoryUtil.memFree(b);
        }
    }

    @Override
    public int runGreedy(Stage<ClBuffer> head, ClBuffer logits, Pass pass, int n) {
        run(List.of(head), pass);
        return argmax(logits, n);
    }

    /** The greedy pick over the first n values of {@code buffer}, on the device: two passes, and 4 bytes back. */
    int argmax(ClBuffer buffer, int n) {
        int groups = argmaxGroups();
        launch("argmax_part", new long[] {(long) groups * cl.wg}, new long[] {cl.wg}, mem(buffer), n, new Mem(pickV),
                new Mem(pickI));
        launch("argmax_final", new long[] {cl.wg}, new long[] {cl.wg}, new Mem(pickV), new Mem(pickI), groups, new Mem(pick));
        IntBuffer b = MemoryUtil.memAllocInt(1);
        try {
            ClErrors.check(clEnqueueReadBuffer(queue, pick, true, 0, b, null, null), "clEnqueueReadBuffer (argmax)", dev());
            bytesDown += 4;
            if (profiled) {
                collectEvents();
            }
            int id = b.get(0);
            if (id < 0) {
                // Every logit is NaN: the same refusal as the host's greedy pick.
                return io.paligemma4j.runtime.Sampling.greedy(new float[] {Float.NaN}, 0);
            }
            return id;
        } finally {
            MemoryUtil.memFree(b);
        }
    }

    @Override
    public Map<String, Double> takeDeviceCounters() {
        if (!profiled) {
            return Map.of();
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("device_kernel_seconds", kernelNs / 1e9);
        m.put("bytes_to_device", (double) bytesUp);
        m.put("bytes_to_host", (double) bytesDown);
        kernelNs = 0;
        bytesUp = 0;
        bytesDown = 0;
        return m;
    }

    private void collectEvents() {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var t = stack.mallocLong(1);
            for (long e : events) {
                ClErrors.check(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, t, null), "clGetEventProfilingInfo", dev());
                long start = t.get(0);
                ClErrors.check(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, t, null), "clGetEventProfilingInfo", dev());
                kernelNs += t.get(0) - start;
                clReleaseEvent(e);
            }
        }
        events.clear();
    }

    @Override
    public void close() {
        clFinish(queue);
        collectEvents();
        for (long m : owned) {
            ClMemory.release(m);
        }
        owned.clear();
        ropeTables.clear();
        for (long k : kernels.values()) {
            clReleaseKernel(k);
        }
        kernels.clear();
        clReleaseCommandQueue(queue);
        ClWeights.release(weights);
    }

    // ---- launching ----

    /** A device buffer argument, apart from scalar longs. */
    private record Mem(long handle) {}

    private static Mem mem(ClBuffer b) {
        return new Mem(b.mem());
    }

    private Mem weight(Tensor t) {
        return new Mem(weights.of(t));
    }

    private static int fmt(Tensor t) {
        return t.dtype() == DType.BF16 ? 0 : t.dtype() == DType.F16 ? 1 : 2;
    }

    private void launch(String name, long[] global, long[] local, Object... args) {
        long k = kernels.get(name);
        for (int i = 0; i < args.length; i++) {
            int rc = switch (args[i]) {
                case Mem m -> clSetKernelArg1p(k, i, m.handle());
                case Integer v -> clSetKernelArg1i(k, i, v);
                case Long v -> clSetKernelArg1l(k, i, v);
                case Float v -> clSetKernelArg1f(k, i, v);
                default -> throw new IllegalArgumentException("argument " + i + " of " + name + ": " + args[i]);
            };
            ClErrors.check(rc, "clSetKernelArg(" + name + ", " + i + ")", dev());
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer g = stack.mallocPointer(global.length);
            PointerBuffer l = stack.mallocPointer(local.length);
            for (int i = 0; i < global.length; i++) {
                g.put(i, global[i]);
                l.put(i, local[i]);
            }
            PointerBuffer ev = profiled ? stack.mallocPointer(1) : null;
            ClErrors.check(clEnqueueNDRangeKernel(queue, k, global.length, null, g, l, null, ev),
                    "clEnqueueNDRangeKernel(" + name + ")", dev());
            if (ev != null) {
                events.add(ev.get(0));
            }
        }
    }

    private static long roundUp(long n, long m) {
        return Math.max(m, (n + m - 1) / m * m);
    }

    /** One work-item per value, in groups of the row-reduction size. */
    private void pointwise(String name, long n, Object... args) {
        launch(name, new long[] {roundUp(n, cl.wg)}, new long[] {cl.wg}, args);
    }

    private int rowBase(ClBuffer b) {
        return b.spec().sequenceRows() ? pass.start() : 0;
    }

    // ---- ops ----

    @Override
    public void patchEmbed(ClBuffer pixels, int imageSize, int patch, Tensor weight, Tensor bias, Tensor positions,
                           ClBuffer out) {
        int dim = out.spec().width();
        long n = (long) (imageSize / patch) * (imageSize / patch) * dim;
        pointwise("patch_embed", n, mem(pixels), imageSize, patch, (int) weight.dim(1), weight(weight),
                weight(bias), weight(positions), fmt(weight), fmt(bias), fmt(positions), mem(out), dim);
    }

    @Override
    public void embed(Tensor table, float scale, ClBuffer out) {
        int[] tokens = pass.tokens();
        IntBuffer b = MemoryUtil.memAllocInt(tokens.length).put(tokens).flip();
        try {
            ClErrors.check(clEnqueueWriteBuffer(queue, ids, true, 0, b, null, null), "clEnqueueWriteBuffer (token ids)", dev());
            bytesUp += 4L * tokens.length;
        } finally {
            MemoryUtil.memFree(b);
        }
        int dim = out.spec().width();
        pointwise("lookup", (long) tokens.length * dim, weight(table), fmt(table), new Mem(ids), mem(out),
                rowBase(out) + pass.imageRows(), tokens.length, dim, scale);
    }

    @Override
    public void copyRows(ClBuffer from, ClBuffer to) {
        ClErrors.check(clEnqueueCopyBuffer(queue, from.mem(), to.mem(), 0, (long) rowBase(to) * to.spec().width() * 4,
                from.spec().bytes(), null, null), "clEnqueueCopyBuffer", dev());
    }

    @Override
    public void layerNorm(ClBuffer x, Tensor gamma, Tensor beta, float eps, ClBuffer out) {
        if (gamma.dtype() != beta.dtype()) {
            throw new IllegalArgumentException("LayerNorm weight and bias differ in dtype");
        }
        launch("layer_norm", new long[] {(long) pass.rows() * cl.wg}, new long[] {cl.wg}, mem(x), weight(gamma),
                weight(beta), fmt(gamma), mem(out), x.spec().width(), eps);
    }

    @Override
    public void rmsNorm(ClBuffer x, Tensor weight, float eps, ClBuffer out) {
        launch("rms_norm", new long[] {(long) pass.rows() * cl.wg}, new long[] {cl.wg}, mem(x), rowBase(x), weight(weight),
                fmt(weight), mem(out), x.spec().width(), eps);
    }

    @Override
    public void rmsNormRow(ClBuffer x, Tensor weight, float eps, ClBuffer out) {
        launch("rms_norm", new long[] {cl.wg}, new long[] {cl.wg}, mem(x), pass.row(), weight(weight), fmt(weight),
                mem(out), x.spec().width(), eps);
    }

    @Override
    public void linear(ClBuffer x, Tensor weight, Tensor bias, ClBuffer out) {
        int in = x.spec().width();
        int cols = out.spec().width();
        Mem b = bias != null ? weight(bias) : new Mem(dummy);
        int fmtBias = bias != null ? fmt(bias) : 2;
        int hasBias = bias != null ? 1 : 0;
        if (pass.rows() == 1) {
            launch("gemv", new long[] {(long) cols * cl.wg}, new long[] {cl.wg}, mem(x), weight(weight), fmt(weight), b,
                    fmtBias, hasBias, mem(out), in, cols, rowBase(out));
        } else {
            launch("gemm", new long[] {roundUp(cols, cl.ts), roundUp(pass.rows(), cl.ts) / cl.wpt},
                    new long[] {cl.ts, cl.ts / cl.wpt}, mem(x), weight(weight), fmt(weight), b, fmtBias, hasBias,
                    mem(out), pass.rows(), in, cols, rowBase(out));
        }
    }

    @Override
    public void gateUpGeglu(ClBuffer x, Tensor gate, Tensor up, ClBuffer out) {
        if (gate.dtype() != up.dtype()) {
            throw new IllegalArgumentException("gate and up projections differ in dtype");
        }
        int in = x.spec().width();
        int cols = out.spec().width();
        if (pass.rows() == 1) {
            launch("gemv_gate_up", new long[] {(long) cols * cl.wg}, new long[] {cl.wg}, mem(x), weight(gate), weight(up),
                    fmt(gate), mem(out), in, cols);
        } else {
            launch("gemm_gate_up", new long[] {roundUp(cols, cl.ts), roundUp(pass.rows(), cl.ts) / cl.wpt},
                    new long[] {cl.ts, cl.ts / cl.wpt}, mem(x), weight(gate), weight(up), fmt(gate), mem(out),
                    pass.rows(), in, cols);
        }
    }

    @Override
    public void geluTanh(ClBuffer x) {
        long n = (long) pass.rows() * x.spec().width();
        pointwise("gelu_tanh", n, mem(x), n);
    }

    @Override
    public void rope(ClBuffer x, int heads, int headDim, double theta) {
        long[] t = ropeTables.computeIfAbsent(headDim + "/" + theta, k -> ropeTable(headDim, theta));
        pointwise("rope", (long) pass.rows() * heads * (headDim / 2), mem(x), new Mem(t[0]), new Mem(t[1]), pass.rows(),
                heads, headDim, pass.start(), rowBase(x));
    }

    /** cos and sin of every position's angles, from the reference's float64 computation. */
    private long[] ropeTable(int headDim, double theta) {
        int half = headDim / 2;
        double[] inv = Rope.inverseFrequencies(headDim, theta);
        float[] c = new float[half];
        float[] s = new float[half];
        FloatBuffer cb = MemoryUtil.memAllocFloat(capacity * half);
        FloatBuffer sb = MemoryUtil.memAllocFloat(capacity * half);
        try {
            for (int p = 0; p < capacity; p++) {
                Rope.angles(p, inv, c, s);
                cb.put(c);
                sb.put(s);
            }
            long bytes = 4L * capacity * half;
            long cm = ClMemory.create(cl, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, MemoryUtil.memAddress(cb, 0), "RoPE cos");
            owned.add(cm);
            long sm = ClMemory.create(cl, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, MemoryUtil.memAddress(sb, 0), "RoPE sin");
            owned.add(sm);
            return new long[] {cm, sm};
        } finally {
            MemoryUtil.memFree(cb);
            MemoryUtil.memFree(sb);
        }
    }

    /**
     * Split-K attention: enough (query, head, key chunk) work-groups to fill the device (about four
     * per compute unit), chunks of at least a work-group's worth of keys; then one pass that merges
     * the chunks' softmax statistics.
     */
    @Override
    public void attention(AttentionShape s, ClBuffer q, ClBuffer k, ClBuffer v, ClBuffer out) {
        if (s.headDim() > ClContext.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("head size " + s.headDim() + " exceeds the attention kernel's "
                    + ClContext.MAX_HEAD_DIM);
        }
        int rows = pass.rows();
        int nKv = pass.start() + rows;
        long pairs = (long) rows * s.numHeads();
        int chunks = (int) Math.max(1, Math.min((nKv + cl.wg - 1) / cl.wg, (targetGroups + pairs - 1) / pairs));
        int chunk = (nKv + chunks - 1) / chunks;
        ensurePartials(pairs * chunks, s.headDim());
        launch("attention_part", new long[] {pairs * chunks * cl.wg}, new long[] {cl.wg}, mem(q), mem(k), mem(v),
                new Mem(partAcc), new Mem(partMl), s.numHeads(), s.numKvHeads(), s.headDim(), s.scale(), s.softcap(),
                s.window(), pass.start(), pass.prefixLen(), nKv, chunk, chunks);
        pointwise("attention_combine", pairs * s.headDim(), new Mem(partAcc), new Mem(partMl), mem(out), rows,
                s.numHeads(), s.headDim(), chunks);
    }

    /**
     * Grows the attention scratch for a call that needs more than the engine's bound (only shapes
     * outside the model's, as in kernel benchmarks, ever do).
     */
    private void ensurePartials(long slots, int headDim) {
        if (slots <= partSlots && headDim <= partHeadDim) {
            return;
        }
        owned.remove(partAcc);
        owned.remove(partMl);
        ClErrors.check(clFinish(queue), "clFinish", dev());
        ClMemory.release(partAcc);
        ClMemory.release(partMl);
        partSlots = Math.max(partSlots, slots);
        partHeadDim = Math.max(partHeadDim, headDim);
        partAcc = buffer(4 * partSlots * partHeadDim, "attention partials");
        partMl = buffer(4 * 2 * partSlots, "attention statistics");
    }

    @Override
    public void add(ClBuffer acc, ClBuffer x) {
        long n = (long) pass.rows() * acc.spec().width();
        pointwise("add", n, mem(acc), mem(x), n);
    }

    @Override
    public void softcap(ClBuffer x, float cap) {
        long n = (long) pass.rows() * x.spec().width();
        pointwise("softcap", n, mem(x), n, cap);
    }
}
