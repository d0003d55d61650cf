package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.PaliGemmaModel;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The attention semantics the fixtures only see indirectly, checked on every backend and both models. */
class PrefixSemanticsTest {
    static final int VOCAB = 300;

    static Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return Backends.all().stream().filter(b -> b.unavailableReason() == null)
                .flatMap(b -> Stream.of("v1", "v2").map(v -> org.junit.jupiter.params.provider.Arguments.of(v, b.name())));
    }

    private static float[] row(float[] logits, int r) {
        return Arrays.copyOfRange(logits, r * VOCAB, (r + 1) * VOCAB);
    }

    private static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void laterPrefixTokenChangesEarlierPrefixOutputs(String version, String backend) {
        try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(version))) {
            Backend b = Backends.select(backend);
            float[] pixels = Npy.read(Fixtures.pixels()).data();
            int[] a = {2, 5, 17, 42, 99, 250, 108};
            int[] c = {2, 5, 17, 42, 99, 251, 108};
            try (Engine e = b.open(m, 64)) {
                float[] f = e.encodeImage(pixels);
                float[] la = e.prefill(f, a, 23, true);
                float[] lc = e.prefill(f, c, 23, true);
                // Row 16 is BOS, row 0 an image token: both precede the changed token at row 21.
                assertTrue(maxDiff(row(la, 16), row(lc, 16)) > 1e-3, "BOS must see later prefix tokens");
                assertTrue(maxDiff(row(la, 0), row(lc, 0)) > 1e-3, "image tokens must see later prefix tokens");
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void generatedTokensNeverSeeLaterOnesAndCacheEqualsRecompute(String version, String backend) {
        try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(version))) {
            Backend b = Backends.select(backend);
            float[] pixels = Npy.read(Fixtures.pixels()).data();
            int[] prefix = {2, 5, 17, 42, 99, 250, 108};
            List<Integer> gen = List.of(7, 33, 120, 4, 260, 19, 88, 150, 201, 3); // enough to pass the v2 window of 24
            try (Engine cached = b.open(m, 64); Engine full = b.open(m, 64)) {
                float[] f = cached.encodeImage(pixels);
                cached.prefill(f, prefix, 23, false);
                float[][] steps = new float[gen.size()][];
                for (int i = 0; i < gen.size(); i++) {
                    steps[i] = cached.decode(gen.get(i));
                }
                int[] all = new int[prefix.length + gen.size()];
                System.arraycopy(prefix, 0, all, 0, prefix.length);
                for (int i = 0; i < gen.size(); i++) {
                    all[prefix.length + i] = gen.get(i);
                }
                float[] recompute = full.prefill(f, all, 23, true);
                for (int i = 0; i < gen.size(); i++) {
                    float d = maxDiff(steps[i], row(recompute, 23 + i));
                    assertTrue(d <= 1e-5, "step " + i + ": KV-cache decode differs from recompute by " + d);
                }
                // Appending or changing a later generated token leaves every earlier row as it was.
                int[] changed = all.clone();
                changed[changed.length - 1] = 77;
                float[] again = full.prefill(f, changed, 23, true);
                int last = 16 + all.length - 1;
                for (int r = 0; r < last; r++) {
                    assertArrayEquals(row(recompute, r), row(again, r), "row " + r + " saw a later token");
                }
                assertTrue(maxDiff(row(recompute, last), row(again, last)) > 1e-3, "the changed token itself");
            }
        }
    }
}
