package io.paligemma4j.loader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a Hugging Face PaliGemma {@code config.json} into typed records, applying the defaults
 * Hugging Face applies to absent keys (SiglipVisionConfig, GemmaConfig, Gemma2Config), and
 * checks that the numbers are consistent. Every failure names the key.
 */
public final class ConfigReader {
    /** Activations that are the tanh approximation of GELU under Hugging Face's names. */
    private static final Set<String> GELU_TANH = Set.of("gelu_pytorch_tanh", "gelu_new", "gelu_fast");

    private final String file;

    private ConfigReader(String file) {
        this.file = file;
    }

    public static PaliGemmaConfig read(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new BadInputException("config " + path + ": no such file");
        } catch (IOException e) {
            throw new BadInputException("config " + path + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, path.toString());
    }

    public static PaliGemmaConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadInputException("config " + source + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException("config " + source + " is not a JSON object");
        }
        return new ConfigReader(source).paligemma(root);
    }

    private PaliGemmaConfig paligemma(JsonNode root) {
        String type = str(root, "model_type", null);
        if (type == null) {
            throw bad("has no model_type");
        }
        if (!type.equals("paligemma")) {
            throw bad("has model_type '" + type + "'; paligemma4j reads 'paligemma' configs");
        }
        JsonNode v = root.get("vision_config");
        JsonNode t = root.get("text_config");
        if (v == null || !v.isObject()) {
            throw bad("has no vision_config object");
        }
        if (t == null || !t.isObject()) {
            throw bad("has no text_config object");
        }
        VisionConfig vision = vision(v);
        TextConfig text = text(t, root);
        int imageToken = root.has("image_token_index")
                ? integer(root, "image_token_index", 256000)
                : integer(root, "image_token_id", 256000);
        int version = text.isGemma2() ? 2 : 1;
        if (root.has("projection_dim") && integer(root, "projection_dim", 0) != text.hiddenSize()) {
            throw bad("projection_dim " + integer(root, "projection_dim", 0)
                    + " disagrees with text_config.hidden_size " + text.hiddenSize());
        }
        if (imageToken < 0) {
            throw bad("image_token_index " + imageToken + " is negative");
        }
        return new PaliGemmaConfig(vision, text, imageToken, version);
    }

    private VisionConfig vision(JsonNode v) {
        String type = str(v, "model_type", "siglip_vision_model");
        if (!type.equals("siglip_vision_model")) {
            throw bad("has vision_config.model_type '" + type + "'; only siglip_vision_model is supported");
        }
        if (v.path("vision_use_head").asBoolean(false)) {
            throw bad("sets vision_config.vision_use_head; PaliGemma's tower has no pooling head");
        }
        // SiglipVisionConfig defaults.
        VisionConfig c = new VisionConfig(
                positive(v, "hidden_size", 768, "vision_config."),
                positive(v, "intermediate_size", 3072, "vision_config."),
                positive(v, "num_hidden_layers", 12, "vision_config."),
                positive(v, "num_attention_heads", 12, "vision_config."),
                positive(v, "num_channels", 3, "vision_config."),
                positive(v, "image_size", 224, "vision_config."),
                positive(v, "patch_size", 16, "vision_config."),
                activation(v, "vision_config.", "hidden_act"),
                positiveReal(v, "layer_norm_eps", 1e-6, "vision_config."));
        if (c.hiddenSize() % c.numHeads() != 0) {
            throw bad("vision_config.hidden_size " + c.hiddenSize() + " is not divisible by num_attention_heads "
                    + c.numHeads());
        }
        if (c.imageSize() % c.patchSize() != 0) {
            throw bad("vision_config.image_size " + c.imageSize() + " is not a multiple of patch_size "
                    + c.patchSize());
        }
        if (c.numChannels() != 3) {
            throw bad("vision_config.num_channels is " + c.numChannels() + "; PaliGemma takes RGB (3)");
        }
        return c;
    }

    private TextConfig text(JsonNode t, JsonNode root) {
        String type = str(t, "model_type", "gemma");
        if (!type.equals("gemma") && !type.equals("gemma2")) {
            throw bad("has text_config.model_type '" + type + "'; supported: gemma, gemma2");
        }
        boolean g2 = type.equals("gemma2");
        String p = "text_config.";
        int hidden = positive(t, "hidden_size", g2 ? 2304 : 3072, p);
        int heads = positive(t, "num_attention_heads", g2 ? 8 : 16, p);
        int kvHeads = positive(t, "num_key_value_heads", g2 ? 4 : 16, p);
        int headDim = positive(t, "head_dim", 256, p);
        int layers = positive(t, "num_hidden_layers", g2 ? 26 : 28, p);
        if (heads % kvHeads != 0) {
            throw bad("text_config.num_attention_heads " + heads + " is not a multiple of num_key_value_heads "
                    + kvHeads);
        }
        // Both keys exist in the wild; Gemma 2 names it hidden_activation.
        String act = t.has("hidden_activation") && !t.get("hidden_activation").isNull()
                ? activation(t, p, "hidden_activation") : activation(t, p, "hidden_act");
        int vocab = positive(t, "vocab_size", root.path("vocab_size").asInt(256000), p);
        double qScalar = g2 ? positiveReal(t, "query_pre_attn_scalar", 256, p) : headDim;
        int window = 0;
        List<Boolean> sliding = new ArrayList<>();
        if (g2) {
            window = t.has("sliding_window") && t.get("sliding_window").isNull()
                    ? 0 : nonNegative(t, "sliding_window", 4096, p);
            JsonNode lt = t.get("layer_types");
            if (lt != null && !lt.isNull()) {
                if (!lt.isArray() || lt.size() != layers) {
                    throw bad("text_config.layer_types must list one type per layer (" + layers + ")");
                }
                for (JsonNode n : lt) {
                    String s = n.asText();
                    if (!s.equals("sliding_attention") && !s.equals("full_attention")) {
                        throw bad("text_config.layer_types has unknown type '" + s + "'");
                    }
                    sliding.add(window > 0 && s.equals("sliding_attention"));
                }
            } else {
                // Hugging Face Gemma 2: layer 0, 2, 4, ... slide; odd layers attend fully.
                for (int j = 0; j < layers; j++) {
                    sliding.add(window > 0 && j % 2 == 0);
                }
            }
        } else {
            for (int j = 0; j < layers; j++) {
                sliding.add(false);
            }
        }
        double attnCap = g2 ? optionalReal(t, "attn_logit_softcapping", 50.0, p) : 0;
        double finalCap = g2 ? optionalReal(t, "final_logit_softcapping", 30.0, p) : 0;
        return new TextConfig(type, hidden,
                positive(t, "intermediate_size", g2 ? 9216 : 24576, p),
                layers, heads, kvHeads, headDim, vocab,
                positiveReal(t, "rms_norm_eps", 1e-6, p),
                positiveReal(t, "rope_theta", 10000.0, p),
                positive(t, "max_position_embeddings", 8192, p),
                act, qScalar, window, sliding, attnCap, finalCap,
                nonNegative(t, "bos_token_id", 2, p),
                eosIds(t),
                nonNegative(t, "pad_token_id", 0, p));
    }

    private List<Integer> eosIds(JsonNode t) {
        JsonNode e = t.get("eos_token_id");
        if (e == null || e.isNull()) {
            return List.of(1);
        }
        List<Integer> ids = new ArrayList<>();
        if (e.isArray()) {
            for (JsonNode n : e) {
                if (!n.isInt() || n.asInt() < 0) {
                    throw bad("text_config.eos_token_id has a non-integer entry " + n);
                }
                ids.add(n.asInt());
            }
        } else if (e.isInt() && e.asInt() >= 0) {
            ids.add(e.asInt());
        } else {
            throw bad("text_config.eos_token_id is " + e + ", not a token id");
        }
        return ids;
    }

    private String activation(JsonNode n, String prefix, String key) {
        String act = str(n, key, "gelu_pytorch_tanh");
        if (!GELU_TANH.contains(act)) {
            throw bad("has " + prefix + key + " '" + act + "'; supported: " + GELU_TANH);
        }
        return act;
    }

    private String str(JsonNode n, String key, String dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw bad("key " + key + " is " + v + ", not a string");
        }
        return v.asText();
    }

    private int integer(JsonNode n, String key, int dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw bad("key " + key + " is " + v + ", not an integer");
        }
        return v.asInt();
    }

    private int positive(JsonNode n, String key, int dflt, String prefix) {
        int x = integer(n, key, dflt);
        if (x <= 0) {
            throw bad("key " + prefix + key + " is " + x + "; it must be positive");
        }
        return x;
    }

    private int nonNegative(JsonNode n, String key, int dflt, String prefix) {
        int x = integer(n, key, dflt);
        if (x < 0) {
            throw bad("key " + prefix + key + " is " + x + "; it must not be negative");
        }
        return x;
    }

    private double real(JsonNode n, String key, double dflt, String prefix) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw bad("key " + prefix + key + " is " + v + ", not a finite number");
        }
        return v.asDouble();
    }

    private double positiveReal(JsonNode n, String key, double dflt, String prefix) {
        double x = real(n, key, dflt, prefix);
        if (!(x > 0)) {
            throw bad("key " + prefix + key + " is " + x + "; it must be positive");
        }
        return x;
    }

    /** A soft-cap: absent means the default, JSON null means disabled (0). */
    private double optionalReal(JsonNode n, String key, double dflt, String prefix) {
        JsonNode v = n.get(key);
        if (v != null && v.isNull()) {
            return 0;
        }
        double x = real(n, key, dflt, prefix);
        if (x < 0) {
            throw bad("key " + prefix + key + " is " + x + "; it must not be negative");
        }
        return x;
    }

    private BadInputException bad(String what) {
        return new BadInputException("config " + file + " " + what);
    }
}
