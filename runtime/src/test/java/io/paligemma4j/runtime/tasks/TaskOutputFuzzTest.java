package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma4j.loader.BadInputException;
import java.util.List;

/**
 * Fuzz target for task-output parsing (loc/seg tokens): any model output either parses into boxes
 * inside the image, with well-formed seg ids, or is rejected with {@link BadInputException}.
 */
class TaskOutputFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void detections(FuzzedDataProvider data) {
        int w = data.consumeInt(1, 5000);
        int h = data.consumeInt(1, 5000);
        String text = data.consumeRemainingAsString();
        List<Detection> dets;
        try {
            dets = Detections.parse(text, w, h);
        } catch (BadInputException expected) {
            return;
        }
        for (Detection d : dets) {
            assertTrue(d.x1() >= 0 && d.x1() < d.x2() && d.x2() <= w, "x range " + d);
            assertTrue(d.y1() >= 0 && d.y1() < d.y2() && d.y2() <= h, "y range " + d);
            assertTrue(d.segIds().length == 0 || d.segIds().length == 16, "seg ids " + d);
            for (int s : d.segIds()) {
                assertTrue(s >= 0 && s < 128, "seg id " + s);
            }
        }
    }
}
