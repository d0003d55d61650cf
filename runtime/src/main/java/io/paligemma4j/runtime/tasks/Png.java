package io.paligemma4j.runtime.tasks;

import io.paligemma4j.loader.BadInputException;
import java.awt.image.RenderedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes PNG files; a path that cannot be written is the user's to fix, so it is bad input. */
final class Png {
    private Png() {}

    static void write(RenderedImage image, Path file) {
        try {
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new BadInputException("cannot write " + file + ": no PNG writer for this image type");
            }
        } catch (IOException e) {
            throw new BadInputException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
