package io.paligemma4j.runtime;

import io.paligemma4j.loader.DType;
import io.paligemma4j.loader.SafetensorsWriter;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.loader.TensorNames;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Full-size PaliGemma checkpoints with random BF16 weights, for benchmarks: real shapes and
 * Hugging Face tensor names, deterministic values (a hash of tensor index and element), written
 * once into a cache directory. Values are small (|w| ≤ 0.03) so activations stay finite.
 */
public final class SyntheticModels {
    /** PaliGemma 1 3B at 224 px (Gemma 2B decoder) and PaliGemma 2 3B at 224 px (Gemma 2 2B). */
    public enum Variant {
        PALIGEMMA_3B_224("paligemma-3b-224", """
                {"model_type":"paligemma","image_token_index":257152,"projection_dim":2048,"hidden_size":2048,
                 "vision_config":{"model_type":"siglip_vision_model","hidden_size":1152,"intermediate_size":4304,
                   "num_hidden_layers":27,"num_attention_heads":16,"patch_size":14,"vision_use_head":false},
                 "text_config":{"model_type":"gemma","hidden_size":2048,"intermediate_size":16384,
                   "num_hidden_layers":18,"num_attention_heads":8,"num_key_value_heads":1,"vocab_size":257216}}
                """),
        PALIGEMMA2_3B_224("paligemma2-3b-224", """
                {"model_type":"paligemma","image_token_index":257152,"projection_dim":2304,"hidden_size":2048,
                 "vision_config":{"model_type":"siglip_vision_model","hidden_size":1152,"intermediate_size":4304,
                   "num_hidden_layers":27,"num_attention_heads":16,"patch_size":14,"vision_use_head":false},
                 "text_config":{"model_type":"gemma2","hidden_size":2304,"intermediate_size":9216,
                   "num_hidden_layers":26,"num_attention_heads":8,"num_key_value_heads":4,"vocab_size":257216,
                   "hidden_activation":"gelu_pytorch_tanh","eos_token_id":[1,107]}}
                """);

        final String dirName;
        final String config;

        Variant(String dirName, String config) {
            this.dirName = dirName;
            this.config = config;
        }

        public String dirName() {
            return dirName;
        }
    }

    private SyntheticModels() {}

