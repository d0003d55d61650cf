package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./paligemma}: the command-line tool. Bad input is one line on stderr and exit code 2. */
@Command(name = "paligemma", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "PaliGemma on the JVM: reference, Vector API and TornadoVM backends.",
        subcommands = {CaptionCommand.class, AskCommand.class, DetectCommand.class, SegmentCommand.class,
                ConformanceCommand.class, BenchCommand.class, TokenizeCommand.class,
                PreprocessCommand.class, ServeCommand.class,
                DevicesCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    public static final String VERSION = "paligemma4j 0.1.0";
    /** A result could not be written (stdout closed or full, an output file). */
    public static final int OUTPUT_FAILED = 1;
    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool in-process and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // `paligemma caption --version` prints the tool's version, as `paligemma --version` does.
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().version(VERSION);
        }
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String hint = "";
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = "; did you mean " + String.join(" or ", u.getSuggestions().stream().limit(3).toList()) + "?";
            }
            err.println("error: " + ex.getMessage().lines().findFirst().orElse("bad arguments") + hint
                    + " (see --help)");
            err.flush();
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof OutputFailure || ex instanceof io.paligemma4j.runtime.WriteFailedException) {
                c.getErr().println("error: " + ex.getMessage());
                c.getErr().flush();
                return OUTPUT_FAILED;
            }
            String msg = oneLine(ex);
            if (msg == null) {
                throw ex;
            }
            c.getErr().println("error: " + msg);
            c.getErr().flush();
            return BAD_INPUT;
        });
        int rc = cl.execute(args);
        // PrintStream swallows write errors: a result that did not reach stdout must not exit 0.
        if (System.out.checkError() && rc == 0) {
            System.err.println("error: cannot write to standard output (closed, or the device is full)");
            return OUTPUT_FAILED;
        }
        return rc;
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
