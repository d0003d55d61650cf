package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "caption", mixinStandardHelpOptions = true, description = "Caption an image (\"caption LANG\"): image -> SigLIP -> Gemma -> text, "
        + "streamed, with per-stage timings.")
final class CaptionCommand implements Callable<Integer> {
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

    @Option(names = "--lang", defaultValue = "en", description = "Caption language code (default ${DEFAULT-VALUE}).")
    String lang;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Any prompt instead of \"caption LANG\".")
    String prompt;

    @Option(names = "--prompt-ids", split = ",", paramLabel = "IDS",
            description = "Prompt token ids instead of text (without BOS and newline), for models without a "
                    + "tokenizer. Default for the bundled model: 5,17,42,99,250.")
    List<Integer> promptIds;

    @Option(names = "--newline-id", defaultValue = "108",
            description = "Id of \"\\n\" when the model has no tokenizer (default ${DEFAULT-VALUE}).")
    int newlineId;

    @Override
    public Integer call() throws java.io.IOException {
        if (prompt != null && promptIds != null) {
            throw new BadInputException("--prompt and --prompt-ids both give the prompt; pass one");
        }
        String p = prompt != null ? TaskPrompts.custom(prompt) : TaskPrompts.caption(lang);
        if (batch.batch(image)) {
            if (promptIds != null) {
                throw new BadInputException("a batch takes a text --prompt, not --prompt-ids");
            }
            return BatchRunner.run(model, flags, output, batch.images, batch.out, p, prompt != null, null);
        }
        TaskRunner.Outcome o = TaskRunner.run(model, flags, output, image, new TaskRunner.Prompt(p, promptIds,
                prompt != null), newlineId, false, true);
        if (output.json) {
            OutputOptions.printJson(TaskRunner.json(o, image));
        }
        return 0;
    }
}
