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

    @Mixin
    OutputOptions output;

    @Option(names = "--image", paramLabel = "FILE", description = ImageOption.DESCRIPTION + " Default: the bundled sample.")
    Path image;

    @Mixin
    BatchOptions batch;

    @Option(names = "--question", required = true, paramLabel = "TEXT", description = "The question.")
    String question;

    @Option(names = "--lang", defaultValue = "en", description = "Answer language code (default ${DEFAULT-VALUE}).")
    String lang;

    @Override
    public Integer call() throws java.io.IOException {
        String prompt = TaskPrompts.answer(lang, question);
        if (batch.batch(image)) {
            return BatchRunner.run(model, flags, output, batch.images, batch.out, prompt, true, null);
        }
        TaskRunner.Outcome o = TaskRunner.run(model, flags, output, image, new TaskRunner.Prompt(prompt, null, true),
                108, true, true);
        if (output.json) {
            OutputOptions.printJson(TaskRunner.json(o, image));
        }
        return 0;
    }
}
