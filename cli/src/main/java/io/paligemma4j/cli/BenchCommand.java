package io.paligemma4j.cli;

import io.paligemma4j.runtime.OutputFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.backends.cpu.MachineLimits;
import io.paligemma4j.kernels.TimedKernels;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.backends.cpu.Parallel;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.ModelCost;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.SyntheticModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End-to-end benchmark on full-size synthetic checkpoints: every figure beside its roofline, from
 * limits measured in the same run (memory read bandwidth and FMA peak on the same threads).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "End-to-end benchmark on full-size PaliGemma-3B-224 and PaliGemma 2 3B-224 "
        + "checkpoints with random BF16 weights (written once to $PALIGEMMA_CACHE or ~/.cache/paligemma4j).")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--backend", paramLabel = "NAME", description = "Backend to time. Default: the fastest available.")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Host threads for the backend and the limit probes. Default: all cores.")
    Integer threads;

    @Option(names = "--device", paramLabel = "N", description = "The backend's device by number (`devices` lists them).")
    Integer device;

    @Option(names = "--variant", paramLabel = "NAME", split = ",", converter = VariantName.class,
            description = "Which checkpoints: paligemma-3b-224, paligemma2-3b-224 (default: both).")
    List<SyntheticModels.Variant> variants;

    /** A checkpoint by the name the table prints (or its enum constant), in any case. */
    static final class VariantName implements CommandLine.ITypeConverter<SyntheticModels.Variant> {
        @Override
        public SyntheticModels.Variant convert(String name) {
            for (SyntheticModels.Variant v : SyntheticModels.Variant.values()) {
                if (v.dirName().equalsIgnoreCase(name) || v.name().equalsIgnoreCase(name)) {
                    return v;
                }
            }
            throw new CommandLine.TypeConversionException("'" + name + "' is not a benchmark checkpoint: use "
                    + java.util.Arrays.stream(SyntheticModels.Variant.values()).map(SyntheticModels.Variant::dirName)
                            .collect(java.util.stream.Collectors.joining(" or ")));
        }
    }

    @Option(names = "--text-tokens", defaultValue = "14",
            description = "Text prefix tokens after the image (default ${DEFAULT-VALUE}: 256 + 14 = 270 rows).")
    int textTokens;

    @Option(names = "--decode-tokens", defaultValue = "16", description = "Tokens to decode (default ${DEFAULT-VALUE}).")
    int decodeTokens;

    @Option(names = "--runs", defaultValue = "2",
            description = "Runs per model; each stage reports its best run (default ${DEFAULT-VALUE}: the first "
                    + "warms the JIT and the page tables on full-size shapes).")
    int runs;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Also draw the roofline: each stage as a point under the bandwidth and FMA ceilings.")
    Path plot;

    @Override
    public Integer call() throws IOException {
        // Every option is checked before minutes of measuring or a 6 GB checkpoint write begin.
        if (textTokens < 2) {
            throw new BadInputException("--text-tokens must be at least 2 (BOS and the newline), got " + textTokens);
        }
        if (decodeTokens < 1) {
            throw new BadInputException("--decode-tokens must be at least 1, got " + decodeTokens);
        }
        if (runs < 1) {
            throw new BadInputException("--runs must be at least 1, got " + runs);
        }
        if (plot != null) {
            OutputFiles.check(plot, "--plot");
        }
        // A device backend's profiler gives kernel and transfer time per stage.
        Backend b = ModelOptions.select(backend, threads, device).withProfiling();
        List<SyntheticModels.Variant> todo = variants != null ? variants : List.of(SyntheticModels.Variant.values());
        Path cache = SyntheticModels.cacheDir();
        List<Map<String, Object>> results = new ArrayList<>();
        // The limits are measured before the backend's warm-up (whose JIT compilations would still be
        // running on the same cores) and again after every model, and the best of each is kept.
        progress("measuring machine limits (memory read bandwidth, FMA peak)...");
        Parallel probeThreads = Parallel.shared(threads != null ? threads : Parallel.defaultThreads());
        MachineLimits.Limits before = MachineLimits.measure(probeThreads);
        warmUp(b);
        for (SyntheticModels.Variant v : todo) {
            long w0 = System.nanoTime();
            boolean existed = Files.isRegularFile(cache.resolve(v.dirName()).resolve("config.json"));
            if (!existed) {
                progress("writing synthetic checkpoint " + v.dirName() + " to " + cache + " (once)...");
            }
            Path dir = SyntheticModels.ensure(v, cache);
            double writeS = existed ? 0 : (System.nanoTime() - w0) / 1e9;
            results.add(run(b, v, dir, writeS));
        }
        progress("measuring machine limits again...");
        MachineLimits.Limits lim = before.best(MachineLimits.measure(probeThreads));
        for (Map<String, Object> r : results) {
            addRooflines(r, lim);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backend", b.name());
        out.put("threads", lim.threads());
        out.put("vector_bits", lim.vectorBits());
        out.put("widest_vector_bits", lim.widestBits());
        out.put("measured_bandwidth_bytes_per_s", lim.readBytesPerSecond());
        out.put("measured_fma_peak_flops_per_s", lim.fmaFlopsPerSecond());
        out.put("measured_fma_peak_widest_flops_per_s", lim.widestFmaFlopsPerSecond());
        out.put("models", results);
        // The first model's headline figures at top level, as the README's contract promises.
        out.putAll(headline(results.get(0)));
        out.put("peak_rss_bytes", peakRss());
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            printTable(out, results);
        }
        if (plot != null) {
            writePlot(lim, b.name(), results);
            progress("wrote " + plot);
        }
        return 0;
    }

    private static Map<String, Object> headline(Map<String, Object> r) {
        Map<String, Object> h = new LinkedHashMap<>();
        for (String k : List.of("decode_tokens_per_s", "prefill_tokens_per_s", "vision_seconds", "weight_bytes_per_token",
                "time_to_first_token_s", "load_seconds")) {
            h.put(k, r.get(k));
        }
        return h;
    }

    /** JIT warm-up on the bundled tiny model: compiles the kernels' loops before anything is timed. */
    private static void warmUp(Backend b) {
        try (PaliGemmaModel m = PaliGemmaModel.load(ModelOptions.bundledModel());
             Session s = Session.open(m, b, Session.defaultCapacity(m.config()))) {
            float[] px = new float[3 * 56 * 56];
            for (int i = 0; i < 5; i++) {
                s.generate(px, Session.textPrefix(2, new int[] {5, 6, 7}, new int[] {108}),
                        GenerationOptions.conformance(8));
            }
        }
    }

    private Map<String, Object> run(Backend b, SyntheticModels.Variant v, Path dir,
                                    double writeSeconds) {
        long t0 = System.nanoTime();
        try (PaliGemmaModel m = PaliGemmaModel.load(dir)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            var c = m.config();
            int n = c.numImageTokens();
            int rows = n + textTokens;
            int[] prompt = new int[textTokens - 2];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 1000 + 37 * i;
            }
            float[] pixels = new float[3 * c.vision().imageSize() * c.vision().imageSize()];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) Math.sin(i * 0.001);
            }
            progress("running " + v.dirName() + ": vision, prefill of " + rows + " rows, " + decodeTokens + " decode steps...");
            double visionS = Double.MAX_VALUE;
            double prefillS = Double.MAX_VALUE;
            double decodeTps = 0;
            int decoded = 0;
            Map<String, Map<String, Double>> device = new LinkedHashMap<>();
            long o0 = System.nanoTime();
            double openS;
            try (Session s = Session.open(m, b, rows + decodeTokens + 1)) {
                // What opening costs the backend (a device backend may upload and compile here).
                openS = (System.nanoTime() - o0) / 1e9;
                for (int run = 0; run < Math.max(1, runs); run++) {
                    // Device counters per stage of the last run: taken as each stage starts.
                    String[] current = {null};
                    s.takeDeviceCounters();
                    s.onStage(stage -> {
                        Map<String, Double> counters = s.takeDeviceCounters();
                        if (current[0] != null && !counters.isEmpty()) {
                            device.put(current[0], counters);
                        }
                        current[0] = stage;
                    });
                    GenerationResult r = s.generate(pixels, Session.textPrefix(2, prompt, new int[] {108}),
                            new GenerationOptions(decodeTokens + 1, Set.of(), 0));
                    Map<String, Double> last = s.takeDeviceCounters();
                    if (current[0] != null && !last.isEmpty()) {
                        device.put(current[0], last);
                    }
                    GenerationResult.Timings t = r.timings();
                    visionS = Math.min(visionS, t.visionNanos() / 1e9);
                    prefillS = Math.min(prefillS, t.prefillNanos() / 1e9);
                    decodeTps = Math.max(decodeTps, t.decodeTokensPerSecond());
                    decoded = t.decodedTokens();
                }
            }
            long bytesPerToken = ModelCost.decodeWeightBytes(m.weights().text());
            double visionFlops = ModelCost.visionFlops(c);
            double prefillFlops = ModelCost.prefillFlops(c, rows);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", v.dirName());
            o.put("checkpoint_bytes", m.checkpoint().byteSize());
            o.put("checkpoint_write_seconds", writeSeconds);
            o.put("load_seconds", loadS);
            o.put("engine_open_seconds", openS);
            o.put("vision_seconds", visionS);
            o.put("vision_flops", visionFlops);
            o.put("vision_weight_bytes", ModelCost.visionWeightBytes(m.weights()));
            o.put("prefill_rows", rows);
            o.put("prefill_seconds", prefillS);
            o.put("prefill_tokens_per_s", rows / prefillS);
            o.put("prefill_flops", prefillFlops);
            o.put("time_to_first_token_s", visionS + prefillS);
            o.put("decode_tokens", decoded);
            o.put("runs", Math.max(1, runs));
            o.put("decode_tokens_per_s", decodeTps);
            o.put("weight_bytes_per_token", bytesPerToken);
            o.put("decode_flops_per_token", ModelCost.decodeFlops(m.weights().text()));
            o.put("peak_rss_bytes_so_far", peakRss());
            if (!device.isEmpty()) {
                o.put("device_counters_last_run", device);
                Map<String, Double> d = device.get("decode");
                if (d != null && decoded > 0) {
                    // Per decode step of the last run, from the backend's counters (those it keeps).
                    if (d.containsKey("kernel_launches")) {
                        o.put("decode_launches_per_token", d.get("kernel_launches") / decoded);
                    }
                    if (d.containsKey("bytes_to_device")) {
                        o.put("decode_bytes_to_device_per_token", d.get("bytes_to_device") / decoded);
                        o.put("decode_bytes_to_host_per_token", d.getOrDefault("bytes_to_host", 0.0) / decoded);
                    }
                }
            }
            return o;
        }
    }

    /** Each stage's roofline under the run's limits (JSON consumers and the table read them by key). */
    private static void addRooflines(Map<String, Object> r, MachineLimits.Limits lim) {
        double peak = lim.widestFmaFlopsPerSecond();
        r.put("vision_roofline_seconds", (Double) r.get("vision_flops") / peak);
        r.put("prefill_roofline_tokens_per_s", (Integer) r.get("prefill_rows") / ((Double) r.get("prefill_flops") / peak));
        r.put("decode_roofline_tokens_per_s", lim.readBytesPerSecond() / (Long) r.get("weight_bytes_per_token"));
    }

    private static void printTable(Map<String, Object> out, List<Map<String, Object>> results) {
        int bits = (Integer) out.get("vector_bits");
        int widest = (Integer) out.get("widest_vector_bits");
        System.out.printf("backend %s, %d threads, kernels at %d-bit vectors | measured (best of before and after): memory read %.1f GB/s, FMA peak "
                        + "%.1f GFLOP/s at %d bits%s%n", out.get("backend"), (Integer) out.get("threads"), bits,
                (Double) out.get("measured_bandwidth_bytes_per_s") / 1e9, (Double) out.get("measured_fma_peak_flops_per_s") / 1e9,
                bits, widest == bits ? "" : String.format(", %.1f GFLOP/s at %d bits (the rooflines' peak)",
                        (Double) out.get("measured_fma_peak_widest_flops_per_s") / 1e9, widest));
        for (Map<String, Object> r : results) {
            double ckpt = ((Long) r.get("checkpoint_bytes")).doubleValue();
            System.out.printf("%n%s (%.2f GB of BF16 weights)%n", r.get("model"), ckpt / 1e9);
            System.out.printf("  %-22s %10s   %s%n", "stage", "measured", "roofline (fraction reached)");
            System.out.printf("  %-22s %9.3f s%n", "load", (Double) r.get("load_seconds"));
            System.out.printf("  %-22s %9.3f s%n", "engine open", (Double) r.get("engine_open_seconds"));
            double vs = (Double) r.get("vision_seconds");
            double vr = (Double) r.get("vision_roofline_seconds");
            System.out.printf("  %-22s %9.3f s   %.3f s at the %d-bit FMA peak (%.0f%%), %.2f TFLOP%n", "vision tower", vs, vr, widest,
                    100 * vr / vs, (Double) r.get("vision_flops") / 1e12);
            double pt = (Double) r.get("prefill_tokens_per_s");
            double pr = (Double) r.get("prefill_roofline_tokens_per_s");
            System.out.printf("  %-22s %9.1f tok/s   %.1f tok/s at the %d-bit FMA peak (%.0f%%), %d rows in %.2f s%n", "prefill", pt, pr, widest,
                    100 * pt / pr, (Integer) r.get("prefill_rows"), (Double) r.get("prefill_seconds"));
            System.out.printf("  %-22s %9.3f s%n", "time to first token", (Double) r.get("time_to_first_token_s"));
            double dt = (Double) r.get("decode_tokens_per_s");
            double dr = (Double) r.get("decode_roofline_tokens_per_s");
            System.out.printf("  %-22s %9.2f tok/s   %.2f tok/s at memory bandwidth (%.0f%%), %.2f GB/token%n", "decode", dt,
                    dr, 100 * dt / dr, ((Long) r.get("weight_bytes_per_token")) / 1e9);
            long rss = (Long) r.get("peak_rss_bytes_so_far");
            System.out.printf("  %-22s %9.2f GB   %.2f x checkpoint%n", "peak RSS so far", rss / 1e9, rss / ckpt);
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Double>> dev = (Map<String, Map<String, Double>>) r.get("device_counters_last_run");
            if (dev != null) {
                boolean host = dev.values().stream().flatMap(c -> c.keySet().stream()).anyMatch(k -> k.startsWith(TimedKernels.OP_PREFIX));
                System.out.println(host ? "  kernels (each call timed, last run):" : "  device (the backend's profiler, last run):");
                dev.forEach((stage, c) -> {
                    StringBuilder line = new StringBuilder(String.format("    %-20s kernels %.3f s", stage,
                            c.getOrDefault("device_kernel_seconds", 0.0)));
                    // Counters a backend does not keep are left out, not printed as zero.
                    if (c.containsKey("device_transfer_seconds")) {
                        line.append(String.format(", transfers %.3f s", c.get("device_transfer_seconds")));
                    }
                    if (c.containsKey("compile_seconds")) {
                        line.append(String.format(", compile %.3f s", c.get("compile_seconds")));
                    }
                    if (c.containsKey("bytes_to_device")) {
                        line.append(String.format(", %.1f MB up, %.1f MB down", c.get("bytes_to_device") / 1e6,
                                c.getOrDefault("bytes_to_host", 0.0) / 1e6));
                    }
                    if (c.containsKey("kernel_launches")) {
                        line.append(String.format(", %.0f %s", c.get("kernel_launches"),
                                c.keySet().stream().anyMatch(key -> key.startsWith(TimedKernels.OP_PREFIX)) ? "calls" : "launches"));
                    }
                    System.out.println(line);
                    // A host backend's per-op split, largest first: where the stage's time goes.
                    double total = c.getOrDefault("device_kernel_seconds", 0.0);
                    StringBuilder ops = new StringBuilder();
                    c.entrySet().stream().filter(e -> e.getKey().startsWith(TimedKernels.OP_PREFIX))
                            .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                            .forEach(e -> ops.append(ops.isEmpty() ? "" : ", ").append(String.format("%s %.0f%%",
                                    e.getKey().substring(TimedKernels.OP_PREFIX.length()), total > 0 ? 100 * e.getValue() / total : 0)));
                    if (!ops.isEmpty()) {
                        System.out.println("      " + ops);
                    }
                });
                if (r.containsKey("decode_bytes_to_host_per_token")) {
                    System.out.printf("    %-20s %s%.0f B up, %.0f B down%n", "per decode token",
                            r.containsKey("decode_launches_per_token")
                                    ? String.format("%.0f launches, ", (Double) r.get("decode_launches_per_token")) : "",
                            (Double) r.get("decode_bytes_to_device_per_token"), (Double) r.get("decode_bytes_to_host_per_token"));
                }
            }
        }
    }

    private void writePlot(MachineLimits.Limits lim, String backend, List<Map<String, Object>> results)
            throws IOException {
        List<RooflinePlot.Peak> peaks = new ArrayList<>();
        peaks.add(new RooflinePlot.Peak(lim.vectorBits() + "-bit FMA peak (kernels' width)", lim.fmaFlopsPerSecond()));
        if (lim.widestBits() != lim.vectorBits()) {
            peaks.add(new RooflinePlot.Peak(lim.widestBits() + "-bit FMA peak (widest)", lim.widestFmaFlopsPerSecond()));
        }
        List<RooflinePlot.Point> points = new ArrayList<>();
        for (Map<String, Object> r : results) {
            String m = (String) r.get("model");
            double vf = (Double) r.get("vision_flops");
            points.add(new RooflinePlot.Point(m + " vision", vf / ((Long) r.get("vision_weight_bytes")).doubleValue(),
                    vf / (Double) r.get("vision_seconds")));
            double pf = (Double) r.get("prefill_flops");
            double textBytes = ((Long) r.get("weight_bytes_per_token")).doubleValue();
            points.add(new RooflinePlot.Point(m + " prefill", pf / textBytes, pf / (Double) r.get("prefill_seconds")));
            double df = (Double) r.get("decode_flops_per_token");
            points.add(new RooflinePlot.Point(m + " decode", df / textBytes, df * (Double) r.get("decode_tokens_per_s")));
        }
        RooflinePlot.write(plot, "paligemma4j bench: backend " + backend + ", " + lim.threads() + " threads, kernels at "
                + lim.vectorBits() + "-bit vectors", lim.readBytesPerSecond(), peaks, points);
    }

    /** Peak resident set (VmHWM) of this process, -1 where /proc is absent. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static void progress(String s) {
        System.err.println("bench: " + s);
    }
}
