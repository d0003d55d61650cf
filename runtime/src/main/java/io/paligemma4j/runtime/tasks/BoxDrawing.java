package io.paligemma4j.runtime.tasks;

import io.paligemma4j.loader.image.RgbImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws labelled boxes onto a copy of an image: a solid outline in the label's colour and the label
 * in a filled tag of that colour above the box's top-left corner (inside the box when there is no
 * room above, moved left when it would run off the right side). Box corners are rounded half to
 * even, as the demo Space does. Needs no display ({@code java.awt.headless=true} works) but does
 * need a font the JDK can find for the labels.
 */
public final class BoxDrawing {
    // Golden-ratio hue steps keep any number of labels apart, the first few maximally.
    private static final float GOLDEN = 0.618034f;

    private BoxDrawing() {}

    /** One colour per distinct label, in order of first appearance. */
    public static Map<String, Color> labelColours(List<Detection> objects) {
        Map<String, Color> colours = new LinkedHashMap<>();
        for (Detection d : objects) {
            if (!colours.containsKey(d.label())) {
                float hue = (colours.size() * GOLDEN) % 1f;
                colours.put(d.label(), Color.getHSBColor(hue, 0.85f, 0.95f));
            }
        }
        return colours;
    }

    public static BufferedImage toBufferedImage(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[image.width() * image.height()];
        byte[] rgb = image.rgb();
        for (int i = 0; i < argb.length; i++) {
            argb[i] = (rgb[3 * i] & 0xFF) << 16 | (rgb[3 * i + 1] & 0xFF) << 8 | (rgb[3 * i + 2] & 0xFF);
        }
        out.setRGB(0, 0, image.width(), image.height(), argb, 0, image.width());
        return out;
    }

    public static BufferedImage draw(RgbImage image, List<Detection> objects) {
        return draw(toBufferedImage(image), objects);
    }

    /** A new RGB image: {@code image} with the boxes drawn on it; {@code image} is left as it was. */
    public static BufferedImage draw(BufferedImage image, List<Detection> objects) {
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
            int line = lineWidth(w, h);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, 4 * line + 4)));
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            Map<String, Color> colours = labelColours(objects);
            for (Detection d : objects) {
                int x1 = (int) Math.rint(d.x1());
                int y1 = (int) Math.rint(d.y1());
                int bw = Math.max((int) Math.rint(d.x2()) - x1, 1);
                int bh = Math.max((int) Math.rint(d.y2()) - y1, 1);
                Color c = colours.get(d.label());
                g.setColor(c);
                // Filled strips rather than a stroke: exact pixels, no antialiased edges.
                int t = Math.min(line, Math.min(bw, bh));
                g.fillRect(x1, y1, bw, t);
                g.fillRect(x1, y1 + bh - t, bw, t);
                g.fillRect(x1, y1, t, bh);
                g.fillRect(x1 + bw - t, y1, t, bh);
                tag(g, d.label(), c, x1, y1, w);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Draws the boxes and writes the result as PNG. */
    public static void writePng(RgbImage image, List<Detection> objects, Path file) {
        Png.write(draw(image, objects), file);
    }

    private static int lineWidth(int w, int h) {
        return Math.max(2, Math.min(w, h) / 200);
    }

    private static void tag(Graphics2D g, String label, Color c, int x, int y, int imageWidth) {
        if (label.isEmpty()) {
            return;
        }
        FontMetrics fm = g.getFontMetrics();
        int pad = 2;
        int tw = fm.stringWidth(label) + 2 * pad;
        int th = fm.getAscent() + fm.getDescent() + pad;
        int top = y - th >= 0 ? y - th : y;
        int left = Math.max(0, Math.min(x, imageWidth - tw));
        g.setColor(c);
        g.fillRect(left, top, tw, th);
        // Dark text on light tags, light text on dark ones (Rec. 601 luma).
        double luma = 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
        g.setColor(luma > 140 ? Color.BLACK : Color.WHITE);
        g.drawString(label, left + pad, top + fm.getAscent());
    }
}
