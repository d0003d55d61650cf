package io.paligemma4j.loader;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    private void shard(String file, String... names) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (String n : names) {
            w.addFloats(n, DType.F32, new long[] {2}, new float[] {1, 2});
        }
        w.write(dir.resolve(file));
    }

    private void index(String json) throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX), json);
    }

    @Test
    void readsShardedCheckpointThroughIndex() throws IOException {
        shard("model-00001-of-00002.safetensors", "language_model.model.norm.weight");
        shard("model-00002-of-00002.safetensors", "vision_tower.vision_model.post_layernorm.weight");
        index("{\"metadata\":{\"total_size\":16},\"weight_map\":{"
                + "\"language_model.model.norm.weight\":\"model-00001-of-00002.safetensors\","
                + "\"vision_tower.vision_model.post_layernorm.weight\":\"model-00002-of-00002.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(2, c.tensors().size());
            assertEquals(2f, c.get("language_model.model.norm.weight").getFloat(1));
            assertEquals(16, c.byteSize());
        }
    }

    @Test
    void mapsNewerTensorNamesToCanonicalOnes() throws IOException {
        shard(Checkpoint.SINGLE, "model.language_model.norm.weight", "model.vision_tower.vision_model.x",
                "model.multi_modal_projector.linear.bias", "lm_head.weight");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertTrue(c.has("language_model.model.norm.weight"));
            assertTrue(c.has("vision_tower.vision_model.x"));
            assertTrue(c.has("multi_modal_projector.linear.bias"));
            assertTrue(c.has("language_model.lm_head.weight"));
        }
    }

    @Test
    void rejectsBothNamingSchemesForOneTensor() throws IOException {
        shard(Checkpoint.SINGLE, "model.language_model.norm.weight", "language_model.model.norm.weight");
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("stored twice"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        shard(Checkpoint.SINGLE, "a");
        try (Checkpoint c = Checkpoint.open(dir)) {
            BadInputException e = assertThrows(BadInputException.class, () -> c.get("language_model.model.norm.weight"));
            assertTrue(e.getMessage().contains("missing tensor language_model.model.norm.weight"), e.getMessage());
        }
    }

    @Test
    void rejectsBrokenIndexes() throws IOException {
        shard("a.safetensors", "x");
        index("{\"weight_map\":{\"x\":\"b.safetensors\"}}");
        assertTrue(assertThrows(BadInputException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("does not exist"));
        index("{\"weight_map\":{\"y\":\"a.safetensors\"}}");
        assertTrue(assertThrows(BadInputException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("does not contain it"));
        index("{\"weight_map\":{\"x\":\"../a.safetensors\"}}");
        assertTrue(assertThrows(BadInputException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("outside"));
        index("{\"weight_map\": 3}");
        assertTrue(assertThrows(BadInputException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("no weight_map"));
        index("{not json");
        assertTrue(assertThrows(BadInputException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("not valid JSON"));
    }

    @Test
    void rejectsDirectoryWithoutCheckpoint() {
        assertTrue(assertThrows(BadInputException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("has neither"));
        assertTrue(assertThrows(BadInputException.class, () -> Checkpoint.open(dir.resolve("nope"))).getMessage()
                .contains("no such file"));
    }
}
