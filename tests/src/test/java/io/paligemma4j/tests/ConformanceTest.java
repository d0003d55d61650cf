package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.cli.Main;
import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both fixture cases, on every backend present, through the command line's conformance mode and
 * through the library API. Tolerance 1e-4 on every logit: the fixtures are float64, a float32
 * implementation lands within ~1e-5 (fixtures README), and the greedy margins are ≥ 0.009, so
 * 1e-4 still catches every op-level mistake (those move logits by 0.2–5).
 */
public class ConformanceTest {
    public static final double TOL = 1e-4;

    @TempDir
    Path out;

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Backend b : Backends.all()) {
            if (b.unavailableReason() == null) {
                list.add(Arguments.of("v1", b.name()));
                list.add(Arguments.of("v2", b.name()));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} on {1} via ./paligemma conformance")
    @MethodSource("cases")
    void commandLineReproducesFixture(String version, String backend) throws Exception {
        int rc = Main.run("conformance", "--model", Fixtures.model(version).toString(), "--backend", backend,
                "--pixels", Fixtures.pixels().toString(), "--prompt-ids", Fixtures.PROMPT_IDS,
                "--new-tokens", "8", "--out", out.toString());
        assertEquals(0, rc);
        checkOutputDir(version, backend, out);
    }

    /** A conformance run's result.json and .npy files against the fixture; returns the worst |diff| per file. */
    public static java.util.Map<String, Double> checkOutputDir(String version, String backend, Path out) throws Exception {
        JsonNode r = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        assertEquals(23, r.get("prefix_length").asInt());
        assertEquals(backend, r.get("backend").asText());
        int[] gen = new int[r.get("generated").size()];
        for (int i = 0; i < gen.length; i++) {
            gen[i] = r.get("generated").get(i).asInt();
        }
        assertArrayEquals(Fixtures.expectedTokens(version), gen);
        java.util.Map<String, Double> worst = new java.util.LinkedHashMap<>();
        for (String f : List.of("image_features", "prefill_logits", "generation_step_logits")) {
            Npy.Array got = Npy.read(out.resolve(f + ".npy"));
            Npy.Array want = Fixtures.expected(version, f + ".npy");
            assertArrayEquals(want.shape(), got.shape(), f);
            Fixtures.assertClose(want, got.data(), TOL, f);
            double w = 0;
            for (int i = 0; i < got.data().length; i++) {
                w = Math.max(w, Math.abs(want.data()[i] - got.data()[i]));
            }
            worst.put(f, w);
        }
        return worst;
    }

    @ParameterizedTest(name = "{0} on {1} via the library")
    @MethodSource("cases")
    void libraryReproducesFixture(String version, String backend) throws Exception {
        try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(version));
             Session s = Session.open(m, Backends.select(backend), Session.defaultCapacity(m.config()))) {
            int[] prefix = Session.textPrefix(m.config().text().bosId(), Fixtures.PROMPT, new int[] {Fixtures.NEWLINE});
            GenerationResult r = s.generate(Npy.read(Fixtures.pixels()).data(), prefix,
                    GenerationOptions.conformance(Fixtures.NEW_TOKENS), t -> {}, true);
            assertArrayEquals(Fixtures.expectedTokens(version), r.tokens());
            Fixtures.assertClose(Fixtures.expected(version, "image_features.npy"), r.imageFeatures(), TOL, "features");
            Fixtures.assertClose(Fixtures.expected(version, "prefill_logits.npy"), r.prefillLogits(), TOL, "prefill");
            float[] steps = new float[r.stepLogits().size() * 300];
            for (int i = 0; i < r.stepLogits().size(); i++) {
                System.arraycopy(r.stepLogits().get(i), 0, steps, i * 300, 300);
            }
            Fixtures.assertClose(Fixtures.expected(version, "generation_step_logits.npy"), steps, TOL, "steps");
        }
    }
}
