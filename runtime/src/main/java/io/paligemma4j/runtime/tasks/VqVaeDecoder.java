package io.paligemma4j.runtime.tasks;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.SafetensorsFile;
import io.paligemma4j.loader.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Turns the 16 {@code <segNNN>} codebook indices of a segmentation answer into 64×64 mask logits
 * (spec 7.3; big_vision {@code evaluators/proj/paligemma/transfers/segmentation.py}, {@code Decoder}).
 * In PyTorch terms, with C the codebook width:
 * <pre>
 * x = codebook[idx] as [C, 4, 4]                 (index k at row k / 4, column k % 4)
 * x = relu(Conv2d(C→128, 1x1))                   decoder.0
 * x = x + conv1x1(relu(conv3x3(relu(conv3x3(x))))) twice, 3x3 padded by 1: decoder.{2,3}.net.{0,2,4}
 * x = relu(ConvTranspose2d(k4, s2, p1)) ×4       decoder.4 (128→128), .6 (→64), .8 (→32), .10 (→16)
 * m = Conv2d(16→1, 1x1)                          decoder.12; roughly in [−1, 1], object where > 0
 * </pre>
 *
 * <p>The weight file ({@code --vae FILE}) is safetensors holding F32, F16 or BF16 tensors named
 * and shaped as PyTorch stores them (Conv2d {@code [out, in, kH, kW]}, ConvTranspose2d
 * {@code [in, out, kH, kW]}); other tensors in it are ignored:
 * <pre>
 * _vq_vae._embedding             [128, C]
 * decoder.0.weight               [128, C, 1, 1]     decoder.0.bias     [128]
 * decoder.{2,3}.net.{0,2}.weight [128, 128, 3, 3]   ...bias            [128]
 * decoder.{2,3}.net.4.weight     [128, 128, 1, 1]   ...bias            [128]
 * decoder.4.weight               [128, 128, 4, 4]   decoder.4.bias     [128]
 * decoder.6.weight               [128, 64, 4, 4]    decoder.6.bias     [64]
 * decoder.8.weight               [64, 32, 4, 4]     decoder.8.bias     [32]
 * decoder.10.weight              [32, 16, 4, 4]     decoder.10.bias    [16]
 * decoder.12.weight              [1, 16, 1, 1]      decoder.12.bias    [1]
 * </pre>
 * big_vision's {@code gs://big_vision/paligemma/vae-oid.npz} already uses exactly these keys
 * (its {@code _get_params} reads them and transposes to Flax), so converting is a plain copy:
 * <pre>
 * import numpy as np; from safetensors.numpy import save_file
 * npz = np.load("vae-oid.npz")
 * save_file({k: np.ascontiguousarray(npz[k], np.float32) for k in npz.files
 *            if k == "_vq_vae._embedding" or k.startswith("decoder.")}, "vae-oid.safetensors")
 * </pre>
 */
public final class VqVaeDecoder {
    public static final int CODES = 128;
    public static final int MASK_SIZE = 64;
    private static final int GRID = 4;
    private static final int DIM = 128;
    private static final String[] UP_NAMES = {"decoder.4", "decoder.6", "decoder.8", "decoder.10"};
    private static final int[] UP_CHANNELS = {128, 128, 64, 32, 16};

    private record Layer(float[] weight, float[] bias) {}

    private final int width;
    private final float[] codebook;
    private final Layer first;
    private final Layer[] res;
    private final Layer[] up;
    private final Layer last;

    private VqVaeDecoder(int width, float[] codebook, Layer first, Layer[] res, Layer[] up, Layer last) {
        this.width = width;
        this.codebook = codebook;
        this.first = first;
        this.res = res;
        this.up = up;
        this.last = last;
    }

