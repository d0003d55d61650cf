package io.paligemma4j.loader;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ConfigReaderTest {
    /** The shape of google/paligemma-3b-pt-224's config.json: no image_size, head_dim or hidden_act. */
    static final String PG1_224 = """
            {"architectures":["PaliGemmaForConditionalGeneration"],"bos_token_id":2,"eos_token_id":1,
             "hidden_size":2048,"image_token_index":257152,"model_type":"paligemma","pad_token_id":0,
             "projection_dim":2048,
             "text_config":{"hidden_size":2048,"intermediate_size":16384,"model_type":"gemma",
               "num_attention_heads":8,"num_hidden_layers":18,"num_image_tokens":256,"num_key_value_heads":1,
               "torch_dtype":"float32","vocab_size":257216},
             "torch_dtype":"float32","transformers_version":"4.41.0.dev0",
             "vision_config":{"hidden_size":1152,"intermediate_size":4304,"model_type":"siglip_vision_model",
               "num_attention_heads":16,"num_hidden_layers":27,"num_image_tokens":256,"patch_size":14,
               "projection_dim":2048,"projector_hidden_act":"gelu_fast","vision_use_head":false}}
            """;

    /** PaliGemma 2 3B: stale top-level hidden_size 2048, text width 2304, Gemma 2 defaults. */
    static final String PG2_224 = """
            {"model_type":"paligemma","hidden_size":2048,"image_token_index":257152,"projection_dim":2304,
             "num_hidden_layers":26,
             "text_config":{"hidden_activation":"gelu_pytorch_tanh","hidden_size":2304,"intermediate_size":9216,
               "model_type":"gemma2","num_attention_heads":8,"num_hidden_layers":26,"num_image_tokens":256,
               "num_key_value_heads":4,"vocab_size":257216,"eos_token_id":[1,107]},
             "vision_config":{"hidden_size":1152,"intermediate_size":4304,"model_type":"siglip_vision_model",
               "num_attention_heads":16,"num_hidden_layers":27,"num_image_tokens":256,"num_positions":256,
               "patch_size":14,"projection_dim":2304,"vision_use_head":false}}
            """;

    @Test
    void appliesHuggingFaceDefaultsToPaliGemma1() {
        PaliGemmaConfig c = ConfigReader.parse(PG1_224, "pg1");
        assertEquals(224, c.vision().imageSize());
        assertEquals(256, c.numImageTokens());
        assertEquals(72, c.vision().headDim());
        assertEquals(1e-6, c.vision().layerNormEps());
        assertEquals(256, c.text().headDim());
        assertEquals("gelu_pytorch_tanh", c.text().hiddenAct());
        assertEquals(10000.0, c.text().ropeTheta());
        assertEquals(1.0 / 16, c.text().attentionScale(), 1e-12);
        assertEquals(0, c.text().attnLogitSoftcap());
        assertEquals(0, c.text().finalLogitSoftcap());
        assertEquals(257152, c.imageTokenIndex());
        assertEquals(1, c.version());
        assertTrue(c.text().sliding().stream().noneMatch(b -> b));
    }

    @Test
    void readsPaliGemma2WithTextWidthFromTextConfig() {
        PaliGemmaConfig c = ConfigReader.parse(PG2_224, "pg2");
        assertEquals(2304, c.text().hiddenSize(), "the top-level hidden_size is stale");
        assertEquals(2, c.version());
        assertEquals(256.0, c.text().queryPreAttnScalar());
        assertEquals(50.0, c.text().attnLogitSoftcap());
        assertEquals(30.0, c.text().finalLogitSoftcap());
        assertEquals(4096, c.text().slidingWindow());
        assertTrue(c.text().sliding().get(0), "layer 0 slides");
        assertFalse(c.text().sliding().get(1), "layer 1 attends fully");
        assertEquals(4096, c.text().windowOf(24));
        assertEquals(0, c.text().windowOf(25));
        assertEquals(java.util.List.of(1, 107), c.text().eosIds());
    }

    @Test
    void explicitLayerTypesAndDisabledCapsAreHonoured() {
        String json = PG2_224.replace("\"eos_token_id\":[1,107]", "\"eos_token_id\":[1,107],"
                + "\"final_logit_softcapping\":null,\"num_hidden_layers\":2,"
                + "\"layer_types\":[\"full_attention\",\"sliding_attention\"]")
                .replace("\"num_hidden_layers\":26,\"num_image_tokens\"", "\"num_image_tokens\"");
        TextConfig t = ConfigReader.parse(json, "x").text();
        assertEquals(0, t.finalLogitSoftcap());
        assertEquals(java.util.List.of(false, true), t.sliding());
    }

    private String reject(String json) {
        BadInputException e = assertThrows(BadInputException.class, () -> ConfigReader.parse(json, "cfg.json"));
        assertTrue(e.getMessage().startsWith("config cfg.json"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void rejectsBrokenConfigsNamingTheKey() {
        assertTrue(reject("{").contains("not valid JSON"));
        assertTrue(reject("{\"model_type\":\"llava\"}").contains("'llava'"));
        assertTrue(reject("{}").contains("no model_type"));
        assertTrue(reject("{\"model_type\":\"paligemma\",\"text_config\":{}}").contains("vision_config"));
        assertTrue(reject(PG1_224.replace("\"model_type\":\"gemma\"", "\"model_type\":\"llama\"")).contains("'llama'"));
        assertTrue(reject(PG1_224.replace("\"num_key_value_heads\":1", "\"num_key_value_heads\":3"))
                .contains("num_key_value_heads"));
        assertTrue(reject(PG1_224.replace("\"num_hidden_layers\":18", "\"num_hidden_layers\":-1"))
                .contains("text_config.num_hidden_layers"));
        assertTrue(reject(PG1_224.replace("\"patch_size\":14", "\"patch_size\":15")).contains("patch_size"));
        assertTrue(reject(PG1_224.replace("\"hidden_size\":2048,\"intermediate_size\"", "\"hidden_size\":\"big\",\"intermediate_size\""))
                .contains("hidden_size"));
        assertTrue(reject(PG1_224.replace("\"projection_dim\":2048,\n", "\"projection_dim\":1000,\n"))
                .contains("projection_dim"));
        assertTrue(reject(PG1_224.replace("\"model_type\":\"gemma\"", "\"model_type\":\"gemma\",\"hidden_act\":\"relu\""))
                .contains("relu"));
    }
}
