package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.loader.Npy;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.stream.StreamSupport;

/** The conformance fixtures (copied into test resources) and the bundled tiny models. */
final class Fixtures {
    static final String PROMPT_IDS = "5,17,42,99,250";
    static final int[] PROMPT = {5, 17, 42, 99, 250};
    static final int NEWLINE = 108;
    static final int NEW_TOKENS = 8;

    private Fixtures() {}

    static Path home() {
        return Path.of(System.getProperty("paligemma.home", ".."));
    }

    /** "v1" or "v2". */
    static Path model(String version) {
        return home().resolve("models/tiny-" + version + "-f32");
    }

    static Path resource(String rel) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + rel).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + rel, e);
        }
    }

    static Path pixels() {
        return resource("inputs/pattern_56.npy");
    }

    static Npy.Array expected(String version, String file) {
        return Npy.read(resource("expected/tiny-" + version + "-f32-pattern/" + file));
    }

    static int[] expectedTokens(String version) throws IOException {
        JsonNode r = new ObjectMapper().readTree(resource("expected/tiny-" + version + "-f32-pattern/result.json").toFile());
        return StreamSupport.stream(r.get("generation").get("new_tokens").spliterator(), false)
                .mapToInt(JsonNode::asInt).toArray();
    }

    /** Every value within {@code tol} of the expected one, reporting the worst index. */
    static void assertClose(Npy.Array expected, float[] actual, double tol, String what) {
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
