package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.StreamingText;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every image task command does. Every option is checked first (backend, threads, generation
 * flags, the image, which is decoded now), then the model and its tokenizer load, the prompt is
 * tokenized apart from its "\n" (the newline is its own token, as Hugging Face's processor does
 * it), and the answer streams to stdout. Notices and timings go to stderr ({@link OutputOptions}).
 */
final class TaskRunner {
    /** The outcome of one task. {@code text} is null when the model has no tokenizer. */
    record Outcome(String text, int[] tokens, RgbImage image, GenerationResult result, Map<String, Object> timings,
                   String backend) {}

    /** The prompt: text, or ids ({@code text} unused then); {@code typed} when the user wrote the text. */
    record Prompt(String text, List<Integer> ids, boolean typed) {}

    /** The bundled tiny model has no tokenizer: it takes these prompt ids (the fixtures' prompt). */
    static final int[] BUNDLED_PROMPT_IDS = {5, 17, 42, 99, 250};

    private TaskRunner() {}

    /** Per-stage timings of one image, in ms, for JSON results and batch lines. */
    static Map<String, Object> timings(long imageDecodeNanos, GenerationResult r) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("image_decode_ms", imageDecodeNanos / 1e6);
        t.put("vision_ms", r.timings().visionNanos() / 1e6);
        t.put("prefill_ms", r.timings().prefillNanos() / 1e6);
        t.put("prefill_tokens", r.prefixLength());
        t.put("decode_ms", r.timings().decodeNanos() / 1e6);
        t.put("decode_tokens", r.timings().decodedTokens());
        return t;
    }

    static boolean hasTokenizer(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.model")) || Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    /**
     * Runs {@code prompt} on {@code imagePath}. {@code requireText}: the command parses the output,
     * so a model without a tokenizer is an error. With {@code streamText} the answer goes to stdout
     * as it is generated (not under --json).
     */
    static Outcome run(ModelOptions model, GenerationFlags flags, OutputOptions out, Path imagePath, Prompt prompt,
                       int newlineId, boolean requireText, boolean streamText) {
        flags.check();
        Backend backend = model.selectBackend();
        model.checkCapacityOption();
        Path img = imagePath != null ? imagePath : ModelOptions.home().resolve("samples/synthetic.png");
        long t0 = System.nanoTime();
        RgbImage rgb = ImageLoader.load(img, ImageLoader.DEFAULT_MAX_PIXELS);
        long tImage = System.nanoTime() - t0;
        if (ImageLoader.isLossyWebp(img)) {
            out.note("note: " + img + " is a lossy WebP, decoded here without libwebp's chroma upsampling: pixels differ"
                    + " from Pillow's (and so Hugging Face's) by a few levels on average");
        }
        out.progress("loading model");
        long t1 = System.nanoTime();
        try (PaliGemmaModel m = model.load()) {
            long tLoad = System.nanoTime() - t1;
            GemmaTokenizer tok = hasTokenizer(m.dir()) ? GemmaTokenizer.load(m.dir()) : null;
            if (tok == null && (requireText || prompt.typed())) {
                throw new BadInputException("model " + m.dir() + " has no tokenizer.model or tokenizer.json, which "
                        + (requireText ? "this command needs to read the model's answer" : "--prompt needs; pass --prompt-ids"));
            }
            int[] promptTokens;
            int[] newline = {newlineId};
            if (prompt.ids() != null) {
                promptTokens = prompt.ids().stream().mapToInt(Integer::intValue).toArray();
            } else if (tok != null) {
                promptTokens = TaskPrompts.encode(tok, prompt.text());
                newline = tok.encode("\n");
            } else if (model.usesBundledModel()) {
                promptTokens = BUNDLED_PROMPT_IDS.clone();
            } else {
                throw new BadInputException("model " + m.dir() + " has no tokenizer.model or tokenizer.json; pass --prompt-ids");
            }
            float[] pixels = Preprocess.pixels(rgb, m.config().vision().imageSize());
            GenerationOptions options = flags.toOptions(m.config());
            try (Session s = model.open(m, backend)) {
                s.onStage(stage -> out.progress(stage.equals("vision") ? "vision tower" : stage));
                int[] prefix = Session.textPrefix(m.config().text().bosId(), promptTokens, newline);
                boolean stream = streamText && !out.json;
                StreamingText text = tok != null ? new StreamingText(tok) : null;
                boolean[] first = {true};
                GenerationResult r = s.generate(pixels, prefix, options, t -> {
                    if (stream) {
                        OutputOptions.print(text != null ? text.next(t) : (first[0] ? "" : " ") + t);
                        first[0] = false;
                    }
                }, false);
                if (stream) {
                    OutputOptions.println(r.stoppedAtEos() && tok == null ? " <eos>" : "");
                }
                GenerationResult.Timings t = r.timings();
                if (model.usesBundledModel()) {
                    out.note("Bundled tiny checkpoint: its weights are random, so the tokens are meaningless;"
                            + " pass --model DIR for a real PaliGemma.");
                }
                out.note(String.format("backend %s | image %.1f ms | load %.1f ms | vision %.1f ms | prefill %d tokens"
                                + " %.1f ms (%.1f tok/s) | decode %d tokens %.1f ms (%.1f tok/s)",
                        s.backend().name(), tImage / 1e6, tLoad / 1e6, t.visionNanos() / 1e6, r.prefixLength(),
                        t.prefillNanos() / 1e6, r.prefixLength() / (t.prefillNanos() / 1e9), t.decodedTokens(),
                        t.decodeNanos() / 1e6, t.decodeTokensPerSecond()));
                Map<String, Object> timings = timings(tImage, r);
                timings.put("load_ms", tLoad / 1e6);
                return new Outcome(tok != null ? tok.decode(r.tokens(), false) : null, r.tokens(), rgb, r, timings,
                        s.backend().name());
            }
        }
    }

    /** The JSON result every task prints under --json: answer, tokens and timings. */
    static Map<String, Object> json(Outcome o, Path image) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("image", image != null ? image.toString() : null);
        j.put("answer", o.text());
        j.put("tokens", o.tokens());
        j.put("stopped_at_eos", o.result().stoppedAtEos());
        j.put("backend", o.backend());
        j.put("timings", o.timings());
        return j;
    }
}
