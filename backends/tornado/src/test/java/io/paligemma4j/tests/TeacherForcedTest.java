package io.paligemma4j.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Teacher-forced generation on tornado equals the cpu backend (see {@link TeacherForcing}). */
class TeacherForcedTest {
    @ParameterizedTest(name = "{0}: tornado equals cpu under teacher forcing")
    @ValueSource(strings = {"v1", "v2"})
    void tornadoMatchesCpu(String version) {
        TeacherForcing.matchesCpu("tornado", version);
    }
}
