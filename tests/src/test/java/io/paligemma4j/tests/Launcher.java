package io.paligemma4j.tests;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the real {@code ./paligemma} in a directory and collects its exit code, stdout and stderr. */
final class Launcher {
    record Result(int rc, String out, String err) {}

    private Launcher() {}

    static Path script() {
        return Fixtures.home().resolve("paligemma").toAbsolutePath().normalize();
    }

    /** {@code stdout}: where standard output goes (null: captured into the result). */
    static Result run(Path cwd, Map<String, String> env, File stdout, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(script().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().put("PALIGEMMA_JAVA_OPTS", "-Xmx512m");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("stdout", ".txt");
        Path err = Files.createTempFile("stderr", ".txt");
        pb.redirectOutput(stdout != null ? stdout : out.toFile()).redirectError(err.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        p.getOutputStream().close();
        int rc = p.waitFor();
        Result r = new Result(rc, Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Result run(Path cwd, String... args) throws Exception {
        return run(cwd, Map.of(), null, args);
    }
}
