package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a Unix tool, through the real {@code ./paligemma}: it never destroys a file
 * (devices, FIFOs and directories are refused; symbolic links are followed), reports a failed
 * write to stdout with exit 1, puts only the result on stdout, and checks every option before it
 * loads or generates anything.
 */
class CommandLineContractTest {
    @TempDir
    static Path dir;

    static Path model;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void tinyModelWithTokenizer() throws Exception {
        model = TinyTokenizerModel.committed(dir);
    }

    static String image() {
        return Fixtures.resource("inputs/synthetic.png").toString();
    }

    static Launcher.Result run(String... args) throws Exception {
        return Launcher.run(dir, args);
    }

    /** Exit 2, one line on stderr starting "error: ", nothing on stdout; returns the line. */
    static String bad(String... args) throws Exception {
        Launcher.Result r = run(args);
        assertEquals(2, r.rc(), String.join(" ", args) + " -> " + r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line on stderr: " + r.err());
        assertTrue(lines.get(0).startsWith("error: "), r.err());
        assertEquals("", r.out(), "nothing on stdout");
        return lines.get(0);
    }

    @Test
    void outputsNeverReplaceDevicesFifosOrDirectories() throws Exception {
        assertTrue(bad("detect", "--model", model.toString(), "--image", image(), "--objects", "cat", "--out", "/dev/full")
                .contains("not a regular file"));
        assertFalse(Files.isRegularFile(Path.of("/dev/full")), "/dev/full is still a device");
        Path fifo = dir.resolve("fifo.png");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTrue(bad("detect", "--model", model.toString(), "--image", image(), "--objects", "cat", "--out",
                fifo.toString()).contains("not a regular file"));
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is still a FIFO");
        assertTrue(bad("preprocess", "--image", image(), "--size", "56", "--out", dir.toString())
                .contains("not a regular file"));
        assertTrue(bad("detect", "--model", model.toString(), "--image", image(), "--objects", "cat", "--out",
                "/nonexistent-dir/x.png").contains("does not exist"));
        assertTrue(bad("detect", "--model", model.toString(), "--image", image(), "--objects", "cat", "--out",
                dir.resolve("boxes.jpg").toString()).contains(".png"));
    }

    @Test
    void symbolicLinksAreFollowedAndOutputsWrittenWhole() throws Exception {
        Path target = dir.resolve("real.png");
        Files.writeString(target, "old");
        Path link = dir.resolve("link.png");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, target);
        Launcher.Result r = run("detect", "--model", model.toString(), "--image", image(), "--objects", "cat", "--out",
                link.toString(), "--max-tokens", "4");
        assertEquals(0, r.rc(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        byte[] png = Files.readAllBytes(target);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void aFailedWriteToStdoutIsExitOne() throws Exception {
        for (String[] args : List.of(new String[] {"caption", "--quiet"},
                new String[] {"tokenize", "--tokenizer", model.toString(), "--text", "hi"},
                new String[] {"ask", "--model", model.toString(), "--question", "what", "--max-tokens", "3"})) {
            Launcher.Result r = Launcher.run(dir, Map.of(), new File("/dev/full"), args);
            assertEquals(1, r.rc(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.err());
        }
    }

    @Test
    void stdoutCarriesTheResultAlone() throws Exception {
        Launcher.Result r = run("caption", "--max-tokens", "5");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().strip().matches("\\d+( \\d+){4}"), "token ids only: " + r.out());
        assertTrue(r.err().contains("Bundled tiny checkpoint") && r.err().contains("backend cpu"), r.err());
        r = run("caption", "--max-tokens", "5", "--quiet");
        assertEquals("", r.err());
        r = run("ask", "--model", model.toString(), "--question", "what is this", "--max-tokens", "4", "--json");
        assertEquals(0, r.rc(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(4, j.get("tokens").size());
        assertTrue(j.get("answer").isTextual());
        assertTrue(j.get("timings").has("image_decode_ms"));
        Path out = dir.resolve("boxes.png");
        r = run("detect", "--model", model.toString(), "--image", image(), "--objects", "cat ; dog", "--out",
                out.toString(), "--max-tokens", "4", "--json");
        assertEquals(0, r.rc(), r.err());
        j = JSON.readTree(r.out());
        assertTrue(j.get("boxes").isArray());
        assertTrue(r.err().contains("wrote " + out), r.err());
        r = run("segment", "--model", model.toString(), "--image", image(), "--objects", "cat", "--out",
                dir.resolve("mask.png").toString(), "--max-tokens", "4", "--vae", VaeFile.path(dir).toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.err().contains("no masks found"), r.err());
    }

    @Test
    void everyOptionIsCheckedBeforeWork() throws Exception {
        assertTrue(bad("caption", "--max-tokens", "2147483647").contains("--max-tokens"));
        assertTrue(bad("ask", "--model", model.toString(), "--question", "q", "--max-tokens", "2147483647")
                .contains("--max-seq-len"));
        assertTrue(bad("conformance", "--model", Fixtures.model("v1").toString(), "--pixels",
                Fixtures.pixels().toString(), "--prompt-ids", "5,6", "--new-tokens", "2147483647", "--out",
                dir.resolve("c").toString()).contains("does not fit"));
        Path cache = dir.resolve("cache");
        Files.createDirectories(cache);
        for (String[] a : List.of(new String[] {"--text-tokens", "-5"}, new String[] {"--decode-tokens", "-5"},
                new String[] {"--runs", "0"}, new String[] {"--runs", "-1"}, new String[] {"--variant", "paligemma-10b"})) {
            Launcher.Result r = Launcher.run(dir, Map.of("PALIGEMMA_CACHE", cache.toString()), null,
                    Stream.concat(Stream.of("bench"), Stream.of(a)).toArray(String[]::new));
            assertEquals(2, r.rc(), r.err());
            assertTrue(r.err().contains(a[0]), r.err());
        }
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(0, s.count(), "bench wrote nothing before refusing its options");
        }
        assertTrue(bad("preprocess", "--image", image(), "--size", "56", "--out", dir.resolve("p.npy").toString(),
                "--max-pixels", "-1").contains("--max-pixels"));
        assertTrue(bad("caption", "--threads", "0").contains("--threads"));
    }

    @Test
    void promptsAreNeverSilentlyIgnoredOrMisplaced() throws Exception {
        assertTrue(bad("caption", "--prompt", "anything").contains("--prompt"));
        assertTrue(bad("caption", "--prompt", "x", "--prompt-ids", "1,2").contains("--prompt-ids"));
        assertTrue(bad("caption", "--model", model.toString(), "--prompt", "").contains("empty"));
        assertTrue(bad("caption", "--model", model.toString(), "--prompt", "a\nb").contains("line break"));
        assertTrue(bad("ask", "--model", model.toString(), "--question", "what is <image> here").contains("<image>"));
        assertTrue(bad("ask", "--model", model.toString(), "--question", "<bos>again").contains("<bos>"));
        Launcher.Result r = run("ask", "--model", model.toString(), "--question", "where is <loc0001>", "--max-tokens", "2");
        assertEquals(0, r.rc(), "loc tokens are ordinary text: " + r.err());
    }

    @Test
    void messagesNameTheProblem() throws Exception {
        assertTrue(bad("caption", "--model", image()).contains("is a file"));
        assertTrue(bad("caption", "--image", dir.toString()).contains("is a directory"));
        Path a = dir.resolve("loop-a.png");
        Path b = dir.resolve("loop-b.png");
        Files.deleteIfExists(a);
        Files.deleteIfExists(b);
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        assertTrue(bad("caption", "--image", a.toString()).contains("symbolic link"));
        Path ppm = dir.resolve("x.ppm");
        Files.write(ppm, "P6\n1 1\n255\n\0\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        String e = bad("caption", "--image", ppm.toString());
        assertTrue(e.contains("png") && e.contains("jpeg") && e.contains("webp"), e);
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertTrue(bad("conformance", "--model", Fixtures.model("v1").toString(), "--pixels", Fixtures.pixels().toString(),
                "--prompt-ids", "5", "--out", file.toString()).contains("is a file"));
        assertTrue(bad("caption", "--max-seq-len", "17").contains("leaves 1 position"));
        assertTrue(bad("caption", "--max-token", "3").contains("did you mean"));
        Launcher.Result v = run("caption", "--version");
        assertEquals(0, v.rc());
        assertTrue(v.out().startsWith("paligemma4j "), v.out());
    }

    @Test
    void badPixelsAndTextInputAreNamed() throws Exception {
        float[] px = io.paligemma4j.loader.Npy.read(Fixtures.pixels()).data();
        for (float v : new float[] {Float.NaN, 1e30f}) {
            px[7] = v;
            Path p = dir.resolve("px.npy");
            io.paligemma4j.loader.Npy.write(p, new long[] {3, 56, 56}, px);
            String e = bad("conformance", "--model", Fixtures.model("v1").toString(), "--pixels", p.toString(),
                    "--prompt-ids", "5", "--out", dir.resolve("c2").toString());
            assertTrue(e.contains("[-1, 1]") && e.contains("index 7"), e);
        }
        Path bin = dir.resolve("bad.jsonl");
        Files.write(bin, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'a', (byte) 0xFF, '"', '}', '\n'});
        ProcessBuilder pb = new ProcessBuilder(Launcher.script().toString(), "tokenize", "--tokenizer", model.toString(),
                "--jsonl").redirectInput(bin.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(2, p.waitFor(), out);
        assertTrue(out.contains("not valid UTF-8"), out);
    }

    /**
     * Without --add-modules jdk.incubator.vector the cpu backend is missing: the fallback (to opencl
     * where an OpenCL device exists, else to reference) is announced.
     */
    @Test
    void fallingBackFromTheCpuBackendIsLoud() throws Exception {
        Path jar = Fixtures.home().resolve("cli/target/paligemma4j.jar");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dpaligemma.home=" + Fixtures.home(), "--enable-native-access=ALL-UNNAMED", "-cp", jar.toString(),
                "io.paligemma4j.cli.Main", "caption", "--max-tokens", "2").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("backend cpu is unavailable") && out.matches("(?s).*using (reference|opencl), which is far slower.*"),
                out);
    }

    /** Ctrl-C while bench writes its checkpoint leaves no multi-GB temporary file behind. */
    @Test
    void interruptedCheckpointWriteLeavesNothing() throws Exception {
        Path cache = dir.resolve("bench-cache");
        Files.createDirectories(cache);
        ProcessBuilder pb = new ProcessBuilder(Launcher.script().toString(), "bench", "--variant", "PALIGEMMA_3B_224")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PALIGEMMA_CACHE", cache.toString());
        Process p = pb.start();
        Path tmp = cache.resolve("paligemma-3b-224/model.safetensors.tmp");
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(tmp) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(tmp), "bench never started writing its checkpoint");
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "bench did not stop on SIGINT");
        assertFalse(Files.exists(tmp), "the temporary checkpoint was left behind");
    }

    /** A batch: one line per image, a bad image as an error line, a rerun skips what is done. */
    @Test
    void batchesAreResumableAndSurviveBadImages() throws Exception {
        Path imgs = dir.resolve("batch");
        Files.createDirectories(imgs.resolve("sub"));
        Files.copy(Fixtures.resource("inputs/synthetic.png"), imgs.resolve("a.png"));
        Files.copy(Fixtures.resource("images/cmyk.jpg"), imgs.resolve("sub/b.jpg"));
        Files.copy(Fixtures.resource("images/truncated_baseline.jpg"), imgs.resolve("c.jpg"));
        Files.writeString(imgs.resolve("notes.txt"), "not an image, not picked");
        Path out = dir.resolve("results.jsonl");
        Launcher.Result r = run("ask", "--model", model.toString(), "--images", imgs.toString(), "--question", "what",
                "--out", out.toString(), "--max-tokens", "3");
        assertEquals(0, r.rc(), r.err());
        assertEquals("", r.out(), "batch results go to --out, not stdout");
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size(), String.join("\n", lines));
        long errors = lines.stream().filter(l -> l.contains("\"error\"")).count();
        assertEquals(1, errors, String.join("\n", lines));
        for (String l : lines) {
            JsonNode j = JSON.readTree(l);
            assertTrue(j.get("file").asText().startsWith(imgs.toString()));
            assertEquals("answer en what", j.get("prompt").asText());
            assertTrue(j.has("error") || j.get("tokens").size() == 3, l);
        }
        assertTrue(r.err().contains("3 images") && r.err().contains("1 errors"), r.err());
        // A rerun adds nothing; a line cut short by an interrupt is dropped and its image redone.
        r = run("ask", "--model", model.toString(), "--images", imgs.toString(), "--question", "what", "--out",
                out.toString(), "--max-tokens", "3");
        assertEquals(3, Files.readAllLines(out).size());
        assertTrue(r.err().contains("0 images (3 already"), r.err());
        byte[] all = Files.readAllBytes(out);
        Files.write(out, java.util.Arrays.copyOf(all, all.length - 10));
        r = run("ask", "--model", model.toString(), "--images", imgs.toString(), "--question", "what", "--out",
                out.toString(), "--max-tokens", "3");
        assertEquals(0, r.rc(), r.err());
        assertEquals(3, Files.readAllLines(out).size());
        for (String l : Files.readAllLines(out)) {
            JSON.readTree(l);
        }
        Path jpgs = dir.resolve("jpgs.jsonl");
        r = run("ask", "--model", model.toString(), "--images", imgs + "/**.jpg", "--question", "what", "--out",
                jpgs.toString(), "--max-tokens", "3");
        assertEquals(0, r.rc(), r.err());
        assertEquals(2, Files.readAllLines(jpgs).size(), "a glob reaches into subdirectories with **");
        r = run("detect", "--model", model.toString(), "--images", imgs + "/*.png", "--objects", "cat", "--out",
                dir.resolve("boxes.jsonl").toString(), "--max-tokens", "3");
        assertEquals(0, r.rc(), r.err());
        assertTrue(JSON.readTree(Files.readAllLines(dir.resolve("boxes.jsonl")).get(0)).get("boxes").isArray());
        assertTrue(bad("caption", "--images", dir.resolve("nothing-*.png").toString(), "--out", out.toString())
                .contains("no image files"));
    }

    @Test
    void webpIsRead() throws Exception {
        Launcher.Result r = run("preprocess", "--image", Fixtures.resource("images/lossless.webp").toString(), "--size",
                "56", "--out", dir.resolve("w.npy").toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("w.npy"), LinkOption.NOFOLLOW_LINKS));
    }
}
