package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "caption", description = "Caption an image: image → SigLIP → Gemma → greedy tokens, "
        + "with per-stage timings.")
final class CaptionCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--image", paramLabel = "FILE", description = "PNG or JPEG. Default: the bundled sample.")
    Path image;

    @Option(names = "--prompt", defaultValue = "caption en", paramLabel = "TEXT",
            description = "Task prompt, tokenized with the model's tokenizer (default \"${DEFAULT-VALUE}\").")
    String prompt;

    @Option(names = "--prompt-ids", split = ",", paramLabel = "IDS",
            description = "Prompt token ids instead of --prompt (without BOS and newline); needed for models "
                    + "without a tokenizer. Default for the bundled model: 5,17,42,99,250.")
    List<Integer> promptIds;

    @Option(names = "--newline-id", defaultValue = "108",
            description = "Id of \"\\n\" when the model has no tokenizer (default ${DEFAULT-VALUE}).")
    int newlineId;

    @Option(names = "--max-tokens", defaultValue = "16", description = "New tokens at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    static boolean hasTokenizer(Path dir) {
        return java.nio.file.Files.isRegularFile(dir.resolve("tokenizer.model"))
                || java.nio.file.Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        Path img = image != null ? image : ModelOptions.home().resolve("samples/synthetic.png");
        try (PaliGemmaModel m = model.load()) {
            long tLoad = System.nanoTime() - t0;
            GemmaTokenizer tok = hasTokenizer(m.dir()) ? GemmaTokenizer.load(m.dir()) : null;
            int[] promptTokens;
            int[] newline = {newlineId};
            if (promptIds != null) {
                promptTokens = promptIds.stream().mapToInt(Integer::intValue).toArray();
            } else if (tok != null) {
                // Prompt and "\n" are tokenized separately, as big_vision does (pitfall 8).
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
            Set<Integer> stop = new HashSet<>(m.config().text().eosIds());
            int limit = m.config().imageTokenIndex() < m.config().text().vocabSize() ? m.config().imageTokenIndex() : 0;
            try (Session s = model.open(m)) {
                int[] prefix = Session.textPrefix(m.config().text().bosId(), promptTokens, newline);
                System.out.print(tok != null ? "" : "tokens:");
                StreamingText text = tok != null ? new StreamingText(tok) : null;
                GenerationResult r = s.generate(pixels, prefix, new GenerationOptions(maxTokens, stop, limit), t -> {
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
            }
        }
        return 0;
    }
}
