package io.paligemma4j.cli;

import io.paligemma4j.runtime.tasks.Detection;
import io.paligemma4j.runtime.tasks.Detections;
import io.paligemma4j.runtime.tasks.SegmentationMask;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import io.paligemma4j.runtime.tasks.VqVaeDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    @Mixin
    OutputOptions output;

    @Option(names = "--vae", required = true, paramLabel = "FILE.safetensors",
            description = "VQ-VAE decoder weights (big_vision's vae-oid.npz converted to safetensors; names in "
                    + "the README).")
    Path vae;

    @Override
    public Integer call() {
        String prompt = TaskPrompts.segment(task.objectArray());
        if (task.batch()) {
            throw new io.paligemma4j.loader.BadInputException("segment runs on one --image; batches are for caption, ask"
                    + " and detect");
        }
        task.checkOut();
        VqVaeDecoder decoder = VqVaeDecoder.load(vae); // fail on a bad file before running the model
        TaskRunner.Outcome o = TaskRunner.run(model, flags, output, task.image, new TaskRunner.Prompt(prompt, null, true),
                108, true, false);
        output.note("model output: " + o.text());
        List<Detection> dets = Detections.parse(o.text(), o.image().width(), o.image().height());
        SegmentationMask mask = SegmentationMask.of(o.image().width(), o.image().height(), dets, decoder::decode);
        mask.writePng(task.out);
        long masks = dets.stream().filter(Detection::hasMask).count();
        if (output.json) {
            Map<String, Object> j = TaskRunner.json(o, task.image);
            List<Map<String, Object>> boxes = DetectCommand.boxes(dets);
            for (int i = 0; i < dets.size(); i++) {
                boxes.get(i).put("has_mask", dets.get(i).hasMask());
            }
            j.put("boxes", boxes);
            j.put("mask_pixels", mask.area());
            j.put("out", task.out.toString());
            OutputOptions.printJson(j);
        } else {
            for (Detection d : dets) {
                OutputOptions.println(String.format("%-20s box x1=%.1f y1=%.1f x2=%.1f y2=%.1f %s", d.label(), d.x1(),
                        d.y1(), d.x2(), d.y2(), d.hasMask() ? "with mask" : "(no <seg> tokens: box only, not in the mask)"));
            }
        }
        if (masks == 0) {
            output.note("no masks found in the output (" + (dets.isEmpty() ? "no objects" : "no <seg> tokens")
                    + "): the mask written is empty");
        }
        output.note("wrote " + task.out + " (" + mask.area() + " pixels set)");
        return 0;
    }
}
