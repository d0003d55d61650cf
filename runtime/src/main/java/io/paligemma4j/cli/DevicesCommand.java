package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "List backends, their devices, and why a backend is unavailable.")
final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--threads", paramLabel = "N", description = "Describe the cpu backend on N threads. Default: all cores.")
    Integer threads;

    @Override
    public Integer call() {
        boolean tornado = false;
        for (Backend b : Backends.all()) {
            if (threads != null) {
                try {
                    b = b.withThreads(threads);
                } catch (BadInputException notThreaded) {
                    // Backends without a host thread pool are listed as they are.
                }
            }
            String why = b.unavailableReason();
            System.out.printf("%-10s %s%n", b.name(), why == null ? "available (priority " + b.priority() + ")"
                    : "unavailable: " + why);
            if (why == null) {
                for (String d : b.devices()) {
                    System.out.println("           - " + d);
                }
            }
            tornado |= b.name().equals(Backends.TORNADO);
        }
        if (!tornado) {
            System.out.println("tornado    unavailable: " + Backends.TORNADO_ABSENT);
        }
        return 0;
    }
}
