package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.loader.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.StreamSupport;

/** The conformance fixtures (copied into test resources) and the bundled tiny models. */
public final class Fixtures {
    public static final String PROMPT_IDS = "5,17,42,99,250";
    public static final int[] PROMPT = {5, 17, 42, 99, 250};
    public static final int NEWLINE = 108;
    public static final int NEW_TOKENS = 8;

    private Fixtures() {}

    public static Path home() {
        return Path.of(System.getProperty("paligemma.home", ".."));
    }

    /** "v1" or "v2". */
    public static Path model(String version) {
        return home().resolve("models/tiny-" + version + "-f32");
    }

    /** Read from the source tree, so modules that take this class from the test jar see the same files. */
    public static Path resource(String rel) {
        Path p = home().resolve("tests/src/test/resources/fixtures").resolve(rel);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing fixture " + p);
        }
        return p;
    }

    public static Path pixels() {
        return resource("inputs/pattern_56.npy");
    }

    public static Npy.Array expected(String version, String file) {
        return Npy.read(resource("expected/tiny-" + version + "-f32-pattern/" + file));
    }

    public static int[] expectedTokens(String version) throws IOException {
        JsonNode r = new ObjectMapper().readTree(resource("expected/tiny-" + version + "-f32-pattern/result.json").toFile());
        return StreamSupport.stream(r.get("generation").get("new_tokens").spliterator(), false)
                .mapToInt(JsonNode::asInt).toArray();
    }

    /** Every value within {@code tol} of the expected one, reporting the worst index. */
    public static void assertClose(Npy.Array expected, float[] actual, double tol, String what) {
        assertEquals(expected.data().length, actual.length, what + ": size");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(expected.data()[i] - actual[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= tol, what + ": max |diff| " + worst + " at " + at + " exceeds " + tol);
    }
}
