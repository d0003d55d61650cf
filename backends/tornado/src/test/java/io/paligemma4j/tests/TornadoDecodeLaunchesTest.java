package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a greedy decode step costs the device, from the backend's own counters: at most 8 kernel
 * launches per layer plus 4 (embedding, head, two-pass argmax) — 6 per Gemma layer, 8 per Gemma 2
 * layer with its post-norms — and 4 bytes down (the picked id). Up go the decoder's and the head's
 * step arrays (32 bytes each, with the 16-byte header TornadoVM sends with every array) and the
 * 24-byte kernel-argument frame TornadoVM's OpenCL backend writes before each launch.
 */
class TornadoDecodeLaunchesTest {
    @ParameterizedTest(name = "{0}: launches and bytes per greedy decode step")
    @ValueSource(strings = {"v1", "v2"})
    void decodeStepIsFusedAndMovesOnlyTheIds(String version) {
        float[] pixels = Npy.read(Fixtures.pixels()).data();
        try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(version));
             Session s = Session.open(m, Backends.select("tornado").withProfiling(), 64)) {
            int[] prefix = Session.textPrefix(m.config().text().bosId(), Fixtures.PROMPT, new int[] {Fixtures.NEWLINE});
            Map<String, Map<String, Double>> byStage = new HashMap<>();
            String[] current = {null};
            s.takeDeviceCounters();
            s.onStage(stage -> {
                Map<String, Double> c = s.takeDeviceCounters();
                if (current[0] != null) {
                    byStage.put(current[0], c);
                }
                current[0] = stage;
            });
            GenerationResult r = s.generate(pixels, prefix, GenerationOptions.conformance(11), t -> {}, false);
            byStage.put(current[0], s.takeDeviceCounters());
            assertEquals(11, r.tokens().length);
            Map<String, Double> decode = byStage.get("decode");
            int steps = 10;
            int layers = m.config().text().numLayers();
            double launches = decode.get("kernel_launches") / steps;
            double up = decode.get("bytes_to_device") / steps;
            double down = decode.get("bytes_to_host") / steps;
            System.out.printf("tornado %s: %d layers, per decode step %.0f launches, %.0f B up, %.0f B down%n", version,
                    layers, launches, up, down);
            int perLayer = m.config().text().finalLogitSoftcap() > 0 ? 8 : 6;
            assertTrue(launches <= perLayer * layers + 4, launches + " launches per step");
            assertEquals(2 * (32 + 16) + 24 * launches, up, "bytes up per step");
            assertEquals(4, down, "bytes down per step");
        }
    }
}
