package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.Engine;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.util.Random;

/**
 * Teacher-forced generation on a device backend against cpu, twice in one engine (the second
 * prefill, with another prompt, follows decode steps): the same image, a prefix, then 30 forced
 * tokens (random ids, not the model's choices, so every step is checked whatever the model would
 * pick). 16 image + 7 prefix + 30 steps = 53 positions runs past v2's window of 24. At every
 * position the argmax must agree and every logit lie within 1e-4 (both are float32
 * implementations; measured differences are ~1e-6, op-level mistakes move logits by ≥ 0.1).
 */
public final class TeacherForcing {
    private TeacherForcing() {}

    public static void matchesCpu(String backend, String version) {
        try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(version));
             Engine cpu = Backends.select("cpu").open(m, 64);
             Engine dev = Backends.select(backend).open(m, 64)) {
            float[] pixels = Npy.read(Fixtures.pixels()).data();
            float[] fc = cpu.encodeImage(pixels);
            float[] fd = dev.encodeImage(pixels);
            compare(fc, fd, "features");
            for (int round = 0; round < 2; round++) {
                forced(backend, m, cpu, dev, fc, version, round);
            }
        }
    }

    private static void forced(String backend, PaliGemmaModel m, Engine cpu, Engine dev, float[] fc, String version,
                               int round) {
        // A different, longer prompt the second time: stale ids on the device would show.
        int[] prompt = round == 0 ? Fixtures.PROMPT : new int[] {250, 99, 42, 17, 5, 7, 11};
        int[] prefix = Session.textPrefix(m.config().text().bosId(), prompt, new int[] {Fixtures.NEWLINE});
        int prefixLen = m.config().numImageTokens() + prefix.length;
        // Both engines get the cpu's image features, so the text stage is compared on its own.
        compare(cpu.prefill(fc, prefix, prefixLen, true), dev.prefill(fc, prefix, prefixLen, true), "prefill");
        Random rnd = new Random(3 + round);
        int vocab = m.config().text().vocabSize();
        double worst = 0;
        for (int s = 0; s < 30; s++) {
            int token = rnd.nextInt(vocab);
            float[] a = cpu.decode(token);
            float[] b = dev.decode(token);
            worst = Math.max(worst, compare(a, b, "step " + s));
            assertEquals(argmax(a), argmax(b), "argmax at step " + s);
        }
        assertEquals(cpu.length(), dev.length());
        System.out.printf("%s vs cpu, %s round %d, 30 forced steps: max |diff| %.3g%n", backend, version, round, worst);
    }

    static double compare(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(worst <= 1e-4, what + ": max |diff| " + worst);
        return worst;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
