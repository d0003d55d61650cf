package io.paligemma4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.BadInputException;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The roofline chart is a real PNG, written whole, never over a directory. */
class RooflinePlotTest {
    @TempDir
    Path dir;

    @Test
    void writesAPngWithCeilingsAndPoints() throws Exception {
        Path png = dir.resolve("roofline.png");
        RooflinePlot.write(png, "test", 25e9,
                List.of(new RooflinePlot.Peak("256-bit FMA peak", 200e9), new RooflinePlot.Peak("512-bit FMA peak", 380e9)),
                List.of(new RooflinePlot.Point("vision", 250, 100e9), new RooflinePlot.Point("decode", 1, 19e9)));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1000, img.getWidth());
        assertEquals(650, img.getHeight());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file is left beside the chart");
        }
        if (System.getenv("ROOFLINE_PREVIEW") != null) {
            Files.copy(png, Path.of(System.getenv("ROOFLINE_PREVIEW")), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void refusesADirectoryOrAMissingParent() {
        assertThrows(BadInputException.class, () -> RooflinePlot.write(dir, "t", 1e9, List.of(), List.of()));
        assertThrows(BadInputException.class,
                () -> RooflinePlot.write(dir.resolve("no/such/dir/x.png"), "t", 1e9, List.of(), List.of()));
    }
}
