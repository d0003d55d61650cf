package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What caption and ask take to run over an image set ({@link BatchRunner}). */
final class BatchOptions {
    @Option(names = "--images", paramLabel = "DIR|GLOB",
            description = "Run on every image in a directory (recursively) or matching a glob; needs --out.")
    String images;

    @Option(names = "--out", paramLabel = "FILE.jsonl",
            description = "With --images: one JSON line per image, appended; a rerun skips images already there.")
    Path out;

    /** True for a batch; refuses a half-given batch or one mixed with a single --image. */
    boolean batch(Path singleImage) {
        if (images == null && out == null) {
            return false;
        }
        if (images == null || singleImage != null) {
            throw new BadInputException("a batch takes --images DIR|GLOB with --out FILE.jsonl, and no --image");
        }
        return true;
    }
}