    /** Reads and checks every tensor; the file is not kept open. */
    public static VqVaeDecoder load(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            Weights w = new Weights(file, SafetensorsFile.open(file, arena).tensors());
            Tensor emb = w.get("_vq_vae._embedding");
            if (emb.rank() != 2 || emb.dim(0) != CODES || emb.dim(1) < 1) {
                throw w.bad("tensor _vq_vae._embedding has shape " + Arrays.toString(emb.shape())
                        + ", expected [" + CODES + ", C] with C >= 1");
            }
            int c = Math.toIntExact(emb.dim(1));
            Layer first = w.layer("decoder.0", DIM, c, 1, DIM);
            Layer[] res = new Layer[6];
            for (int b = 0; b < 2; b++) {
                String net = "decoder." + (b + 2) + ".net.";
                res[3 * b] = w.layer(net + "0", DIM, DIM, 3, DIM);
                res[3 * b + 1] = w.layer(net + "2", DIM, DIM, 3, DIM);
                res[3 * b + 2] = w.layer(net + "4", DIM, DIM, 1, DIM);
            }
            Layer[] up = new Layer[UP_NAMES.length];
            for (int i = 0; i < up.length; i++) {
                up[i] = w.layer(UP_NAMES[i], UP_CHANNELS[i], UP_CHANNELS[i + 1], 4, UP_CHANNELS[i + 1]);
            }
            Layer last = w.layer("decoder.12", 1, UP_CHANNELS[UP_NAMES.length], 1, 1);
            return new VqVaeDecoder(c, w.floats(emb), first, res, up, last);
        }
    }

    /** Codebook width C. */
    public int embeddingDim() {
        return width;
    }

    /** Mask logits for 16 codebook indices (each 0…127), row-major 64×64. */
    public float[] decode(int[] segIds) {
        if (segIds.length != Detection.SEG_TOKENS) {
            throw new BadInputException("a mask needs " + Detection.SEG_TOKENS + " seg ids, got " + segIds.length);
        }
        float[] x = new float[width * GRID * GRID];
        for (int k = 0; k < segIds.length; k++) {
            int id = segIds[k];
            if (id < 0 || id >= CODES) {
                throw new BadInputException("seg id " + id + " is outside 0.." + (CODES - 1));
            }
            for (int ch = 0; ch < width; ch++) {
                x[ch * GRID * GRID + k] = codebook[id * width + ch];
            }
        }
        x = Conv.relu(Conv.conv2d(x, width, GRID, GRID, first.weight, first.bias, DIM, 1, 0));
        for (int b = 0; b < 2; b++) {
            Layer c0 = res[3 * b];
            Layer c1 = res[3 * b + 1];
            Layer c2 = res[3 * b + 2];
            float[] y = Conv.relu(Conv.conv2d(x, DIM, GRID, GRID, c0.weight, c0.bias, DIM, 3, 1));
            y = Conv.relu(Conv.conv2d(y, DIM, GRID, GRID, c1.weight, c1.bias, DIM, 3, 1));
            y = Conv.conv2d(y, DIM, GRID, GRID, c2.weight, c2.bias, DIM, 1, 0);
            for (int i = 0; i < x.length; i++) {
                x[i] += y[i];
            }
        }
        int side = GRID;
        for (int i = 0; i < up.length; i++) {
            x = Conv.relu(Conv.convTranspose2d(x, UP_CHANNELS[i], side, side, up[i].weight, up[i].bias,
                    UP_CHANNELS[i + 1], 4, 2, 1));
            side *= 2;
        }
        return Conv.conv2d(x, UP_CHANNELS[up.length], side, side, last.weight, last.bias, 1, 1, 0);
    }

    /** Looks tensors up by name, checks them, copies them to the heap; errors name the file. */
    private record Weights(Path file, Map<String, Tensor> tensors) {
        Tensor get(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw bad("missing tensor " + name + " (expected names: see VqVaeDecoder)");
            }
            if (!t.dtype().isFloatWeight()) {
                throw bad("tensor " + name + " has dtype " + t.dtype() + "; expected F32, F16 or BF16");
            }
            return t;
        }

        /** {@code name.weight [d0, d1, k, k]} and {@code name.bias [biasLen]}. */
        Layer layer(String name, int d0, int d1, int k, int biasLen) {
            return new Layer(floats(shaped(name + ".weight", d0, d1, k, k)), floats(shaped(name + ".bias", biasLen)));
        }

        private Tensor shaped(String name, long... shape) {
            Tensor t = get(name);
            if (!Arrays.equals(t.shape(), shape)) {
                throw bad("tensor " + name + " has shape " + Arrays.toString(t.shape()) + ", expected "
                        + Arrays.toString(shape));
            }
            return t;
        }

        float[] floats(Tensor t) {
            float[] v = new float[Math.toIntExact(t.numel())];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloat(i);
            }
            return v;
        }

        BadInputException bad(String what) {
            return new BadInputException("VQ-VAE file " + file + ": " + what);
        }
    }
}
