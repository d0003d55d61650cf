package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;

/**
 * Greedy generation without kept logits, where a device backend picks each token on the device
 * ({@code Engine.decodeGreedy}): the same 20 tokens as cpu, twice per session.
 */
public final class GreedyGeneration {
    private GreedyGeneration() {}

    public static void matchesCpu(String backend, String version) {
        float[] pixels = Npy.read(Fixtures.pixels()).data();
        try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(version));
             Session cpu = Session.open(m, Backends.select("cpu"), 64);
             Session dev = Session.open(m, Backends.select(backend), 64)) {
            int[] prefix = Session.textPrefix(m.config().text().bosId(), Fixtures.PROMPT, new int[] {Fixtures.NEWLINE});
            for (int round = 0; round < 2; round++) {
                GenerationResult a = cpu.generate(pixels, prefix, GenerationOptions.conformance(20), t -> {}, false);
                GenerationResult b = dev.generate(pixels, prefix, GenerationOptions.conformance(20), t -> {}, false);
                assertArrayEquals(a.tokens(), b.tokens(), backend + " round " + round);
                assertEquals(20, b.tokens().length, "19 tokens picked on the device after the first");
            }
        }
    }
}
