package io.paligemma4j.loader.image;

import io.paligemma4j.loader.BadInputException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an image file (whatever ImageIO reads: PNG, JPEG, BMP, GIF, ...) to 8-bit RGB. The size
 * is read from the header and checked against a pixel limit before any pixel is decoded. Grayscale
 * is replicated to three channels, alpha is dropped (what PIL's {@code convert("RGB")} does),
 * palettes are expanded, 16-bit samples are reduced to their high byte (PIL clamps them instead;
 * this is the one deliberate difference), CMYK is converted with PIL's formula ({@link JpegCmyk}).
 * A decoder warning (a truncated JPEG or PNG) is an error: ImageIO would otherwise fill the rest
 * with grey.
 */
public final class ImageLoader {
    /** 64 megapixels: far above any PaliGemma input, far below what would exhaust the heap. */
    public static final long DEFAULT_MAX_PIXELS = 64L * 1024 * 1024;

    private ImageLoader() {}

    public static RgbImage load(Path path, long maxPixels) {
        if (!Files.isRegularFile(path)) {
            throw new BadInputException("image " + path + (Files.isDirectory(path) ? " is a directory; give an image file"
                    : Files.isSymbolicLink(path) ? " is a symbolic link that does not resolve (a loop or a missing target)"
                    : Files.exists(path) ? " is not a regular file" : ": no such file"));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            if (in == null) {
                throw new BadInputException("image " + path + ": cannot open");
            }
            return decode(in, "image " + path, maxPixels);
        } catch (IOException e) {
            throw new BadInputException("image " + path + " is corrupt or unreadable: " + oneLine(e));
        }
    }

    /** Decodes an image held in memory (a request body); {@code name} labels it in messages. */
    public static RgbImage load(byte[] data, String name, long maxPixels) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(data))) {
            return decode(in, name, maxPixels);
        } catch (IOException e) {
            throw new BadInputException(name + " is corrupt or unreadable: " + oneLine(e));
        }
    }

    private static RgbImage decode(ImageInputStream in, String name, long maxPixels) {
        BufferedImage img;
        try {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadInputException(name + ": not a format this runtime can decode; it reads "
                        + formats());
            }
            ImageReader reader = readers.next();
            // A warning from the decoder (truncated data, a missing end marker) is an error here:
            // ImageIO would fill the missing part with grey and the model would caption that.
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((src, message) -> warnings.add(message));
            try {
                reader.setInput(in, true, false);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new BadInputException(name + " is empty (" + w + "x" + h + ")");
                }
                if (w * h > maxPixels) {
                    throw new BadInputException(name + " is " + w + "x" + h + " = " + (w * h)
                            + " pixels, over the limit of " + maxPixels);
                }
                RgbImage cmyk = JpegCmyk.readIfCmyk(reader, name);
                if (cmyk != null) {
                    checkWarnings(name, warnings);
                    return cmyk;
                }
                img = reader.read(0);
                checkWarnings(name, warnings);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            throw new BadInputException(name + " is corrupt or unreadable: " + oneLine(e));
        }
        return toRgb(img);
    }

    /**
     * True for a lossy (VP8) WebP file: its decoder here is not libwebp and differs from what Pillow
     * gives by a few uint8 levels on average (README), so callers can say so.
     */
    public static boolean isLossyWebp(Path path) {
        try (var in = Files.newInputStream(path)) {
            byte[] h = in.readNBytes(16);
            return h.length == 16 && new String(h, 0, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("RIFF")
                    && new String(h, 8, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("WEBPVP8 ");
        } catch (IOException e) {
            return false;
        }
    }

    /** The formats ImageIO's readers take here, e.g. "bmp, gif, jpeg, png, tiff, wbmp, webp". */
    static String formats() {
        return java.util.Arrays.stream(ImageIO.getReaderFormatNames()).map(f -> f.toLowerCase(java.util.Locale.ROOT))
                .map(f -> f.equals("jpg") ? "jpeg" : f.equals("tif") ? "tiff" : f.equals("wbp") ? "webp" : f).distinct().sorted()
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static void checkWarnings(String name, List<String> warnings) {
        if (!warnings.isEmpty()) {
            throw new BadInputException(name + " is truncated or corrupt: the decoder warns \""
                    + warnings.get(0).lines().findFirst().orElse("") + "\"");
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).lines().findFirst().orElse("");
    }

    /** Reads samples from the raster so that gray levels are not gamma-converted by Java2D. */
    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int bits = cm.getComponentSize(0);
        boolean cmyk = cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_CMYK;
        boolean direct = !(cm instanceof IndexColorModel) && !cmyk
                && (bands == 1 || bands == 2 || bands == 3 || bands == 4);
        if (cmyk && bands == 4 && bits == 8) {
            return JpegCmyk.toRgb(r, false);
        } else if (cmyk) {
            throw new BadInputException("a CMYK image with " + bands + " bands of " + bits + " bits cannot be converted"
                    + " as PIL converts it; convert it to RGB first");
        }
        if (direct) {
            int shift = Math.max(0, bits - 8);
            int colorBands = bands <= 2 ? 1 : 3;
            int[] px = new int[bands];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r.getPixel(x, y, px);
                    int o = (y * w + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        out[o + c] = (byte) (px[colorBands == 1 ? 0 : c] >> shift);
                    }
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
