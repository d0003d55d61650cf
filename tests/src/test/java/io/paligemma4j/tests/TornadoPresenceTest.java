package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Makes the TornadoVM backend's absence visible in every test report. Its own tests (kernel
 * parity, both fixtures through {@code ./paligemma conformance --backend tornado}, teacher-forced
 * equality with cpu) live in {@code backends/tornado}, built by the {@code tornado} profile when
 * TORNADOVM_HOME names an SDK; without one they do not run, and this test is reported skipped.
 */
class TornadoPresenceTest {
    @Test
    void tornadoBackendTestsRunOnlyWithAnSdk() {
        String home = System.getenv("TORNADOVM_HOME");
        assumeTrue(home != null && !home.isBlank(),
                "TornadoVM tests skipped: TORNADOVM_HOME is not set, so backends/tornado is not built or tested");
        Optional<Backend> t = Backends.all().stream().filter(b -> b.name().equals("tornado")).findFirst();
        // With an SDK the tornado module runs its own suite; this JVM has no SDK flags, which is expected.
        assumeTrue(t.isPresent(), "TornadoVM SDK at " + home + ": the backend's tests run in backends/tornado");
    }
}
