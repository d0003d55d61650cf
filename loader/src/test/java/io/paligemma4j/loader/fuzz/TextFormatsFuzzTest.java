package io.paligemma4j.loader.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.ConfigReader;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fuzz targets for config.json, both tokenizer formats and image decoding (same contract as SafetensorsFuzzTest). */
class TextFormatsFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void config(byte[] data) {
        try {
            ConfigReader.parse(new String(data, StandardCharsets.UTF_8), "fuzz");
        } catch (BadInputException expected) {
            // a clear rejection is a pass
        }
    }

    @FuzzTest(maxDuration = "10m")
    void tokenizerJson(byte[] data) throws IOException {
        tokenizer(data, "tokenizer.json");
    }

    @FuzzTest(maxDuration = "10m")
    void sentencePieceModel(byte[] data) throws IOException {
        tokenizer(data, "tokenizer.model");
    }

    private static void tokenizer(byte[] data, String name) throws IOException {
        Path dir = Files.createTempDirectory("fuzz-tok");
        try {
            Files.write(dir.resolve(name), data);
            GemmaTokenizer t = GemmaTokenizer.load(dir);
            int[] ids = t.encode("caption en <loc0001> 12 héllo 😀\n");
            t.decode(ids);
        } catch (BadInputException expected) {
            // a clear rejection is a pass
        } finally {
            Fuzz.deleteTree(dir);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void image(byte[] data) throws IOException {
        Path f = Files.createTempFile("fuzz", ".img");
        try {
            Files.write(f, data);
            Preprocess.pixels(ImageLoader.load(f, 1 << 22), 14);
        } catch (BadInputException expected) {
            // a clear rejection is a pass
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
