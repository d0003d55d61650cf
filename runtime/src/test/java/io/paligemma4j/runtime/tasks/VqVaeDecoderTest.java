package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VqVaeDecoderTest {
    private static final int C = 8;

    @TempDir
    Path dir;

    /** Every tensor the decoder reads, with its shape, for codebook width {@code c}. */
    static Map<String, long[]> shapes(int c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("_vq_vae._embedding", new long[] {128, c});
        s.put("decoder.0.weight", new long[] {128, c, 1, 1});
        s.put("decoder.0.bias", new long[] {128});
        for (String block : new String[] {"decoder.2.net.", "decoder.3.net."}) {
            for (String conv : new String[] {"0", "2", "4"}) {
                int k = conv.equals("4") ? 1 : 3;
                s.put(block + conv + ".weight", new long[] {128, 128, k, k});
                s.put(block + conv + ".bias", new long[] {128});
            }
        }
        int[] ch = {128, 128, 64, 32, 16};
        String[] up = {"decoder.4", "decoder.6", "decoder.8", "decoder.10"};
        for (int i = 0; i < up.length; i++) {
            s.put(up[i] + ".weight", new long[] {ch[i], ch[i + 1], 4, 4});
            s.put(up[i] + ".bias", new long[] {ch[i + 1]});
        }
        s.put("decoder.12.weight", new long[] {1, 16, 1, 1});
        s.put("decoder.12.bias", new long[] {1});
        return s;
    }

    /** Writes a decoder file whose tensors start at zero and are then set by {@code fill}. */
    private Path write(String file, Map<String, long[]> shapes, BiConsumer<String, float[]> fill) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] v = new float[Math.toIntExact(Tensor.numel(e.getValue()))];
            fill.accept(e.getKey(), v);
            w.addFloats(e.getKey(), DType.F32, e.getValue(), v);
        }
        Path p = dir.resolve(file);
        w.write(p);
        return p;
    }

    private static int[] ids(int seed) {
        int[] ids = new int[16];
        for (int k = 0; k < 16; k++) {
            ids[k] = (seed + 37 * k) % 128;
        }
        return ids;
    }

    @Test
    void randomWeightsGiveAFiniteDeterministic64x64Mask() throws IOException {
        Map<String, long[]> shapes = shapes(C);
        Random rnd = new Random(42);
        Path p = write("random.safetensors", shapes, (name, v) -> {
            long[] s = shapes.get(name);
            // Fan-in scaling keeps activations O(1) through the 11 layers.
            double scale = s.length == 4 ? 1 / Math.sqrt(s[1] * s[2] * s[3]) : 0.1;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rnd.nextGaussian() * scale);
            }
        });
        VqVaeDecoder dec = VqVaeDecoder.load(p);
        assertEquals(C, dec.embeddingDim());
        float[] m = dec.decode(ids(5));
        assertEquals(64 * 64, m.length);
        for (float v : m) {
            assertTrue(Float.isFinite(v), "finite");
        }
        assertArrayEquals(m, dec.decode(ids(5)), "same ids, same mask");
        assertArrayEquals(m, VqVaeDecoder.load(p).decode(ids(5)), "same file, same mask");
        assertFalse(java.util.Arrays.equals(m, dec.decode(ids(6))), "other ids, other mask");
    }

    @Test
    void zeroWeightsLeaveTheLastBias() throws IOException {
        Path p = write("zero.safetensors", shapes(C), (name, v) -> {
            if (name.equals("decoder.12.bias")) {
                v[0] = 0.25f;
            }
        });
        float[] m = VqVaeDecoder.load(p).decode(ids(1));
        for (float v : m) {
            assertEquals(0.25f, v);
        }
    }

    /**
     * Weights that make the decoder a nearest-neighbour upscaler of codebook entry → value: C = 1,
     * embedding[i] = i, decoder.0 and decoder.12 pass channel 0 through, the residual blocks add zero,
     * and each ConvTranspose(k4, s2, p1) has ones at taps 1..2 × 1..2 of channel 0 → 0, which sends
     * input row iy to output rows 2·iy and 2·iy + 1. So mask[y][x] = ids[(y/16)·4 + x/16] + bias:
     * this pins the codebook lookup, the 4x4 row-major grid and the upsampling geometry.
     */
    @Test
    void nearestUpscalingWeightsShowTheGridLayout() throws IOException {
        Path p = write("nearest.safetensors", shapes(1), (name, v) -> {
            switch (name) {
                case "_vq_vae._embedding" -> {
                    for (int i = 0; i < 128; i++) {
                        v[i] = i;
                    }
                }
                case "decoder.0.weight", "decoder.12.weight" -> v[0] = 1;
                case "decoder.12.bias" -> v[0] = -0.5f;
                case "decoder.4.weight", "decoder.6.weight", "decoder.8.weight", "decoder.10.weight" -> {
                    v[5] = v[6] = v[9] = v[10] = 1; // w[0][0][1..2][1..2]
                }
                default -> { }
            }
        });
        int[] ids = ids(3);
        float[] m = VqVaeDecoder.load(p).decode(ids);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                assertEquals(ids[(y / 16) * 4 + x / 16] - 0.5f, m[y * 64 + x], "at " + x + "," + y);
            }
        }
    }

    @Test
    void namesTheMissingOrMisshapenTensor() throws IOException {
        Map<String, long[]> missing = shapes(C);
        missing.remove("decoder.8.bias");
        String msg = reject(write("missing.safetensors", missing, (n, v) -> { }));
        assertTrue(msg.contains("missing tensor decoder.8.bias") && msg.contains("missing.safetensors"), msg);

        Map<String, long[]> swapped = shapes(C);
        swapped.put("decoder.6.weight", new long[] {64, 128, 4, 4});
        msg = reject(write("swapped.safetensors", swapped, (n, v) -> { }));
        assertTrue(msg.contains("decoder.6.weight has shape [64, 128, 4, 4], expected [128, 64, 4, 4]"), msg);

        Map<String, long[]> codebook = shapes(C);
        codebook.put("_vq_vae._embedding", new long[] {64, C});
        msg = reject(write("codebook.safetensors", codebook, (n, v) -> { }));
        assertTrue(msg.contains("_vq_vae._embedding has shape [64, 8]"), msg);

        Map<String, long[]> width = shapes(C);
        width.put("decoder.0.weight", new long[] {128, C + 1, 1, 1});
        msg = reject(write("width.safetensors", width, (n, v) -> { }));
        assertTrue(msg.contains("decoder.0.weight has shape [128, 9, 1, 1], expected [128, 8, 1, 1]"), msg);
    }

    @Test
    void rejectsBadSegIds() throws IOException {
        VqVaeDecoder dec = VqVaeDecoder.load(write("ok.safetensors", shapes(C), (n, v) -> { }));
        int[] high = ids(0);
        high[7] = 128;
        assertThrows(BadInputException.class, () -> dec.decode(high));
        assertThrows(BadInputException.class, () -> dec.decode(new int[15]));
    }

    private static String reject(Path p) {
        BadInputException e = assertThrows(BadInputException.class, () -> VqVaeDecoder.load(p));
        assertFalse(e.getMessage().contains("\n"), "one line");
        return e.getMessage();
    }
}
