package io.paligemma4j.runtime;

/**
 * A way to run PaliGemma, found with {@link java.util.ServiceLoader}. A backend that cannot run on
 * this machine says why in {@link #unavailableReason()} and is never chosen silently.
 */
public interface Backend {
    /** The name users select it by ({@code --backend NAME}). */
    String name();

    /** Null when usable here; otherwise one line saying what is missing. */
    String unavailableReason();

    /** Higher wins when no backend is named. */
    int priority();

    /** Devices this backend would run on, one line each, for {@code ./paligemma devices}. */
    default java.util.List<String> devices() {
        return java.util.List.of();
    }

    /**
     * This backend with its host-side work on {@code threads} threads ({@code --threads}). Backends
     * whose host side has no thread pool refuse any count they cannot honour, rather than ignore it.
     */
    default Backend withThreads(int threads) {
        throw new io.paligemma4j.loader.BadInputException("the " + name() + " backend does not take a thread count"
                + " (--threads applies to backends that compute on host threads)");
    }

    /**
     * This backend on its device number {@code index} (as {@link #devices} lists them,
     * {@code --device}). Backends with one device refuse any choice rather than ignore it.
     */
    default Backend withDevice(int index) {
        throw new io.paligemma4j.loader.BadInputException("the " + name() + " backend has no device choice"
                + " (--device applies to backends that list several devices)");
    }

    /**
     * This backend with device profiling on, so {@link Engine#takeDeviceCounters} reports kernel and
     * transfer time ({@code bench}). Backends with nothing to profile return themselves.
     */
    default Backend withProfiling() {
        return this;
    }

    /** Opens an engine over a loaded model with room for {@code maxSeqLen} tokens (image + text). */
    Engine open(PaliGemmaModel model, int maxSeqLen);
}
