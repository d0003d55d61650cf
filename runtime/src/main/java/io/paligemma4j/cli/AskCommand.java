package io.paligemma4j.cli;

import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ask", mixinStandardHelpOptions = true, description = "Answer a question about an image (\"answer LANG QUESTION\").")
final class AskCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    GenerationFlags flags;

    @Option(names = "--image", paramLabel = "FILE", description = "PNG or JPEG. Default: the bundled sample.")
    Path image;

    @Option(names = "--question", required = true, paramLabel = "TEXT", description = "The question.")
    String question;

    @Option(names = "--lang", defaultValue = "en", description = "Answer language code (default ${DEFAULT-VALUE}).")
    String lang;

    @Override
    public Integer call() {
        TaskRunner.run(model, flags, image, TaskPrompts.answer(lang, question), null, 108, true);
        return 0;
    }
}
