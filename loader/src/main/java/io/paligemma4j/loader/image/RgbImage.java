package io.paligemma4j.loader.image;

/** An 8-bit RGB image, row-major, interleaved ({@code rgb[(y·width + x)·3 + c]}). */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0 || rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("bad image " + width + "x" + height + " with " + rgb.length + " bytes");
        }
    }

    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
