package io.paligemma4j.cli;

/** The help text of every --image option: the formats the decoder takes. */
final class ImageOption {
    static final String DESCRIPTION = "PNG, JPEG (baseline, progressive, CMYK), WebP, BMP, GIF or TIFF.";

    private ImageOption() {}
}
