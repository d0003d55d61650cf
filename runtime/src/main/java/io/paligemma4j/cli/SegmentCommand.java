package io.paligemma4j.cli;

import io.paligemma4j.runtime.tasks.Detection;
import io.paligemma4j.runtime.tasks.Detections;
import io.paligemma4j.runtime.tasks.SegmentationMask;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import io.paligemma4j.runtime.tasks.VqVaeDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "segment", mixinStandardHelpOptions = true, description = "Segment objects (\"segment A ; B\"): decodes the <seg> tokens through the "
        + "VQ-VAE decoder (--vae) into a full-size PNG mask (white = object).")
final class SegmentCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    GenerationFlags flags;

    @Mixin
    ObjectTaskOptions task;

    @Option(names = "--vae", required = true, paramLabel = "FILE.safetensors",
            description = "VQ-VAE decoder weights (big_vision's vae-oid.npz converted to safetensors; names in "
                    + "the README).")
    Path vae;

    @Override
    public Integer call() {
        System.setProperty("java.awt.headless", "true");
        VqVaeDecoder decoder = VqVaeDecoder.load(vae); // fail on a bad file before running the model
        TaskRunner.Outcome o = TaskRunner.run(model, flags, task.image, TaskPrompts.segment(task.objectArray()),
                null, 108, true);
        List<Detection> dets = Detections.parse(o.text(), o.image().width(), o.image().height());
        for (Detection d : dets) {
            System.out.printf("%-20s box x1=%.1f y1=%.1f x2=%.1f y2=%.1f %s%n", d.label(), d.x1(), d.y1(), d.x2(), d.y2(),
                    d.hasMask() ? "with mask" : "(no <seg> tokens: box only, not in the mask)");
        }
        SegmentationMask mask = SegmentationMask.of(o.image().width(), o.image().height(), dets, decoder::decode);
        mask.writePng(task.out);
        System.out.println("wrote " + task.out + " (" + mask.area() + " pixels set)");
        return 0;
    }
}
