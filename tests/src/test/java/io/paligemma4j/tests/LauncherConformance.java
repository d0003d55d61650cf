package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A fixture case through the real {@code ./paligemma conformance --backend NAME} (a subprocess, so
 * what the launcher sets up is what runs), checked as {@link ConformanceTest} checks its outputs.
 */
public final class LauncherConformance {
    private LauncherConformance() {}

    public static void reproduces(String backend, String version, Path out) throws Exception {
        Path launcher = Fixtures.home().resolve("paligemma").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(launcher.toString(), "conformance", "--model",
                Fixtures.model(version).toAbsolutePath().toString(), "--backend", backend, "--pixels",
                Fixtures.pixels().toAbsolutePath().toString(), "--prompt-ids", Fixtures.PROMPT_IDS, "--new-tokens", "8",
                "--out", out.toString()).directory(out.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), log);
        ConformanceTest.checkOutputDir(version, backend, out)
                .forEach((f, w) -> System.out.printf("%s %s cli %s: max |diff| %.3g%n", backend, version, f, w));
    }
}
