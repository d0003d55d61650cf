package io.paligemma4j.backends.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma4j.loader.Checkpoint;
import io.paligemma4j.loader.Tensor;
import io.paligemma4j.tests.Fixtures;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Weights reach TornadoVM as private re-mappings of the checkpoint, not copies: the arrays hold
 * the tensors' exact bits, TornadoVM's header write stays in this process, and the file on disk
 * is unchanged.
 */
class PrivateMapsTest {
    @Test
    void tensorsAreMappedInPlaceAndTheFileIsUntouched() throws Exception {
        Path file = Fixtures.model("v2").resolve(Checkpoint.SINGLE);
        byte[] before = Files.readAllBytes(file);
        try (Checkpoint ckpt = Checkpoint.open(file); PrivateMaps maps = new PrivateMaps(ckpt)) {
            int mapped = 0;
            for (Tensor t : ckpt.tensors().values()) {
                Checkpoint.FileSpan span = ckpt.locate(t);
                ShortArray a = maps.bits(t);
                short[] want = t.data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
                assertArrayEquals(want, a.toHeapArray(), t.name());
                if (span.offset() >= 16 && span.offset() % 4 == 0) {
                    mapped++;
                }
            }
            assertTrue(mapped > 0, "no tensor was eligible for mapping");
            assertEquals(maps.mappedBytes() + maps.copiedBytes(), ckpt.byteSize());
            assertTrue(maps.mappedBytes() > ckpt.byteSize() / 2, "mapped " + maps.mappedBytes() + " of " + ckpt.byteSize());
        }
        assertArrayEquals(before, Files.readAllBytes(file), "the checkpoint file changed");
    }
}
