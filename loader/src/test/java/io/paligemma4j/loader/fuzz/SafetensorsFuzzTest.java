package io.paligemma4j.loader.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets for the checkpoint readers. In CI they run in regression mode over their corpus
 * (src/test/resources/.../SafetensorsFuzzTestInputs); {@code JAZZER_FUZZ=1} fuzzes one target.
 * The contract: any bytes either load or fail with {@link BadInputException}; nothing else escapes.
 */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void safetensorsFile(byte[] data) throws IOException {
        Path dir = Files.createTempDirectory("fuzz-st");
        try {
            Path f = dir.resolve(Checkpoint.SINGLE);
            Files.write(f, data);
            try (Checkpoint c = Checkpoint.open(dir)) {
                for (Tensor t : c.tensors().values()) {
                    if (t.dtype().isFloatWeight() && t.numel() > 0) {
                        t.getFloat(t.numel() - 1); // every tensor's last element is readable
                    }
                }
            } catch (BadInputException expected) {
                // a clear rejection is a pass
            }
        } finally {
            Fuzz.deleteTree(dir);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void shardIndex(byte[] data) throws IOException {
        Path dir = Files.createTempDirectory("fuzz-idx");
        try {
            Files.write(dir.resolve(Checkpoint.INDEX), data);
            try (Checkpoint c = Checkpoint.open(dir)) {
                c.tensors();
            } catch (BadInputException expected) {
                // a clear rejection is a pass
            }
        } finally {
            Fuzz.deleteTree(dir);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void npy(byte[] data) throws IOException {
        Path f = Files.createTempFile("fuzz", ".npy");
        try {
            Files.write(f, data);
            io.paligemma4j.loader.Npy.read(f);
        } catch (BadInputException expected) {
            // a clear rejection is a pass
        } finally {
            Files.deleteIfExists(f);
        }
    }

}
