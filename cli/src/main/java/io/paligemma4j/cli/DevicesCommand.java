package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "List backends, their devices, and why a backend is unavailable.")
final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--threads", paramLabel = "N", description = "Describe backends that compute on host threads with N of them. Default: all cores.")
    Integer threads;

    @Override
    public Integer call() {
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
        }
        Backends.absent().forEach((name, why) -> System.out.printf("%-10s unavailable: %s%n", name, why));
        return 0;
    }
}
