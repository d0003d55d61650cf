package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.cli.Main;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input through the command line: exit code 2 and exactly one line naming the problem. */
class BadInputTest {
    @TempDir
    Path tmp;

    record Outcome(int rc, String err) {}

    static synchronized Outcome run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(Main.run(args), buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    private String conformance(Path model, String... extra) {
        String[] base = {"conformance", "--model", model.toString(), "--backend", "reference",
                "--pixels", Fixtures.pixels().toString(), "--prompt-ids", Fixtures.PROMPT_IDS, "--out",
                tmp.resolve("out").toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Outcome o = run(args);
        assertEquals(2, o.rc(), o.err());
        assertEquals(1, o.err().lines().count(), "one line, no stack trace: " + o.err());
        assertTrue(o.err().startsWith("error: "), o.err());
        return o.err();
    }

    /** The v1 fixture with one tensor left out or reshaped. */
    private Path alteredModel(String drop, String reshape) throws Exception {
        Path dst = tmp.resolve("altered");
        Files.createDirectories(dst);
        Files.copy(Fixtures.model("v1").resolve("config.json"), dst.resolve("config.json"));
        try (Checkpoint c = Checkpoint.open(Fixtures.model("v1"))) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (Tensor t : c.tensors().values()) {
                if (t.name().equals(drop)) {
                    continue;
                }
                long[] shape = t.name().equals(reshape) ? new long[] {t.numel()} : t.shape();
                w.addConverted(t.name(), new Tensor(t.name(), t.dtype(), shape, t.data(), t.source()), DType.F32);
            }
            w.write(dst.resolve(Checkpoint.SINGLE));
        }
        return dst;
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        String e = conformance(alteredModel("language_model.model.layers.1.mlp.up_proj.weight", null));
        assertTrue(e.contains("missing tensor language_model.model.layers.1.mlp.up_proj.weight"), e);
    }

    @Test
    void wrongShapeIsNamed() throws Exception {
        String e = conformance(alteredModel(null, "language_model.model.layers.0.self_attn.k_proj.weight"));
        assertTrue(e.contains("language_model.model.layers.0.self_attn.k_proj.weight") && e.contains("[1024]")
                && e.contains("[16, 64]"), e);
    }

    @Test
    void tokenIdOutOfRange() {
        String e = conformance(Fixtures.model("v1"), "--newline-id", "300");
        assertTrue(e.contains("token id 300"), e);
    }

    @Test
    void promptLongerThanCapacity() {
        String e = conformance(Fixtures.model("v1"), "--max-seq-len", "24");
        assertTrue(e.contains("does not fit"), e);
    }

    @Test
    void pixelsOfTheWrongShape() throws Exception {
        Path px = tmp.resolve("px.npy");
        io.paligemma4j.loader.Npy.write(px, new long[] {3, 8, 8}, new float[192]);
        String[] args = {"conformance", "--model", Fixtures.model("v1").toString(), "--pixels", px.toString(),
                "--prompt-ids", "5", "--out", tmp.resolve("o").toString()};
        Outcome o = run(args);
        assertEquals(2, o.rc());
        assertTrue(o.err().contains("[3, 8, 8]"), o.err());
    }

    @Test
    void missingModelDirectoryAndUnknownBackendAndBadOption() {
        assertTrue(conformance(tmp.resolve("nope")).contains("does not exist"));
        Outcome b = run("conformance", "--model", Fixtures.model("v1").toString(), "--backend", "quantum",
                "--pixels", Fixtures.pixels().toString(), "--prompt-ids", "5", "--out", tmp.resolve("o").toString());
        assertEquals(2, b.rc());
        assertTrue(b.err().contains("unknown backend 'quantum'"), b.err());
        Outcome o = run("conformance", "--bogus");
        assertEquals(2, o.rc());
        assertEquals(1, o.err().lines().count(), o.err());
    }

    @Test
    void corruptCheckpointIsOneLine() throws Exception {
        Path dst = tmp.resolve("corrupt");
        Files.createDirectories(dst);
        Files.copy(Fixtures.model("v1").resolve("config.json"), dst.resolve("config.json"));
        byte[] b = Files.readAllBytes(Fixtures.model("v1").resolve(Checkpoint.SINGLE));
        Files.write(dst.resolve(Checkpoint.SINGLE), java.util.Arrays.copyOf(b, b.length / 2));
        String e = conformance(dst);
        assertTrue(e.contains("beyond"), e);
    }
}
