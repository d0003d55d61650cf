package io.paligemma4j.cli;

import io.paligemma4j.runtime.tasks.BoxDrawing;
import io.paligemma4j.runtime.tasks.Detection;
import io.paligemma4j.runtime.tasks.Detections;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "detect", mixinStandardHelpOptions = true, description = "Detect objects (\"detect A ; B\"): prints labelled boxes in pixels of the "
        + "original image and draws them onto a copy (PNG).")
final class DetectCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    GenerationFlags flags;

    @Mixin
    ObjectTaskOptions task;

    @Override
    public Integer call() {
        System.setProperty("java.awt.headless", "true");
        TaskRunner.Outcome o = TaskRunner.run(model, flags, task.image, TaskPrompts.detect(task.objectArray()),
                null, 108, true);
        List<Detection> dets = Detections.parse(o.text(), o.image().width(), o.image().height());
        for (Detection d : dets) {
            System.out.printf("%-20s x1=%.1f y1=%.1f x2=%.1f y2=%.1f%n", d.label().isEmpty() ? "(no label)" : d.label(),
                    d.x1(), d.y1(), d.x2(), d.y2());
        }
        if (dets.isEmpty()) {
            System.out.println("no boxes found in the output");
        }
        BoxDrawing.writePng(o.image(), dets, task.out);
        System.out.println("wrote " + task.out);
        return 0;
    }
}
