package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.Npy;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** One loaded model shared by sessions on several threads; open/generate/close cycles leak nothing. */
class ConcurrencyAndResourcesTest {
    static Stream<String> backends() {
        return Backends.all().stream().filter(b -> b.unavailableReason() == null).map(b -> b.name());
    }

    static GenerationResult generate(PaliGemmaModel m, String backend, float[] pixels, int variant) {
        try (Session s = Session.open(m, Backends.select(backend), Session.defaultCapacity(m.config()))) {
            int[] prompt = {5 + variant, 17, 42 + variant, 99, 250};
            return s.generate(pixels, Session.textPrefix(2, prompt, new int[] {108}), GenerationOptions.conformance(8),
                    t -> {}, true);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void concurrentSessionsGiveBitIdenticalResults(String backend) throws Exception {
        float[] pixels = Npy.read(Fixtures.pixels()).data();
        for (String v : List.of("v1", "v2")) {
            try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model(v))) {
                int n = 6;
                List<GenerationResult> sequential = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    sequential.add(generate(m, backend, pixels, i % 3));
                }
                ExecutorService pool = Executors.newFixedThreadPool(n);
                try {
                    for (int round = 0; round < 3; round++) {
                        List<Future<GenerationResult>> fs = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            int variant = i % 3;
                            fs.add(pool.submit(() -> generate(m, backend, pixels, variant)));
                        }
                        for (int i = 0; i < n; i++) {
                            DtypeVariantsTest.assertSame(sequential.get(i), fs.get(i).get());
                        }
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /** Resident set size in bytes, from /proc/self/status. */
    static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static long lines(Path file) throws IOException {
        return Files.readAllLines(file).size();
    }

    @Test
    void thousandOpenGenerateCloseCyclesLeaveHandlesAndMappingsFlat() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isDirectory(fds)) {
            fail("this test reads /proc (Linux); it cannot check file handles here");
        }
        float[] pixels = Npy.read(Fixtures.pixels()).data();
        Runnable cycle = () -> {
            try (PaliGemmaModel m = PaliGemmaModel.load(Fixtures.model("v2"));
                 Session s = Session.open(m, Backends.select(null), 64)) {
                s.generate(pixels, new int[] {2, 5, 108}, GenerationOptions.conformance(2));
            }
        };
        for (int i = 0; i < 50; i++) {
            cycle.run(); // warm up: JIT, thread pools, class loading
        }
        long fd0 = count(fds);
        long maps0 = lines(maps);
        long rss0 = rss();
        for (int i = 0; i < 1000; i++) {
            cycle.run();
        }
        long fd1 = count(fds);
        long maps1 = lines(maps);
        long rss1 = rss();
        assertEquals(fd0, fd1, "open file handles after 1000 cycles");
        // Each cycle maps the checkpoint once; a leak would add ~1000 mappings. The JIT's code cache and
        // the allocator may add a handful.
        assertTrue(maps1 - maps0 < 50, "memory mappings grew from " + maps0 + " to " + maps1);
        // Each cycle allocates ~0.5 MB off-heap (KV cache, activations); leaking it would add ~500 MB.
        // The heap may grow by up to its young generation, hence the 128 MB allowance.
        assertTrue(rss1 - rss0 < 128L << 20, "resident memory grew from " + (rss0 >> 20) + " MB to " + (rss1 >> 20) + " MB");
    }
}
