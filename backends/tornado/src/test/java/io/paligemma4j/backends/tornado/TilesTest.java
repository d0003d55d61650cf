package io.paligemma4j.backends.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The kernels' fixed shapes fit the devices they are written for. */
class TilesTest {
    @Test
    void localMemoryFitsNvidiasStaticSharedMemory() {
        // 48 KB is what a CUDA kernel may allocate statically; OpenCL GPUs give at least 32 KB,
        // which flash attention's 33 KB exceeds only on devices older than the ones TornadoVM targets.
        for (int group = 1; group <= Tiles.SPLIT_MAX_GROUP; group++) {
            assertTrue(Tiles.localBytes(group) <= 48 * 1024, group + " heads per kv head: " + Tiles.localBytes(group));
        }
        assertEquals(4 * (2 * 16 * 256 + 16 * 16), Tiles.localBytes(8), "flash attention's tiles are the largest");
        assertEquals(128, Tiles.MAX_GROUP);
    }
}
