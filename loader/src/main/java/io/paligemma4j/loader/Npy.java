package io.paligemma4j.loader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files in C order: float32 read and written, float64 read (narrowed to float32).
 * The exchange format of conformance.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** A float32 array with its shape. */
    public record Array(long[] shape, float[] data) {
        public Array {
            if (Tensor.numel(shape) != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold "
                        + data.length + " values");
            }
        }
    }

    private Npy() {}

    public static Array read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new BadInputException(path + ": no such file");
        } catch (IOException e) {
            throw new BadInputException(path + ": cannot read: " + e.getMessage(), e);
        }
        String f = "npy file " + path;
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new BadInputException(f + " does not start with the NumPy magic string");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(b.getShort(8));
            start = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new BadInputException(f + " is truncated in its header");
            }
            headerLen = Integer.toUnsignedLong(b.getInt(8));
            start = 12;
        } else {
            throw new BadInputException(f + " has unsupported format version " + major);
        }
        if (start + headerLen > bytes.length) {
            throw new BadInputException(f + " header length " + headerLen + " runs past the end of the file");
        }
        String header = new String(bytes, start, (int) headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher fo = FORTRAN.matcher(header);
        Matcher sh = SHAPE.matcher(header);
        if (!d.find() || !fo.find() || !sh.find()) {
            throw new BadInputException(f + " has a malformed header: " + header.strip());
        }
        String descr = d.group(1);
        int width = descr.equals("<f4") ? 4 : descr.equals("<f8") ? 8 : 0;
        if (width == 0) {
            throw new BadInputException(f + " holds dtype " + descr + "; expected little-endian float32 or float64");
        }
        if (fo.group(1).equals("True")) {
            throw new BadInputException(f + " is in Fortran order; expected C order");
        }
        String[] parts = sh.group(1).split(",");
        long[] shape = Arrays.stream(parts).map(String::strip).filter(s -> !s.isEmpty())
                .mapToLong(s -> {
                    try {
                        return Long.parseLong(s);
                    } catch (NumberFormatException e) {
                        throw new BadInputException(f + " has a malformed shape (" + sh.group(1) + ")");
                    }
                }).toArray();
        long n;
        try {
            n = Tensor.numel(shape);
        } catch (ArithmeticException e) {
            throw new BadInputException(f + " has a shape that overflows");
        }
        long dataStart = start + headerLen;
        if (n < 0 || n > Integer.MAX_VALUE || n * width != bytes.length - dataStart) {
            throw new BadInputException(f + " holds " + (bytes.length - dataStart) + " data bytes but shape "
                    + Arrays.toString(shape) + " needs " + n * width);
        }
        float[] data = new float[(int) n];
        b.position((int) dataStart);
        if (width == 4) {
            b.asFloatBuffer().get(data);
        } else {
            // float64 arrays (reference outputs) are narrowed to float32.
            java.nio.DoubleBuffer db = b.asDoubleBuffer();
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) db.get(i);
            }
        }
        return new Array(shape, data);
    }

    public static void write(Path path, long[] shape, float[] data) throws IOException {
        try (OutputStream os = Files.newOutputStream(path)) {
            write(os, shape, data);
        }
    }

    /** The .npy bytes of a float32 array, to {@code os}. */
    public static void write(OutputStream os, long[] shape, float[] data) throws IOException {
        new Array(shape, data); // validates
        StringBuilder s = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (");
        for (long d : shape) {
            s.append(d).append(", ");
        }
        if (shape.length > 1) {
            s.setLength(s.length() - 1);
        }
        s.append("), }");
        // Pad so that the data starts on a 64-byte boundary, as NumPy does.
        int total = 10 + s.length() + 1;
        int pad = (64 - total % 64) % 64;
        s.append(" ".repeat(pad)).append('\n');
        byte[] header = s.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(10 + header.length + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length).put(header);
        out.asFloatBuffer().put(data);
        os.write(out.array());
    }
}
