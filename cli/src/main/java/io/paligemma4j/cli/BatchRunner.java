package io.paligemma4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.backends.cpu.Parallel;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.OutputFiles;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * {@code --images DIR_OR_GLOB --out results.jsonl}: one prompt over an image set, one JSON line per
 * image ({@code file}, {@code prompt}, the answer or {@code error}, tokens, timings). The output is
 * appended to as images finish, so a rerun skips every image already in it (a line cut short by an
 * interrupt is dropped first); an image that cannot be read is recorded as an error line and the
 * batch goes on. Sessions share the model, one per worker; a progress bar with rate and ETA shows
 * on a terminal.
 */
final class BatchRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> IMAGE_SUFFIXES = Set.of("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff");

    private BatchRunner() {}

    /** What a command adds to each line from the model's text (detect's boxes); null for nothing. */
    interface Extra {
        void add(String text, RgbImage image, Map<String, Object> line);
    }

    /** The images a directory (recursively) or a glob ("photos/*.jpg", "set/**.png") names, sorted. */
    static List<Path> expand(String spec) {
        Path p = Path.of(spec);
        List<Path> out = new ArrayList<>();
        try {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).filter(f -> IMAGE_SUFFIXES.contains(suffix(f))).forEach(out::add);
                }
            } else {
                int wild = indexOfWildcard(spec);
                if (wild < 0) {
                    throw new BadInputException("--images " + spec + " is neither a directory nor a glob (e.g. 'dir/*.jpg')");
                }
                int slash = spec.lastIndexOf('/', wild);
                Path base = slash < 0 ? Path.of(".") : Path.of(spec.substring(0, slash + 1));
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + spec.substring(slash + 1));
                if (Files.isDirectory(base)) {
                    try (Stream<Path> s = Files.walk(base)) {
                        s.filter(Files::isRegularFile).filter(f -> m.matches(base.relativize(f))).forEach(out::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new BadInputException("--images " + spec + ": " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new BadInputException("--images " + spec + " names no image files");
        }
        out.sort(null);
        return out;
    }

    private static int indexOfWildcard(String s) {
        for (int i = 0; i < s.length(); i++) {
            if ("*?[{".indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String suffix(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Files already in {@code out}; a last line without its newline (an interrupted write) is cut off. */
    static Set<String> done(Path out) throws IOException {
        Set<String> done = new HashSet<>();
        if (!Files.exists(out)) {
            return done;
        }
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            long len = f.length();
            long keep = len;
            while (keep > 0) {
                f.seek(keep - 1);
                if (f.read() == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < len) {
                f.setLength(keep);
            }
        }
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && n.path("file").isTextual()) {
                    done.add(n.get("file").asText());
                }
            } catch (IOException notJson) {
                throw new BadInputException("--out " + out + " holds a line that is not JSON; it is not a results file"
                        + " of this tool");
            }
        }
        return done;
    }

    static int run(ModelOptions model, GenerationFlags flags, OutputOptions output, String images, Path out,
                   String prompt, boolean requireText, Extra extra) throws IOException {
        flags.check();
        Backend backend = model.selectBackend();
        model.checkCapacityOption();
        if (out == null) {
            throw new BadInputException("--images needs --out results.jsonl");
        }
        Path target = OutputFiles.check(out, "--out");
        List<Path> all = expand(images);
        Set<String> done = done(target);
        List<Path> todo = all.stream().filter(p -> !done.contains(p.toString())).toList();
        try (PaliGemmaModel m = model.load()) {
            GemmaTokenizer tok = TaskRunner.hasTokenizer(m.dir()) ? GemmaTokenizer.load(m.dir()) : null;
            if (tok == null && (requireText || !model.usesBundledModel())) {
                throw new BadInputException("model " + m.dir() + " has no tokenizer.model or tokenizer.json, which a"
                        + " batch needs for its prompt and answers");
            }
            int[] prefix = tok != null ? Session.textPrefix(m.config().text().bosId(), TaskPrompts.encode(tok, prompt),
                    tok.encode("\n")) : Session.textPrefix(m.config().text().bosId(), TaskRunner.BUNDLED_PROMPT_IDS,
                    new int[] {108});
            GenerationOptions options = flags.toOptions(m.config());
            int workers = Math.max(1, Math.min(Parallel.defaultThreads(), todo.size()));
            List<Session> sessions = new ArrayList<>();
            AtomicInteger errors = new AtomicInteger();
            long t0 = System.nanoTime();
            try (OutputStream sink = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                 ProgressBar bar = progressBar(output, todo.size())) {
                for (int i = 0; i < workers; i++) {
                    sessions.add(model.open(m, backend));
                }
                ExecutorService pool = Executors.newFixedThreadPool(workers);
                try {
                    List<Future<?>> jobs = new ArrayList<>();
                    java.util.concurrent.BlockingQueue<Session> free = new java.util.concurrent.LinkedBlockingQueue<>(sessions);
                    for (Path img : todo) {
                        jobs.add(pool.submit(() -> {
                            Session s = free.take();
                            try {
                                Map<String, Object> line = one(m, tok, s, img, prompt, prefix, options, extra);
                                if (line.containsKey("error")) {
                                    errors.incrementAndGet();
                                }
                                write(sink, line, target);
                            } finally {
                                free.add(s);
                                if (bar != null) {
                                    bar.step();
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : jobs) {
                        try {
                            f.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            if (e.getCause() instanceof RuntimeException r) {
                                throw r;
                            }
                            throw new IllegalStateException(e.getCause());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } finally {
                    pool.shutdownNow();
                    sessions.forEach(Session::close);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            output.note(String.format("batch: %d images (%d already in %s, %d errors) in %.1f s = %.2f images/s, %d sessions",
                    todo.size(), all.size() - todo.size(), out, errors.get(), secs, todo.size() / secs, workers));
        }
        return 0;
    }

    private static ProgressBar progressBar(OutputOptions output, int n) {
        if (output.quiet || !Boolean.getBoolean("paligemma.stderrTerminal")) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName("images").setInitialMax(n).setStyle(ProgressBarStyle.ASCII)
                .showSpeed().setUnit(" img", 1).build();
    }

    private static Map<String, Object> one(PaliGemmaModel m, GemmaTokenizer tok, Session s, Path img, String prompt,
                                           int[] prefix, GenerationOptions options, Extra extra) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("file", img.toString());
        line.put("prompt", prompt);
        try {
            long t0 = System.nanoTime();
            RgbImage rgb = ImageLoader.load(img, ImageLoader.DEFAULT_MAX_PIXELS);
            long tImage = System.nanoTime() - t0;
            float[] px = Preprocess.pixels(rgb, m.config().vision().imageSize());
            GenerationResult r = s.generate(px, prefix, options, t -> {}, false);
            String text = tok != null ? tok.decode(r.tokens()) : null;
            line.put("answer", text);
            if (extra != null) {
                extra.add(text, rgb, line);
            }
            line.put("tokens", r.tokens());
            line.put("timings", TaskRunner.timings(tImage, r));
        } catch (BadInputException e) {
            line.put("error", e.getMessage());
        }
        return line;
    }

    private static void write(OutputStream sink, Map<String, Object> line, Path target) throws IOException {
        byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (sink) {
            try {
                sink.write(bytes);
                sink.flush();
            } catch (IOException e) {
                throw new OutputFailure("--out " + target + ": cannot write: " + e.getMessage(), e);
            }
        }
    }
}
