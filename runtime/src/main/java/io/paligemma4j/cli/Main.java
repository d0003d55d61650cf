package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./paligemma}: the command-line tool. Bad input is one line on stderr and exit code 2. */
@Command(name = "paligemma", mixinStandardHelpOptions = true, version = "paligemma4j 0.1.0",
        description = "PaliGemma on the JVM: reference, Vector API and TornadoVM backends.",
        subcommands = {CaptionCommand.class, AskCommand.class, DetectCommand.class, SegmentCommand.class,
                ConformanceCommand.class, BenchCommand.class, TokenizeCommand.class,
                PreprocessCommand.class,
                DevicesCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool in-process and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage().lines().findFirst().orElse("bad arguments")
                    + " (see --help)");
            err.flush();
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            String msg = oneLine(ex);
            if (msg == null) {
                throw ex;
            }
            c.getErr().println("error: " + msg);
            c.getErr().flush();
            return BAD_INPUT;
        });
        return cl.execute(args);
    }

    /** The one-line message for a user-facing failure, or null for a bug (which keeps its trace). */
    static String oneLine(Throwable ex) {
        if (ex instanceof BadInputException) {
            return ex.getMessage();
        }
        if (ex instanceof UncheckedIOException || ex instanceof IOException) {
            Throwable c = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            return "I/O failed: " + c;
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory: raise -Xmx (PALIGEMMA_JAVA_OPTS) or lower --max-seq-len";
        }
        return null;
    }
}
