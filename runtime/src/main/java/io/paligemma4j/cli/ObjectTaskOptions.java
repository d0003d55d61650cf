package io.paligemma4j.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** What detect and segment both take: an image, the objects to find, and where the PNG goes. */
public final class ObjectTaskOptions {
    @Option(names = "--image", required = true, paramLabel = "FILE", description = "PNG or JPEG.")
    Path image;

    @Option(names = "--objects", required = true, split = ";", paramLabel = "NAMES",
            description = "What to look for, separated by ';' (e.g. \"cat;dog\").")
    List<String> objects;

    @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "Where to write the PNG.")
    Path out;

    String[] objectArray() {
        return objects.toArray(String[]::new);
    }
}
