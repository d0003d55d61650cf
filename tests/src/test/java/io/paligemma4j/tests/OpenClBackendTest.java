package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.paligemma4j.backends.opencl.OpenClBackend;
import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The opencl backend end to end (its kernels are checked one by one in backends/opencl; the
 * fixtures through the library and concurrent sessions are in {@link ConformanceTest} and
 * {@link ConcurrencyAndResourcesTest}, which run every backend present). Skipped where no OpenCL
 * device exists, unless PALIGEMMA_REQUIRE_OPENCL=1 (CI), where that is a failure.
 */
class OpenClBackendTest {
    @TempDir
    Path out;

    @BeforeEach
    void needsOpenCl() {
        String why = new OpenClBackend().unavailableReason();
        if ("1".equals(System.getenv("PALIGEMMA_REQUIRE_OPENCL"))) {
            assertTrue(why == null, "PALIGEMMA_REQUIRE_OPENCL=1 but the opencl backend is unavailable: " + why);
        }
        assumeTrue(why == null, "opencl backend unavailable: " + why);
    }

    @ParameterizedTest(name = "{0} on opencl via ./paligemma conformance")
    @ValueSource(strings = {"v1", "v2"})
    void commandLineReproducesFixture(String version) throws Exception {
        LauncherConformance.reproduces("opencl", version, out);
    }

    @ParameterizedTest(name = "{0}: opencl equals cpu under teacher forcing")
    @ValueSource(strings = {"v1", "v2"})
    void teacherForcedMatchesCpu(String version) {
        TeacherForcing.matchesCpu("opencl", version);
    }

    /** Greedy generation without kept logits picks each token on the device: the same tokens as cpu. */
    @ParameterizedTest(name = "{0}: greedy tokens picked on the device equal cpu's")
    @ValueSource(strings = {"v1", "v2"})
    void greedyOnTheDeviceMatchesCpu(String version) {
        GreedyGeneration.matchesCpu("opencl", version);
    }

    /** Every engine's buffers, and the model's weights with the last engine, go back to the device. */
    @Test
    void openCloseCyclesReleaseEveryDeviceBuffer() {
        float[] pixels = Npy.read(Fixtures.pixels()).data();
        long before = OpenClBackend.liveDeviceBytes();
        for (int i = 0; i < 40; i++) {
            try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(i % 2 == 0 ? "v1" : "v2"))) {
                try (Session a = Session.open(m, Backends.select("opencl"), 64);
                     Session b = Session.open(m, Backends.select("opencl"), 48)) {
                    a.generate(pixels, new int[] {2, 5, 108}, GenerationOptions.conformance(2));
                    b.generate(pixels, new int[] {2, 7, 108}, GenerationOptions.conformance(2));
                    assertTrue(OpenClBackend.liveDeviceBytes() > before, "two engines hold device memory");
                }
                assertEquals(before, OpenClBackend.liveDeviceBytes(), "device bytes after closing cycle " + i);
            }
        }
    }
}
