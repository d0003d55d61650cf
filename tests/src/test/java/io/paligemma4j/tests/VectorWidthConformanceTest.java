package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.loader.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both fixtures end to end through the real {@code ./paligemma conformance} on the cpu backend at
 * every vector width: capped by {@code -XX:MaxVectorSize=16} and {@code =32} (what a 128-bit or
 * 256-bit machine gives), the JVM's default (this machine's widest), and forced to 64 and 512 bits
 * ({@code -Dpaligemma.vector.bits}, emulated where the hardware is narrower). Each must reproduce
 * the fixture; the widths are then compared with each other, since summation order (vector length,
 * tile sizes) is the only thing a width changes.
 */
class VectorWidthConformanceTest {
    @TempDir
    Path dir;

    record Width(String javaOpts, int expectBits) {}

    static List<Width> widths() {
        return List.of(new Width("-XX:MaxVectorSize=16", 128), new Width("-XX:MaxVectorSize=32", 256),
                new Width("", 0), new Width("-Dpaligemma.vector.bits=64", 64), new Width("-Dpaligemma.vector.bits=512", 512));
    }

    @ParameterizedTest(name = "{0} at every width")
    @ValueSource(strings = {"v1", "v2"})
    void everyWidthReproducesTheFixture(String version) throws Exception {
        Map<String, Path> outs = new LinkedHashMap<>();
        for (Width w : widths()) {
            Path out = dir.resolve(version + "-" + w.javaOpts().replaceAll("[^0-9]", "w"));
            List<String> cmd = new ArrayList<>(List.of(MalformedInputCorpusTest.launcher().toString(), "conformance",
                    "--backend", "cpu", "--model", Fixtures.model(version).toString(), "--pixels",
                    Fixtures.pixels().toString(), "--prompt-ids", Fixtures.PROMPT_IDS, "--new-tokens", "8", "--out",
                    out.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("PALIGEMMA_JAVA_OPTS", "-Xmx512m " + w.javaOpts());
            Process p = pb.start();
            String log = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), w + ": " + log);
            String device = new ObjectMapper().readTree(out.resolve("result.json").toFile()).get("device").asText();
            // A cap above the hardware's width is lowered by the JVM; a forced width is always honoured.
            int bits = Integer.parseInt(device.replaceAll("^.*?(\\d+)-bit vectors.*$", "$1"));
            if (w.expectBits() != 0) {
                assertTrue(bits == w.expectBits() || w.javaOpts().contains("MaxVectorSize") && bits < w.expectBits(),
                        w + " ran at " + device);
            }
            Map<String, Double> worst = ConformanceTest.checkOutputDir(version, "cpu", out);
            System.out.println(version + " " + (w.javaOpts().isEmpty() ? "default" : w.javaOpts()) + " (" + bits
                    + " bits): worst |diff| to the fixture " + worst);
            outs.put(bits + "-bit", out);
        }
        // Widths against each other: how far apart summation orders put the logits (README states it).
        Path base = outs.values().iterator().next();
        for (var e : outs.entrySet()) {
            double d = 0;
            for (String f : List.of("image_features", "prefill_logits", "generation_step_logits")) {
                float[] a = Npy.read(base.resolve(f + ".npy")).data();
                float[] b = Npy.read(e.getValue().resolve(f + ".npy")).data();
                for (int i = 0; i < a.length; i++) {
                    d = Math.max(d, Math.abs(a[i] - b[i]));
                }
            }
            System.out.println(version + " " + e.getKey() + " vs " + outs.keySet().iterator().next() + ": max |diff| " + d);
            assertTrue(d <= 2 * ConformanceTest.TOL, e.getKey() + " differs from the first width by " + d);
        }
        assertTrue(Files.isDirectory(base));
    }
}
