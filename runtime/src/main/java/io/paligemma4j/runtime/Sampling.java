package io.paligemma4j.runtime;

import io.paligemma4j.loader.BadInputException;
import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/** Token choice from logits: greedy, or temperature / top-k / top-p sampling with a seeded generator. */
public final class Sampling {
    private static final String NO_LOGITS = "the model produced no finite logits: the checkpoint holds NaN or Inf "
            + "weights, or the activations overflowed";

    private final GenerationOptions options;
    private final SplittableRandom rng;

    public Sampling(GenerationOptions options) {
        this.options = options;
        this.rng = new SplittableRandom(options.seed());
    }

    public int next(float[] logits) {
        if (options.temperature() == 0) {
            return greedy(logits, options.vocabLimit());
        }
        int n = options.vocabLimit() > 0 ? Math.min(options.vocabLimit(), logits.length) : logits.length;
        int[] cand = candidates(logits, n, options.topK());
        double inv = 1 / options.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (int id : cand) {
            max = Math.max(max, logits[id] * inv);
        }
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            throw new BadInputException(NO_LOGITS);
        }
        double[] p = new double[cand.length];
        double sum = 0;
        for (int i = 0; i < cand.length; i++) {
            p[i] = Math.exp(logits[cand[i]] * inv - max);
            sum += Double.isNaN(p[i]) ? 0 : p[i];
        }
        // Candidates are in descending logit order: top-p keeps the shortest prefix reaching topP.
        int keep = cand.length;
        if (options.topP() < 1) {
            double acc = 0;
            for (int i = 0; i < cand.length; i++) {
                acc += p[i] / sum;
                if (acc >= options.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[i];
        }
        double u = rng.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) {
                return cand[i];
            }
        }
        return cand[keep - 1];
    }

    /** Ids below n in descending logit order (ties: lower id first), the k best when k > 0. */
    private static int[] candidates(float[] logits, int n, int k) {
        Integer[] ids;
        if (k > 0 && k < n) {
            // Min-heap of the k best seen so far: O(n log k) instead of sorting the vocabulary.
            PriorityQueue<Integer> heap = new PriorityQueue<>(k, (a, b) ->
                    logits[a] != logits[b] ? Float.compare(logits[a], logits[b]) : Integer.compare(b, a));
            for (int i = 0; i < n; i++) {
                if (Float.isNaN(logits[i])) {
                    continue;
                }
                if (heap.size() < k) {
                    heap.add(i);
                } else if (logits[i] > logits[heap.peek()]) {
                    heap.poll();
                    heap.add(i);
                }
            }
            ids = heap.toArray(new Integer[0]);
        } else {
            ids = new Integer[n];
            for (int i = 0; i < n; i++) {
                ids[i] = i;
            }
        }
        Arrays.sort(ids, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        return Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
    }

    /** Argmax over ids below {@code limit} (all when 0); the lowest id wins ties; NaN never wins. */
    public static int greedy(float[] logits, int limit) {
        int n = limit > 0 ? Math.min(limit, logits.length) : logits.length;
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (v > bestV || (best < 0 && v == bestV)) {
                best = i;
                bestV = v;
            }
        }
        if (best < 0) {
            throw new BadInputException(NO_LOGITS);
        }
        return best;
    }
}
