package io.paligemma4j.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Greedy tokens picked on the TornadoVM device equal cpu's (see {@link GreedyGeneration}). */
class TornadoGreedyTest {
    @ParameterizedTest(name = "{0}: greedy tokens picked on tornado equal cpu's")
    @ValueSource(strings = {"v1", "v2"})
    void greedyOnTheDeviceMatchesCpu(String version) {
        GreedyGeneration.matchesCpu("tornado", version);
    }
}
