package io.paligemma4j.tests;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A VQ-VAE decoder file of the right names and shapes, all zeros: enough for segment to run. */
final class VaeFile {
    private VaeFile() {}

    static Path path(Path dir) throws IOException {
        Path p = dir.resolve("vae-zeros.safetensors");
        if (Files.isRegularFile(p)) {
            return p;
        }
        SafetensorsWriter w = new SafetensorsWriter();
        add(w, "_vq_vae._embedding", 128, 8);
        add(w, "decoder.0.weight", 128, 8, 1, 1);
        add(w, "decoder.0.bias", 128);
        for (String block : new String[] {"decoder.2.net.", "decoder.3.net."}) {
            for (String conv : new String[] {"0", "2", "4"}) {
                int k = conv.equals("4") ? 1 : 3;
                add(w, block + conv + ".weight", 128, 128, k, k);
                add(w, block + conv + ".bias", 128);
            }
        }
        int[] ch = {128, 128, 64, 32, 16};
        String[] up = {"decoder.4", "decoder.6", "decoder.8", "decoder.10"};
        for (int i = 0; i < up.length; i++) {
            add(w, up[i] + ".weight", ch[i], ch[i + 1], 4, 4);
            add(w, up[i] + ".bias", ch[i + 1]);
        }
        add(w, "decoder.12.weight", 1, 16, 1, 1);
        add(w, "decoder.12.bias", 1);
        w.write(p);
        return p;
    }

    private static void add(SafetensorsWriter w, String name, long... shape) {
        w.addFloats(name, DType.F32, shape, new float[Math.toIntExact(Tensor.numel(shape))]);
    }
}
