package io.paligemma4j.runtime;

import io.paligemma4j.loader.BadInputException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks an off-heap allocation against the memory the machine can give, before making it. */
public final class MemoryBudget {
    private MemoryBudget() {}

    /** Bytes the kernel could hand out now: MemAvailable (free plus reclaimable cache), else free memory. */
    public static long available() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux: fall through to the JDK's view.
        }
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getFreeMemorySize() : Long.MAX_VALUE;
    }

    /** Fails with one clear line when {@code bytes} for {@code what} exceed what is available. */
    public static void require(long bytes, String what) {
        long avail = available();
        if (bytes > avail) {
            throw new BadInputException(String.format("%s needs %.2f GB but only %.2f GB of memory is available; "
                    + "lower --max-seq-len", what, bytes / 1e9, avail / 1e9));
        }
    }
}
