/**
 * PaliGemma's tasks around the model: prompt prefixes ({@link
 * io.paligemma4j.runtime.tasks.TaskPrompts}), reading boxes and mask codes from the generated text
 * ({@link io.paligemma4j.runtime.tasks.Detections}), drawing boxes ({@link
 * io.paligemma4j.runtime.tasks.BoxDrawing}), and turning mask codes into pixel masks with the
 * VQ-VAE decoder ({@link io.paligemma4j.runtime.tasks.VqVaeDecoder}, whose Javadoc gives the weight
 * file format, and {@link io.paligemma4j.runtime.tasks.SegmentationMask}).
 */
package io.paligemma4j.runtime.tasks;
