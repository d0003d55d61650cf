package io.paligemma4j.cli;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.VqVaeDecoder;
import io.paligemma4j.server.ChatServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the model over HTTP with OpenAI's "
        + "chat-completions protocol (POST /v1/chat/completions, GET /v1/models, GET /health, POST /v1/detect, "
        + "POST /v1/segment). Runs until interrupted.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to bind (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 opens it to the network).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require \"Authorization: Bearer KEY\" (default: $PALIGEMMA_API_KEY, else none).")
    String apiKey;

    @Option(names = "--model-name", paramLabel = "NAME", description = "The model id clients ask for (default: the directory name).")
    String modelName;

    @Option(names = "--parallel", defaultValue = "2", description = "Generations at once, each in its own session (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--queue", defaultValue = "16", description = "Requests that may wait for a session; more get 429 (default ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-request-bytes", defaultValue = "20000000", description = "Largest request body (default ${DEFAULT-VALUE}).")
    long maxRequestBytes;

    @Option(names = "--max-pixels", defaultValue = "67108864", description = "Largest image, in pixels (default ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--max-tokens", defaultValue = "64", description = "max_tokens when a request gives none (default ${DEFAULT-VALUE}).")
    int defaultMaxTokens;

    @Option(names = "--vae", paramLabel = "FILE.safetensors", description = "VQ-VAE decoder weights, for /v1/segment.")
    Path vae;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new BadInputException("--port must be in 0..65535, got " + port);
        }
        if (parallel < 1 || queue < 0 || maxRequestBytes < 1 || maxPixels < 1 || defaultMaxTokens < 1) {
            throw new BadInputException("--parallel, --max-request-bytes, --max-pixels and --max-tokens must be positive,"
                    + " --queue not negative");
        }
        String key = apiKey != null ? apiKey : System.getenv("PALIGEMMA_API_KEY");
        Backend backend = model.selectBackend();
        model.checkCapacityOption();
        VqVaeDecoder decoder = vae != null ? VqVaeDecoder.load(vae) : null;
        try (PaliGemmaModel m = model.load()) {
            if (!TaskRunner.hasTokenizer(m.dir())) {
                throw new BadInputException("model " + m.dir() + " has no tokenizer.model or tokenizer.json, which serve"
                        + " needs to read prompts and write answers");
            }
            GemmaTokenizer tok = GemmaTokenizer.load(m.dir());
            String name = modelName != null ? modelName : m.dir().toAbsolutePath().normalize().getFileName().toString();
            int capacity = model.maxSeqLen != null ? model.maxSeqLen : Session.defaultCapacity(m.config());
            ChatServer.Config cfg = new ChatServer.Config(host, port, name, key, parallel, queue, maxRequestBytes,
                    Math.min(maxPixels, ImageLoader.DEFAULT_MAX_PIXELS), defaultMaxTokens);
            CountDownLatch stop = new CountDownLatch(1);
            try (ChatServer server = new ChatServer(cfg, m, tok, backend, capacity, decoder)) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                System.err.println("serve: " + name + " on " + backend.name() + " at http://" + host + ":" + server.port()
                        + "/v1 (" + parallel + " sessions, queue " + queue + (key != null ? ", API key required" : "")
                        + "); Ctrl-C stops");
                stop.await();
            }
        } catch (java.net.BindException e) {
            throw new BadInputException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        return 0;
    }
}
