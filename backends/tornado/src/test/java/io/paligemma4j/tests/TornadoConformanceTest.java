package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both fixture cases on the TornadoVM backend, through the real {@code ./paligemma conformance
 * --backend tornado} (a subprocess, so the launcher's SDK set-up is what runs) and through the
 * library: generated ids identical and every image-feature, prefill and step logit within 1e-4 of
 * the float64 fixture (the tolerance and its reasoning are {@link ConformanceTest}'s).
 */
class TornadoConformanceTest {
    @TempDir
    Path out;

    @ParameterizedTest(name = "{0} on tornado via ./paligemma conformance")
    @ValueSource(strings = {"v1", "v2"})
    void commandLineReproducesFixture(String version) throws Exception {
        LauncherConformance.reproduces("tornado", version, out);
    }

    /** The worst difference, printed for the record (the assertion is separate). */
    static void report(String what, Npy.Array want, float[] got) {
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(want.data()[i] - got[i]));
        }
        System.out.printf("tornado %s: max |diff| %.3g%n", what, worst);
    }
    @ParameterizedTest(name = "{0} on tornado via the library")
    @ValueSource(strings = {"v1", "v2"})
    void libraryReproducesFixture(String version) throws Exception {
        try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(version));
             Session s = Session.open(m, Backends.select("tornado"), Session.defaultCapacity(m.config()))) {
            int[] prefix = Session.textPrefix(m.config().text().bosId(), Fixtures.PROMPT, new int[] {Fixtures.NEWLINE});
            GenerationResult r = s.generate(Npy.read(Fixtures.pixels()).data(), prefix,
                    GenerationOptions.conformance(Fixtures.NEW_TOKENS), t -> {}, true);
            report(version + " lib features", Fixtures.expected(version, "image_features.npy"), r.imageFeatures());
            report(version + " lib prefill", Fixtures.expected(version, "prefill_logits.npy"), r.prefillLogits());
            Fixtures.assertClose(Fixtures.expected(version, "image_features.npy"), r.imageFeatures(), ConformanceTest.TOL, "features");
            Fixtures.assertClose(Fixtures.expected(version, "prefill_logits.npy"), r.prefillLogits(), ConformanceTest.TOL, "prefill");
            int vocab = m.config().text().vocabSize();
            float[] steps = new float[r.stepLogits().size() * vocab];
            for (int i = 0; i < r.stepLogits().size(); i++) {
                System.arraycopy(r.stepLogits().get(i), 0, steps, i * vocab, vocab);
            }
            Fixtures.assertClose(Fixtures.expected(version, "generation_step_logits.npy"), steps, ConformanceTest.TOL, "steps");
            assertArrayEquals(Fixtures.expectedTokens(version), r.tokens());
        }
    }
}
