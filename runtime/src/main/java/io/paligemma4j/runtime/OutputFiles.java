package io.paligemma4j.runtime;

import io.paligemma4j.loader.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Output files written whole or not at all (a failure is a {@link WriteFailedException}): into a temporary file beside the target, renamed over it
 * only once complete. Targets that are not regular files (devices, FIFOs, directories) are refused,
 * never replaced; a symbolic link is followed, so the file it points to is what gets replaced.
 */
public final class OutputFiles {
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private OutputFiles() {}

    /** Checks before any work that {@code target} can be written: refuses what {@link #write} would. */
    public static Path check(Path target, String option) {
        Path real = resolve(target, option);
        if (Files.exists(real) && !Files.isRegularFile(real)) {
            throw new BadInputException(option + " " + target + " is not a regular file (a directory, device or FIFO);"
                    + " name a file to write");
        }
        Path parent = real.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new BadInputException(option + " " + target + ": directory " + parent + " does not exist");
        }
        if (!Files.isWritable(parent)) {
            throw new BadInputException(option + " " + target + ": directory " + parent + " is not writable");
        }
        return real;
    }

    /** Writes {@code target} through a temporary file beside it; on any failure the target is untouched. */
    public static void write(Path target, String option, Writer body) {
        Path real = check(target, option);
        Path parent = real.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(parent, "." + real.getFileName() + ".", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                body.write(out);
            }
            // A temporary file is private (0600); the result gets the replaced file's mode, or 0644.
            try {
                Files.setPosixFilePermissions(tmp, Files.exists(real) ? Files.getPosixFilePermissions(real)
                        : PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // Other file systems keep their own defaults.
            }
            try {
                Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new WriteFailedException(option + " " + target + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The write already failed or the file was renamed; nothing is left to undo.
                }
            }
        }
    }

    /** The file a symlink chain ends at (the target itself when it is not a link). */
    private static Path resolve(Path target, String option) {
        Path p = target;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops > 40) {
                throw new BadInputException(option + " " + target + ": too many levels of symbolic links");
            }
            try {
                Path next = Files.readSymbolicLink(p);
                p = next.isAbsolute() ? next : p.toAbsolutePath().getParent().resolve(next);
            } catch (IOException e) {
                throw new BadInputException(option + " " + target + ": cannot read the link: " + e.getMessage());
            }
        }
        return p;
    }
}
