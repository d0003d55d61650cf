package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What every image task command does: load the model and its tokenizer, decode and preprocess the
 * image, tokenize {@code prompt} and "\n" separately (pitfall 8), generate while streaming text to
 * the console, then print per-stage timings. Progress lines go to stderr.
 */
final class TaskRunner {
    /** The outcome of one task. {@code text} is null when the model has no tokenizer. */
    record Outcome(String text, int[] tokens, RgbImage image, GenerationResult result) {}

    private TaskRunner() {}

    static boolean hasTokenizer(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.model")) || Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    /**
     * Runs {@code prompt} (or {@code promptIds} when given) on {@code imagePath}. {@code requireText}:
     * the command parses the output, so a model without a tokenizer is an error.
     */
    static Outcome run(ModelOptions model, GenerationFlags flags, Path imagePath, String prompt, List<Integer> promptIds,
                       int newlineId, boolean requireText) {
        long t0 = System.nanoTime();
        Path img = imagePath != null ? imagePath : ModelOptions.home().resolve("samples/synthetic.png");
        status("loading model");
        try (PaliGemmaModel m = model.load()) {
            long tLoad = System.nanoTime() - t0;
            GemmaTokenizer tok = hasTokenizer(m.dir()) ? GemmaTokenizer.load(m.dir()) : null;
            if (tok == null && requireText) {
                throw new BadInputException("model " + m.dir() + " has no tokenizer.model or tokenizer.json, which this "
                        + "command needs to read the model's answer");
            }
            int[] promptTokens;
            int[] newline = {newlineId};
            if (promptIds != null) {
                promptTokens = promptIds.stream().mapToInt(Integer::intValue).toArray();
            } else if (tok != null) {
                promptTokens = tok.encode(prompt);
                newline = tok.encode("\n");
            } else if (model.usesBundledModel()) {
                promptTokens = new int[] {5, 17, 42, 99, 250};
            } else {
                throw new BadInputException("model " + m.dir() + " has no tokenizer.model or tokenizer.json; pass --prompt-ids");
            }
            RgbImage rgb = ImageLoader.load(img, ImageLoader.DEFAULT_MAX_PIXELS);
            float[] pixels = Preprocess.pixels(rgb, m.config().vision().imageSize());
            if (model.usesBundledModel()) {
                System.out.println("Bundled tiny checkpoint: its weights are random, so the tokens are meaningless;"
                        + " pass --model DIR for a real PaliGemma.");
            }
            try (Session s = model.open(m)) {
                s.onStage(stage -> status(stage.equals("vision") ? "vision tower" : stage));
                int[] prefix = Session.textPrefix(m.config().text().bosId(), promptTokens, newline);
                System.out.print(tok != null ? "" : "tokens:");
                StreamingText text = tok != null ? new StreamingText(tok) : null;
                GenerationResult r = s.generate(pixels, prefix, flags.toOptions(m.config()), t -> {
                    System.out.print(text != null ? text.next(t) : " " + t);
                    System.out.flush();
                }, false);
                System.out.println(r.stoppedAtEos() && tok == null ? " <eos>" : "");
                GenerationResult.Timings t = r.timings();
                System.out.printf("backend %s | load %.1f ms | vision %.1f ms | prefill %d tokens %.1f ms"
                                + " (%.1f tok/s) | decode %d tokens %.1f ms (%.1f tok/s)%n",
                        s.backend().name(), tLoad / 1e6, t.visionNanos() / 1e6, r.prefixLength(),
                        t.prefillNanos() / 1e6, r.prefixLength() / (t.prefillNanos() / 1e9), t.decodedTokens(),
                        t.decodeNanos() / 1e6, t.decodeTokensPerSecond());
                return new Outcome(tok != null ? tok.decode(r.tokens(), false) : null, r.tokens(), rgb, r);
            }
        }
    }

    /** Progress on stderr, only when a person is watching (stderr is a terminal). */
    private static void status(String stage) {
        if (System.console() != null) {
            System.err.println("[" + stage + "]");
        }
    }
}
