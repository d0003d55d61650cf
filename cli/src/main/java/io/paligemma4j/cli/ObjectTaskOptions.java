package io.paligemma4j.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** What detect and segment both take: an image, the objects to find, and where the PNG goes. */
public final class ObjectTaskOptions {
    @Option(names = "--image", paramLabel = "FILE", description = ImageOption.DESCRIPTION)
    Path image;

    @Option(names = "--images", paramLabel = "DIR|GLOB",
            description = "Run on every image in a directory (recursively) or matching a glob; --out is then a .jsonl.")
    String images;

    @Option(names = "--objects", required = true, split = ";", paramLabel = "NAMES",
            description = "What to look for, separated by ';' (e.g. \"cat;dog\").")
    List<String> objects;

    @Option(names = "--out", required = true, paramLabel = "FILE.png|FILE.jsonl",
            description = "Where to write the PNG (written whole or not at all; a symbolic link is followed), or with"
                    + " --images the results, one JSON line per image.")
    Path out;

    /** Exactly one of --image and --images. */
    boolean batch() {
        if ((image == null) == (images == null)) {
            throw new io.paligemma4j.loader.BadInputException("give exactly one of --image FILE and --images DIR|GLOB");
        }
        return images != null;
    }

    /** Before any work: --out names a .png file that can be written. */
    void checkOut() {
        io.paligemma4j.runtime.OutputFiles.check(out, "--out");
        String name = out.getFileName() == null ? "" : out.getFileName().toString();
        if (!name.toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
            throw new io.paligemma4j.loader.BadInputException("--out " + out + ": the output is a PNG; name it .png");
        }
    }

    String[] objectArray() {
        return objects.toArray(String[]::new);
    }
}
