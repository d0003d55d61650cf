package io.paligemma4j.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes altered copies of a fixture checkpoint: other dtypes, rounded values, shards. */
final class ModelCopies {
    private ModelCopies() {}

    /** Every tensor stored as {@code dtype}. */
    static Path convert(Path src, Path dst, DType dtype) throws IOException {
        return rewrite(src, dst, dtype, null, 1);
    }

    /** Every tensor stored as F32 but rounded to {@code precision} first. */
    static Path rounded(Path src, Path dst, DType precision) throws IOException {
        return rewrite(src, dst, DType.F32, precision, 1);
    }

    /** The same F32 tensors spread over {@code shards} files with an index. */
    static Path sharded(Path src, Path dst, int shards) throws IOException {
        return rewrite(src, dst, DType.F32, null, shards);
    }

    private static Path rewrite(Path src, Path dst, DType dtype, DType roundTo, int shards) throws IOException {
        Files.createDirectories(dst);
        Files.copy(src.resolve("config.json"), dst.resolve("config.json"));
        try (Checkpoint c = Checkpoint.open(src)) {
            List<Map.Entry<String, Tensor>> all = new ArrayList<>(c.tensors().entrySet());
            ObjectMapper json = new ObjectMapper();
            ObjectNode index = json.createObjectNode();
            index.putObject("metadata").put("total_size", c.byteSize());
            ObjectNode map = index.putObject("weight_map");
            for (int s = 0; s < shards; s++) {
                SafetensorsWriter w = new SafetensorsWriter();
                String file = shards == 1 ? Checkpoint.SINGLE
                        : String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
                for (int i = s; i < all.size(); i += shards) {
                    Tensor t = all.get(i).getValue();
                    float[] v = new float[Math.toIntExact(t.numel())];
                    for (int k = 0; k < v.length; k++) {
                        v[k] = roundTo == null ? t.getFloat(k) : Tensor.roundTo(roundTo, t.getFloat(k));
                    }
                    w.addFloats(t.name(), dtype, t.shape(), v);
                    map.put(t.name(), file);
                }
                w.write(dst.resolve(file));
            }
            if (shards > 1) {
                json.writeValue(dst.resolve(Checkpoint.INDEX).toFile(), index);
            }
        }
        return dst;
    }

    /** Replaces a key of config.json's text_config. */
    static void setTextConfig(Path dir, String key, Object value) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        ((ObjectNode) root.get("text_config")).putPOJO(key, value);
        json.writeValue(dir.resolve("config.json").toFile(), root);
    }
}
