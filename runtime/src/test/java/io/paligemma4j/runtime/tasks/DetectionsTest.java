package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionsTest {
    private static String seg(int... ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(String.format("<seg%03d>", id));
        }
        return sb.toString();
    }

    private static int[] range16(int from) {
        int[] ids = new int[16];
        for (int i = 0; i < 16; i++) {
            ids[i] = from + i;
        }
        return ids;
    }

    @Test
    void readsYFirstLocTokensAsBinOver1024OfTheOriginalSize() {
        // 640x480: x = bin/1024·640, y = bin/1024·480 (all exact in binary).
        List<Detection> d = Detections.parse(
                "<loc0123><loc0456><loc0789><loc1000> cat ; <loc0010><loc0020><loc0030><loc0040> traffic light",
                640, 480);
        assertEquals(List.of(
                new Detection("cat", 285.0, 57.65625, 625.0, 369.84375),
                new Detection("traffic light", 12.5, 4.6875, 25.0, 14.0625)), d);
        assertFalse(d.get(0).hasMask());
    }

    @Test
    void readsTheSixteenSegTokensOfASegmentation() {
        List<Detection> d = Detections.parse(
                "<loc0000><loc0256><loc0512><loc1023>" + seg(range16(100)) + " cat", 1024, 2048);
        assertEquals(1, d.size());
        Detection cat = d.get(0);
        assertEquals(new Detection("cat", 256, 0, 1023, 1024, range16(100)), cat);
        assertTrue(cat.hasMask());
        assertArrayEquals(range16(100), cat.segIds());
    }

    @Test
    void dropsInvalidObjectsAndKeepsTheValidOnes() {
        String ok = "<loc0100><loc0100><loc0200><loc0200> ok";
        String[] invalid = {
            "<loc0100><loc0100><loc0200> three locs",
            "<loc0100><loc0100><loc0200><loc0200><loc0300> five locs",
            "<loc0200><loc0100><loc0200><loc0200> flat y",
            "<loc0100><loc0300><loc0200><loc0200> inverted x",
            "<loc0100><loc0100><loc0200><loc1024> loc out of range",
            "<loc0100><loc0100><loc0200><loc0200>" + seg(1, 2, 3) + " partial mask",
            "<loc0100><loc0100><loc0200><loc0200>" + seg(range16(120)) + " seg out of range",
        };
        for (String bad : invalid) {
            List<Detection> d = Detections.parse(bad + " ; " + ok, 1024, 1024);
            assertEquals(List.of(new Detection("ok", 100, 100, 200, 200)), d, bad);
        }
    }

    @Test
    void toleratesLeadingTextMissingLabelsAndNoObjects() {
        List<Detection> d = Detections.parse("sure: <loc0000><loc0000><loc0512><loc0512>", 100, 100);
        assertEquals(List.of(new Detection("", 0, 0, 50, 50)), d);
        assertEquals(List.of(), Detections.parse("no objects here", 100, 100));
        assertEquals(List.of(), Detections.parse("", 100, 100));
    }
}
