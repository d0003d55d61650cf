package io.paligemma4j.cli;

import io.paligemma4j.runtime.tasks.BoxDrawing;
import io.paligemma4j.runtime.tasks.Detection;
import io.paligemma4j.runtime.tasks.Detections;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws java.io.IOException {
        String prompt = TaskPrompts.detect(task.objectArray());
        if (task.batch()) {
            return BatchRunner.run(model, flags, output, task.images, task.out, prompt, true, (text, img, line) ->
                    line.put("boxes", boxes(Detections.parse(text, img.width(), img.height()))));
        }
        task.checkOut();
        TaskRunner.Outcome o = TaskRunner.run(model, flags, output, task.image, new TaskRunner.Prompt(prompt, null, true),
                108, true, false);
        output.note("model output: " + o.text());
        List<Detection> dets = Detections.parse(o.text(), o.image().width(), o.image().height());
        BoxDrawing.writePng(o.image(), dets, task.out);
        if (output.json) {
            Map<String, Object> j = TaskRunner.json(o, task.image);
            j.put("boxes", boxes(dets));
            j.put("out", task.out.toString());
            OutputOptions.printJson(j);
        } else {
            for (Detection d : dets) {
                OutputOptions.println(String.format("%-20s x1=%.1f y1=%.1f x2=%.1f y2=%.1f",
                        d.label().isEmpty() ? "(no label)" : d.label(), d.x1(), d.y1(), d.x2(), d.y2()));
            }
        }
        if (dets.isEmpty()) {
            output.note("no boxes found in the output");
        }
        output.note("wrote " + task.out);
        return 0;
    }

    static List<Map<String, Object>> boxes(List<Detection> dets) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Detection d : dets) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("label", d.label());
            b.put("x1", d.x1());
            b.put("y1", d.y1());
            b.put("x2", d.x2());
            b.put("y2", d.y2());
            list.add(b);
        }
        return list;
    }
}
