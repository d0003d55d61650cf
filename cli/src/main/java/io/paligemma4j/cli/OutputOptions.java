package io.paligemma4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where a command's words go. Standard output carries the result alone: the answer text, box lines,
 * or with {@code --json} one JSON object. Notices, timings and progress go to standard error, and
 * {@code --quiet} silences them; errors are always printed.
 */
public final class OutputOptions {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json", description = "Print one JSON object (result, tokens, timings) instead of text.")
    boolean json;

    @Option(names = "--quiet", description = "No notices, timings or progress on stderr; errors only.")
    boolean quiet;

    /** The launcher says whether stderr is a terminal; the JVM cannot tell behind the launcher's filter. */
    private static final boolean STDERR_TERMINAL = Boolean.getBoolean("paligemma.stderrTerminal");

    /** A stage starting ("[vision tower]"), only when a person watches stderr. */
    void progress(String stage) {
        if (!quiet && STDERR_TERMINAL) {
            System.err.println("[" + stage + "]");
        }
    }

    /** A notice or timings line on stderr, unless --quiet. */
    void note(String line) {
        if (!quiet) {
            System.err.println(line);
        }
    }

    /** Result text on stdout, flushed, with a write failure reported rather than swallowed. */
    static void print(String s) {
        System.out.print(s);
        System.out.flush();
        if (System.out.checkError()) {
            throw new OutputFailure("cannot write to standard output (closed, or the device is full)");
        }
    }

    static void println(String s) {
        print(s + System.lineSeparator());
    }

    static void printJson(Map<String, Object> result) {
        try {
            println(JSON.writeValueAsString(result));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("result not serialisable", e);
        }
    }
}
