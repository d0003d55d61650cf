package io.paligemma4j.runtime.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses detection and segmentation output text, as the tokenizer decodes it:
 * {@code <locY1><locX1><locY2><locX2>[<segNNN>×16] label} per object, objects separated by
 * {@code " ; "} (spec 7.2, 7.3).
 *
 * <p>Convention: coordinates are y-first in 1024 bins; a bin maps to {@code bin / 1024} of the
 * image side, as in the official demo Space ({@code big-vision/paligemma-hf}), so
 * {@code x = bin / 1024 · width} and {@code y = bin / 1024 · height}, unrounded. (big_vision's
 * evaluator divides by 1023 instead; the two differ by under 1/1024 of a side.) Boxes are in
 * pixels of the original image because PaliGemma squashes the whole image into its square input.
 *
 * <p>Dropped as invalid, like big_vision's evaluator: objects with other than 4 loc tokens, a loc
 * above 1023, {@code y2 <= y1} or {@code x2 <= x1}, seg tokens other than none or exactly 16, or a
 * seg index above 127. Text before the first loc token is ignored.
 */
public final class Detections {
    static final int LOC_BINS = 1024;
    static final int SEG_CODES = 128;

    // Loc run, optional seg run, then the label up to the next ';' or token.
    private static final Pattern OBJECT =
            Pattern.compile("((?:<loc\\d{4}>)+)\\s*((?:<seg\\d{3}>)*)\\s*([^;<>]*)");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private Detections() {}

    public static List<Detection> parse(String text, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size " + width + "x" + height);
        }
        List<Detection> out = new ArrayList<>();
        Matcher m = OBJECT.matcher(text);
        while (m.find()) {
            int[] loc = numbers(m.group(1));
            int[] seg = numbers(m.group(2));
            if (loc.length != 4 || !inRange(loc, LOC_BINS) || (seg.length != 0 && seg.length != Detection.SEG_TOKENS)
                    || !inRange(seg, SEG_CODES) || loc[2] <= loc[0] || loc[3] <= loc[1]) {
                continue;
            }
            out.add(new Detection(m.group(3).strip(), scale(loc[1], width), scale(loc[0], height),
                    scale(loc[3], width), scale(loc[2], height), seg));
        }
        return out;
    }

    private static double scale(int bin, int size) {
        return (double) bin / LOC_BINS * size;
    }

    private static int[] numbers(String tokens) {
        return NUMBER.matcher(tokens).results().mapToInt(r -> Integer.parseInt(r.group())).toArray();
    }

    private static boolean inRange(int[] values, int limit) {
        for (int v : values) {
            if (v >= limit) {
                return false;
            }
        }
        return true;
    }
}
