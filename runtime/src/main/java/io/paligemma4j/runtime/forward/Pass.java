package io.paligemma4j.runtime.forward;

/**
 * What one run of stages works on: {@code rows} rows at sequence positions
 * {@code [start, start + rows)}; sequence rows {@code [0, prefixLen)} attend bidirectionally;
 * the first {@code imageRows} rows come from the image, the rest from {@code tokens}; {@code row}
 * is the row whose logits a logits pass computes. Graph backends record stages once and take the
 * pass at run time, so no stage may branch on these values.
 */
public record Pass(int rows, int start, int prefixLen, int imageRows, int[] tokens, int row) {
    public Pass {
        if (rows <= 0 || start < 0 || tokens.length != rows - imageRows && tokens.length != 0) {
            throw new IllegalArgumentException("bad pass: " + rows + " rows from " + start + ", " + tokens.length + " tokens");
        }
    }

    /** The vision tower over {@code patches} rows, all visible to each other. */
    public static Pass vision(int patches) {
        return new Pass(patches, 0, patches, 0, new int[0], 0);
    }

    /** A prefill of the image rows and {@code tokens} from position 0. */
    public static Pass prefill(int imageRows, int[] tokens, int prefixLen) {
        return new Pass(imageRows + tokens.length, 0, prefixLen, imageRows, tokens.clone(), 0);
    }

    /** One token appended at {@code position}. */
    public static Pass decode(int position, int prefixLen, int token) {
        return new Pass(1, position, prefixLen, 0, new int[] {token}, 0);
    }

    /** The logits of row {@code row} of the last text pass. */
    public static Pass logits(int row) {
        return new Pass(1, 0, 0, 0, new int[0], row);
    }
}
