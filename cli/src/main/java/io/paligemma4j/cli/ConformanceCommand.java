package io.paligemma4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A stable contract for cross-implementation checks: builds {@code [image × N][BOS][prompt][\n]},
 * decodes greedily (lowest id on ties, EOS not special) and writes the intermediate results.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true, description = "Run a fixed prefix greedily and write image features, prefill "
        + "logits and per-step logits as .npy plus result.json.")
final class ConformanceCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--pixels", required = true, paramLabel = "FILE.npy", description = "float32 [3, S, S] in [-1, 1].")
    Path pixels;

    @Option(names = "--prompt-ids", required = true, split = ",", paramLabel = "IDS", description = "e.g. 5,17,42")
    List<Integer> promptIds;

    @Option(names = "--new-tokens", defaultValue = "8", description = "Greedy tokens to generate (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--newline-id", defaultValue = "108", description = "Id of \"\\n\" (default ${DEFAULT-VALUE}).")
    int newlineId;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (newTokens < 1) {
            throw new BadInputException("--new-tokens must be at least 1");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException("--out " + out + " is a file; conformance writes a directory of results there");
        }
        Backend backend = model.selectBackend();
        model.checkCapacityOption();
        Npy.Array px = Npy.read(pixels);
        checkPixels(px);
        try (PaliGemmaModel m = model.load()) {
            int s = m.config().vision().imageSize();
            if (px.shape().length != 3 || px.shape()[0] != 3 || px.shape()[1] != s || px.shape()[2] != s) {
                throw new BadInputException("pixels " + pixels + " have shape " + java.util.Arrays.toString(px.shape())
                        + "; the model takes [3, " + s + ", " + s + "]");
            }
            int[] prompt = promptIds.stream().mapToInt(Integer::intValue).toArray();
            int[] prefix = Session.textPrefix(m.config().text().bosId(), prompt, new int[] {newlineId});
            GenerationResult r;
            String backendName;
            String device;
            try (Session session = model.open(m, backend)) {
                backendName = session.backend().name();
                device = String.join("; ", session.backend().devices());
                r = session.generate(px.data(), prefix, GenerationOptions.conformance(newTokens), t -> {}, true);
            }
            write(m, r, prefix, backendName, device);
        }
        return 0;
    }

    /** Pixels as the processor makes them: finite and within [-1, 1] (x/127.5 − 1 of a byte). */
    private void checkPixels(Npy.Array px) {
        float[] d = px.data();
        for (int i = 0; i < d.length; i++) {
            if (!(d[i] >= -1f && d[i] <= 1f)) {
                throw new BadInputException("pixels " + pixels + " hold " + d[i] + " at index " + i
                        + "; the model takes values in [-1, 1] (NaN and infinities are refused)");
            }
        }
    }

    private void write(PaliGemmaModel m, GenerationResult r, int[] prefix, String backendName, String device)
            throws IOException {
        try {
            Files.createDirectories(out);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new BadInputException("--out " + out + " is a file; conformance writes a directory of results there");
        }
        int vocab = m.config().text().vocabSize();
        int n = m.config().numImageTokens();
        Npy.write(out.resolve("image_features.npy"), new long[] {n, m.config().text().hiddenSize()}, r.imageFeatures());
        Npy.write(out.resolve("prefill_logits.npy"), new long[] {r.prefixLength(), vocab}, r.prefillLogits());
        float[] steps = new float[r.stepLogits().size() * vocab];
        for (int i = 0; i < r.stepLogits().size(); i++) {
            System.arraycopy(r.stepLogits().get(i), 0, steps, i * vocab, vocab);
        }
        Npy.write(out.resolve("generation_step_logits.npy"), new long[] {r.stepLogits().size(), vocab}, steps);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("prefix_length", r.prefixLength());
        json.put("generated", r.tokens());
        json.put("backend", backendName);
        json.put("device", device);
        json.put("model", m.dir().toString());
        json.put("num_image_tokens", n);
        json.put("text_input_ids", prefix);
        json.put("vocab_size", vocab);
        json.put("timings_ms", Map.of("vision", r.timings().visionNanos() / 1e6,
                "prefill", r.timings().prefillNanos() / 1e6, "decode", r.timings().decodeNanos() / 1e6));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("result.json").toFile(), json);
        OutputOptions.println("wrote " + out + " (generated " + java.util.Arrays.toString(r.tokens()) + ", backend "
                + backendName + ")");
    }
}
