package io.paligemma4j.loader.image;

import io.paligemma4j.loader.BadInputException;
import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Four-component JPEGs, decoded as Pillow decodes them. ImageIO would colour-manage CMYK through
 * an ICC profile (up to 0.65 away from what the processor sees); Pillow instead reads the raw
 * components, inverts them when the file has an Adobe APP14 marker (Photoshop's convention, and
 * what Pillow writes), and converts with {@code R = (255 − K) − (C·(255 − K))/255} in its rounded
 * integer form. YCCK JPEGs would need libjpeg's own YCC arithmetic first; they are refused.
 */
final class JpegCmyk {
    private JpegCmyk() {}

    /** The image as RGB if {@code reader} holds a CMYK JPEG, null for anything else. */
    static RgbImage readIfCmyk(ImageReader reader, String name) throws IOException {
        if (!reader.getFormatName().equalsIgnoreCase("jpeg")) {
            return null;
        }
        IIOMetadata md = reader.getImageMetadata(0);
        if (md == null || !java.util.Arrays.asList(md.getMetadataFormatNames()).contains(NATIVE)) {
            return null;
        }
        Node root = md.getAsTree(NATIVE);
        Node sof = find(root, "sof");
        if (sof == null || !"4".equals(attr(sof, "numFrameComponents"))) {
            return null;
        }
        Node adobe = find(root, "app14Adobe");
        String transform = adobe != null ? attr(adobe, "transform") : null;
        if ("2".equals(transform)) {
            throw new BadInputException(name + " is a YCCK JPEG, which this runtime cannot convert as PIL"
                    + " does; convert it to RGB first");
        }
        return toRgb(reader.readRaster(0, null), adobe != null);
    }

    private static final String NATIVE = "javax_imageio_jpeg_image_1.0";

    /** Pillow's cmyk2rgb on 8-bit samples; {@code inverted}: the samples are stored as 255 − value. */
    static RgbImage toRgb(Raster r, boolean inverted) {
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] px = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(r.getMinX() + x, r.getMinY() + y, px);
                int nk = 255 - (inverted ? 255 - px[3] : px[3]);
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int v = inverted ? 255 - px[c] : px[c];
                    out[o + c] = (byte) Math.clamp(nk - mulDiv255(v, nk), 0, 255);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** a·b/255 rounded, exactly as Pillow's MULDIV255 macro computes it. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static Node find(Node n, String name) {
        if (n.getNodeName().equals(name)) {
            return n;
        }
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node f = find(c, name);
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    private static String attr(Node n, String name) {
        NamedNodeMap a = n.getAttributes();
        Node v = a == null ? null : a.getNamedItem(name);
        return v == null ? null : v.getNodeValue();
    }
}
