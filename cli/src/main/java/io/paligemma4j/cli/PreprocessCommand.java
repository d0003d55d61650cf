package io.paligemma4j.cli;

import io.paligemma4j.runtime.OutputFiles;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.Npy;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "preprocess", mixinStandardHelpOptions = true, description = "Decode an image and write the float32 [3, S, S] pixel array the model "
        + "takes (PIL-bicubic resize, x/127.5 - 1), as .npy.")
final class PreprocessCommand implements Callable<Integer> {
    @Option(names = "--image", required = true, paramLabel = "FILE", description = ImageOption.DESCRIPTION)
    Path image;

    @Option(names = "--size", required = true, paramLabel = "S", description = "Output side in pixels (224, 448, 896).")
    int size;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "Where to write the array.")
    Path out;

    @Option(names = "--max-pixels", defaultValue = "67108864",
            description = "Refuse images with more pixels than this, before decoding (default ${DEFAULT-VALUE}).")
    long maxPixels;

    @Override
    public Integer call() throws IOException {
        if (size < 1 || size > 8192) {
            throw new BadInputException("--size " + size + " is outside 1..8192");
        }
        if (maxPixels < 1) {
            throw new BadInputException("--max-pixels must be positive, got " + maxPixels);
        }
        OutputFiles.check(out, "--out");
        float[] px = Preprocess.pixels(ImageLoader.load(image, maxPixels), size);
        OutputFiles.write(out, "--out", os -> Npy.write(os, new long[] {3, size, size}, px));
        return 0;
    }
}
