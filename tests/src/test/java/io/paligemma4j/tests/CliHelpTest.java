package io.paligemma4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paligemma4j.cli.Main;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command explains itself with --help, required options notwithstanding. */
class CliHelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"caption", "ask", "detect", "segment", "conformance", "bench", "tokenize", "preprocess",
            "devices"})
    void helpExitsZero(String command) {
        assertEquals(0, Main.run(command, "--help"));
    }
}
