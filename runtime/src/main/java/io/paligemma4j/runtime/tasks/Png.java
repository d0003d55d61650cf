package io.paligemma4j.runtime.tasks;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.runtime.OutputFiles;
import java.awt.image.RenderedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes PNG files whole or not at all ({@link OutputFiles}): never over a device, FIFO or
 * directory; a symbolic link is followed and the file it names replaced.
 */
final class Png {
    private Png() {}

    static void write(RenderedImage image, Path file) {
        OutputFiles.write(file, "PNG", out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new BadInputException("cannot write " + file + ": no PNG writer for this image type");
            }
        });
    }
}
