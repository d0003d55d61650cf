package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The malformed-input corpus, run through the real launcher ({@code ./paligemma}) as a user would:
 * every case must exit with code 2, print exactly one line on stderr naming the problem, and leave
 * no files behind. Valid-but-unusual images (16-bit, alpha, grayscale, palette) must be accepted.
 */
class MalformedInputCorpusTest {
    @TempDir
    static Path dir;

    static Path launcher() {
        return Launcher.script();
    }

    record Result(int rc, String out, String err) {}

    static Result launch(String... args) throws Exception {
        Launcher.Result r = Launcher.run(dir, args);
        return new Result(r.rc(), r.out(), r.err());
    }

    static String expectBadInput(String... args) throws Exception {
        Set before = listing();
        Result r = launch(args);
        assertEquals(2, r.rc(), String.join(" ", args) + " -> " + r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "exactly one line on stderr, got: " + r.err());
        assertTrue(lines.get(0).startsWith("error: "), r.err());
        assertEquals(before, listing(), "files left behind");
        return lines.get(0);
    }

    record Set(List<String> names) {}

    static Set listing() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return new Set(s.map(p -> dir.relativize(p).toString()).sorted().toList());
        }
    }

    // ---- corpus builders ----

    static Path model(String name, byte[] safetensors, String config) throws IOException {
        Path m = dir.resolve("models").resolve(name);
        Files.createDirectories(m);
        Files.write(m.resolve("model.safetensors"), safetensors);
        Files.writeString(m.resolve("config.json"), config);
        return m;
    }

    static byte[] fixtureBytes() throws IOException {
        return Files.readAllBytes(Fixtures.model("v1").resolve("model.safetensors"));
    }

    static String fixtureConfig() throws IOException {
        return Files.readString(Fixtures.model("v1").resolve("config.json"));
    }

    /** A safetensors file with this header; {@code claimedLength} < 0 means the true header length. */
    static byte[] withHeader(String header, int dataBytes, long claimedLength) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        long len = claimedLength < 0 ? h.length : claimedLength;
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(len)
                .put(h).array();
    }

    static Path png(String name, BufferedImage img) throws IOException {
        Path p = dir.resolve("images").resolve(name);
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    /** A PNG whose header claims w×h pixels (valid signature, IHDR and CRC) but holds no image data. */
    static Path hugePngHeader(int w, int h) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        b.write(ByteBuffer.allocate(4).putInt(13).array());
        b.write(ihdr.array());
        b.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        Path p = dir.resolve("images").resolve("huge.png");
        Files.createDirectories(p.getParent());
        Files.write(p, b.toByteArray());
        return p;
    }

    static String[] conformance(Path model, String... extra) {
        List<String> a = new ArrayList<>(List.of("conformance", "--model", model.toString(), "--pixels",
                Fixtures.pixels().toString(), "--prompt-ids", Fixtures.PROMPT_IDS, "--out", dir.resolve("out").toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @BeforeAll
    static void launcherExists() {
        assertTrue(Files.isExecutable(launcher()), "missing launcher " + launcher());
    }

    @Test
    void malformedCheckpoints() throws Exception {
        byte[] ok = fixtureBytes();
        String cfg = fixtureConfig();
        assertTrue(expectBadInput(conformance(model("truncated", Arrays.copyOf(ok, ok.length / 3), cfg)))
                .contains("beyond"));
        assertTrue(expectBadInput(conformance(model("tiny-file", new byte[] {1, 2, 3}, cfg))).contains("too short"));
        assertTrue(expectBadInput(conformance(model("lying-length", withHeader("{}", 0, 1L << 40), cfg)))
                .contains("exceeds"));
        assertTrue(expectBadInput(conformance(model("past-end", withHeader("{}", 0, 4096), cfg)))
                .contains("runs past the end"));
        assertTrue(expectBadInput(conformance(model("overlap", withHeader(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, -1), cfg)))
                .contains("overlaps"));
        assertTrue(expectBadInput(conformance(model("out-of-range", withHeader(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}", 8, -1), cfg))).contains("beyond"));
        assertTrue(expectBadInput(conformance(model("dtype-size", withHeader(
                "{\"a\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[0,32]}}", 32, -1), cfg))).contains("needs 16"));
        assertTrue(expectBadInput(conformance(model("bad-json", withHeader("{\"a\": [", 0, -1), cfg)))
                .contains("not valid JSON"));
        // The format pads headers with spaces only; NULs or a newline after the object are refused.
        String one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertTrue(expectBadInput(conformance(model("nul-padding", withHeader(one + "\0\0\0\0\0", 4, -1), cfg)))
                .contains("trailing byte 0x00"));
        assertTrue(expectBadInput(conformance(model("newline-padding", withHeader(one + "\n", 4, -1), cfg)))
                .contains("trailing byte 0x0A"));
    }

    @Test
    void nanWeightsAreReportedNotACrash() throws Exception {
        Path m = dir.resolve("models").resolve("nan");
        Files.createDirectories(m);
        Files.writeString(m.resolve("config.json"), fixtureConfig());
        try (Checkpoint c = Checkpoint.open(Fixtures.model("v1"))) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (Tensor t : c.tensors().values()) {
                if (t.name().endsWith("layers.0.mlp.down_proj.weight")) {
                    float[] nan = new float[(int) t.numel()];
                    Arrays.fill(nan, Float.NaN);
                    w.addFloats(t.name(), DType.F32, t.shape(), nan);
                } else {
                    w.addConverted(t.name(), t, DType.F32);
                }
            }
            w.write(m.resolve("model.safetensors"));
        }
        assertTrue(expectBadInput(conformance(m)).contains("NaN"));
    }

    @Test
    void malformedConfigs() throws Exception {
        byte[] ok = fixtureBytes();
        String cfg = fixtureConfig();
        assertTrue(expectBadInput(conformance(model("no-text", ok, cfg.replace("\"text_config\"", "\"txt_config\""))))
                .contains("text_config"));
        assertTrue(expectBadInput(conformance(model("kv-heads", ok, cfg.replace("\"num_key_value_heads\": 1",
                "\"num_key_value_heads\": 3")))).contains("num_key_value_heads"));
        assertTrue(expectBadInput(conformance(model("llava", ok, cfg.replace("\"model_type\": \"paligemma\"",
                "\"model_type\": \"llava\"")))).contains("llava"));
        assertTrue(expectBadInput(conformance(model("wide", ok, cfg.replace("\"intermediate_size\": 128",
                "\"intermediate_size\": 96")))).contains("shape"));
        assertTrue(expectBadInput(conformance(model("not-json", ok, "{oops"))).contains("not valid JSON"));
    }

    @Test
    void badPromptsAndTokens() throws Exception {
        assertTrue(expectBadInput(conformance(Fixtures.model("v1"), "--max-seq-len", "17")).contains("leaves 1 position"));
        assertTrue(expectBadInput(conformance(Fixtures.model("v1"), "--max-seq-len", "24")).contains("does not fit"));
        assertTrue(expectBadInput("conformance", "--model", Fixtures.model("v1").toString(), "--pixels",
                Fixtures.pixels().toString(), "--prompt-ids", "5,99999", "--out", dir.resolve("out").toString())
                .contains("token id 99999"));
        assertTrue(expectBadInput("caption", "--max-tokens", "0").contains("--max-tokens"));
        assertTrue(expectBadInput("caption", "--temperature", "-1").contains("--temperature"));
    }

    @Test
    void badImages() throws Exception {
        Path empty = dir.resolve("images").resolve("empty.png");
        Files.createDirectories(empty.getParent());
        Files.write(empty, new byte[0]);
        Path corrupt = dir.resolve("images").resolve("corrupt.png");
        byte[] real = Files.readAllBytes(Fixtures.resource("inputs/synthetic.png"));
        Files.write(corrupt, Arrays.copyOf(real, 60));
        Path huge = hugePngHeader(70_000, 70_000);
        Path out = dir.resolve("px.npy");
        for (Path p : List.of(empty, corrupt, huge)) {
            String e = expectBadInput("preprocess", "--image", p.toString(), "--size", "56", "--out", out.toString());
            assertTrue(e.contains(p.getFileName().toString()), e);
        }
        assertTrue(expectBadInput("preprocess", "--image", huge.toString(), "--size", "56", "--out", out.toString())
                .contains("over the limit"));
        assertTrue(expectBadInput("caption", "--image", corrupt.toString()).contains("corrupt"));
        // Truncated files that ImageIO alone would fill with grey (Pillow refuses them too).
        for (String name : List.of("truncated_baseline.jpg", "truncated_progressive.jpg", "truncated.png")) {
            Path p = Fixtures.resource("images/" + name);
            String e = expectBadInput("preprocess", "--image", p.toString(), "--size", "56", "--out", out.toString());
            assertTrue(e.contains(name) && (e.contains("truncated") || e.contains("corrupt")), e);
            assertTrue(expectBadInput("caption", "--image", p.toString()).contains(name));
        }
    }

    @Test
    void unusualButValidImagesAreConverted() throws Exception {
        BufferedImage gray16 = new BufferedImage(40, 30, BufferedImage.TYPE_USHORT_GRAY);
        BufferedImage alpha = new BufferedImage(40, 30, BufferedImage.TYPE_INT_ARGB);
        BufferedImage gray = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage palette = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_INDEXED);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                gray16.getRaster().setSample(x, y, 0, (x * 1600) & 0xFFFF);
                alpha.setRGB(x, y, (x * 6) << 24 | (x * 5) << 16 | (y * 7) << 8 | 99);
                gray.getRaster().setSample(x, y, 0, x * 6);
                palette.setRGB(x, y, 0xFF000000 | (x * 6) << 16 | (y * 8));
            }
        }
        for (Path p : List.of(png("gray16.png", gray16), png("alpha.png", alpha), png("gray.png", gray),
                png("palette.png", palette), Fixtures.resource("images/cmyk.jpg"),
                Fixtures.resource("images/bad_ancillary_crc.png"), Fixtures.resource("images/png_named.jpg"))) {
            Path out = dir.resolve("ok.npy");
            Result r = launch("preprocess", "--image", p.toString(), "--size", "56", "--out", out.toString());
            assertEquals(0, r.rc(), p + ": " + r.err());
            io.paligemma4j.loader.Npy.Array a = io.paligemma4j.loader.Npy.read(out);
            assertArrayEquals(new long[] {3, 56, 56}, a.shape(), p.toString());
            for (float v : a.data()) {
                assertTrue(v >= -1f && v <= 1f, p + ": value " + v);
            }
            Files.delete(out);
        }
    }
}
