package io.paligemma4j.server;

import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * A fixed set of sessions over one shared model: at most {@code parallel} generations run at once,
 * at most {@code queue} more wait, and a request beyond that is refused (429) rather than queued
 * without bound. Sessions are opened once and reused; each is used by one request at a time.
 */
final class SessionPool implements AutoCloseable {
    private final BlockingQueue<Session> free;
    private final List<Session> all = new ArrayList<>();
    private final Semaphore admitted;

    SessionPool(PaliGemmaModel model, Backend backend, int capacity, int parallel, int queue) {
        free = new ArrayBlockingQueue<>(parallel);
        admitted = new Semaphore(parallel + queue);
        try {
            for (int i = 0; i < parallel; i++) {
                Session s = Session.open(model, backend, capacity);
                all.add(s);
                free.add(s);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    interface Work<T> {
        T run(Session s);
    }

    /** Runs {@code work} on a free session, waiting for one; 429 when the queue is full. */
    <T> T with(Work<T> work) {
        if (!admitted.tryAcquire()) {
            throw new ApiError(429, "rate_limit_exceeded", null,
                    "the server is busy: every session is generating and the queue is full; retry later");
        }
        try {
            Session s = free.take();
            try {
                return work.run(s);
            } finally {
                free.add(s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, "the server is shutting down");
        } finally {
            admitted.release();
        }
    }

    int capacity() {
        return all.isEmpty() ? 0 : all.get(0).capacity();
    }

    @Override
    public void close() {
        for (Session s : all) {
            s.close();
        }
    }
}