    /** The cache directory: {@code $PALIGEMMA_CACHE}, else {@code ~/.cache/paligemma4j}. */
    public static Path cacheDir() {
        String env = System.getenv("PALIGEMMA_CACHE");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "paligemma4j");
    }

    /** The checkpoint directory, written first if absent. config.json is written last: it marks completion. */
    public static Path ensure(Variant v, Path cache) throws IOException {
        Path dir = cache.resolve(v.dirName);
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Files.createDirectories(dir);
        var cfg = io.paligemma4j.loader.ConfigReader.parse(v.config, v.dirName);
        SafetensorsWriter w = new SafetensorsWriter();
        List<String> names = new ArrayList<>();
        for (var e : shapes(cfg)) {
            int seed = names.size();
            names.add(e.name());
            w.add(e.name(), DType.BF16, e.shape(), seg -> fill(seg, seed, e.name().endsWith("norm.weight")
                    || e.name().contains("layernorm") || e.name().contains("layer_norm")));
        }
        w.write(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), v.config);
        return dir;
    }

    private record Shape(String name, long[] shape) {}

    private static List<Shape> shapes(io.paligemma4j.loader.PaliGemmaConfig c) {
        TensorNames.Prefixes p = TensorNames.Prefixes.PALIGEMMA;
        var v = c.vision();
        var t = c.text();
        long dv = v.hiddenSize();
        long fv = v.intermediateSize();
        long d = t.hiddenSize();
        List<Shape> s = new ArrayList<>();
        s.add(new Shape(TensorNames.patchWeight(p), new long[] {dv, 3, v.patchSize(), v.patchSize()}));
        s.add(new Shape(TensorNames.patchBias(p), new long[] {dv}));
        s.add(new Shape(TensorNames.positionEmbedding(p), new long[] {v.numPatches(), dv}));
        for (int i = 0; i < v.numLayers(); i++) {
            for (String n : List.of("layer_norm1", "layer_norm2")) {
                s.add(new Shape(TensorNames.visionLayer(p, i, n + ".weight"), new long[] {dv}));
                s.add(new Shape(TensorNames.visionLayer(p, i, n + ".bias"), new long[] {dv}));
            }
            for (String n : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                s.add(new Shape(TensorNames.visionLayer(p, i, "self_attn." + n + ".weight"), new long[] {dv, dv}));
                s.add(new Shape(TensorNames.visionLayer(p, i, "self_attn." + n + ".bias"), new long[] {dv}));
            }
            s.add(new Shape(TensorNames.visionLayer(p, i, "mlp.fc1.weight"), new long[] {fv, dv}));
            s.add(new Shape(TensorNames.visionLayer(p, i, "mlp.fc1.bias"), new long[] {fv}));
            s.add(new Shape(TensorNames.visionLayer(p, i, "mlp.fc2.weight"), new long[] {dv, fv}));
            s.add(new Shape(TensorNames.visionLayer(p, i, "mlp.fc2.bias"), new long[] {dv}));
        }
        s.add(new Shape(TensorNames.postLayerNorm(p, "weight"), new long[] {dv}));
        s.add(new Shape(TensorNames.postLayerNorm(p, "bias"), new long[] {dv}));
        s.add(new Shape(TensorNames.projector(p, "weight"), new long[] {d, dv}));
        s.add(new Shape(TensorNames.projector(p, "bias"), new long[] {d}));
        s.add(new Shape(TensorNames.embedTokens(p), new long[] {t.vocabSize(), d}));
        List<String> norms = t.isGemma2()
                ? List.of("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                        "post_feedforward_layernorm")
                : List.of("input_layernorm", "post_attention_layernorm");
        for (int j = 0; j < t.numLayers(); j++) {
            for (String n : norms) {
                s.add(new Shape(TensorNames.textLayer(p, j, n + ".weight"), new long[] {d}));
            }
            s.add(new Shape(TensorNames.textLayer(p, j, "self_attn.q_proj.weight"), new long[] {t.qDim(), d}));
            s.add(new Shape(TensorNames.textLayer(p, j, "self_attn.k_proj.weight"), new long[] {t.kvDim(), d}));
            s.add(new Shape(TensorNames.textLayer(p, j, "self_attn.v_proj.weight"), new long[] {t.kvDim(), d}));
            s.add(new Shape(TensorNames.textLayer(p, j, "self_attn.o_proj.weight"), new long[] {d, t.qDim()}));
            s.add(new Shape(TensorNames.textLayer(p, j, "mlp.gate_proj.weight"), new long[] {t.intermediateSize(), d}));
            s.add(new Shape(TensorNames.textLayer(p, j, "mlp.up_proj.weight"), new long[] {t.intermediateSize(), d}));
            s.add(new Shape(TensorNames.textLayer(p, j, "mlp.down_proj.weight"), new long[] {d, t.intermediateSize()}));
        }
        s.add(new Shape(TensorNames.finalNorm(p), new long[] {d}));
        return s;
    }

    /** Deterministic values in [−0.03, 0.03] (norm weights: offsets in [−0.03, 0.03] around 0 or 1 alike). */
    private static void fill(MemorySegment seg, int seed, boolean norm) {
        long n = seg.byteSize() / 2;
        for (long i = 0; i < n; i++) {
            long h = (i + 1) * 0x9E3779B97F4A7C15L ^ (seed + 1) * 0xC2B2AE3D27D4EB4FL;
            h ^= h >>> 29;
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 32;
            float u = ((h >>> 40) / (float) (1L << 24) - 0.5f) * 0.06f;
            seg.set(Tensor.I16_LE, 2 * i, Tensor.floatToBf16(norm ? 1f + u : u));
        }
    }
}
