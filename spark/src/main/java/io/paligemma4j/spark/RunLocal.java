package io.paligemma4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark/run-local.sh}: captions (or answers, or detects in) a directory of images with Spark
 * in local mode and writes JSON lines ({@code path}, {@code answer} or {@code boxes}, {@code error})
 * to a new directory. The same transformer runs unchanged under {@code spark-submit} on a cluster.
 */
@Command(name = "run-local.sh", mixinStandardHelpOptions = true, description = "PaliGemma over an image directory with"
        + " Spark in local mode.")
public final class RunLocal implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint directory with a tokenizer.")
    Path model;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Directory of images (recursive).")
    Path images;

    @Option(names = "--prompt", defaultValue = "caption en", description = "The PaliGemma prompt (default ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must not exist).")
    Path out;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--max-tokens", defaultValue = "32", description = "New tokens at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default); above 0 samples.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Sample within probability mass p.")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed.")
    long seed;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new RunLocal());
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof io.paligemma4j.loader.BadInputException) {
                c.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() {
        if (Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + " exists; give a new directory (nothing is overwritten)");
        }
        if (!Files.isDirectory(images)) {
            throw new IllegalArgumentException("--images " + images + " is not a directory");
        }
        SparkSession.Builder b = SparkSession.builder().master(master).appName("paligemma4j")
                .config("spark.ui.enabled", "false");
        if (master.startsWith("local")) {
            // Local mode talks to itself: keep that on loopback, not on the host's network address.
            b = b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        try {
            Dataset<Row> df = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                    .option("pathGlobFilter", "*.{png,jpg,jpeg,webp,bmp,gif,tif,tiff,PNG,JPG,JPEG}").load(images.toString());
            PaliGemmaTransformer t = new PaliGemmaTransformer().setModelPath(model.toString()).setPrompt(prompt)
                    .setMaxTokens(maxTokens).setTemperature(temperature).setTopK(topK).setTopP(topP).setSeed(seed);
            long t0 = System.nanoTime();
            Dataset<Row> result = t.transform(df);
            List<String> cols = new ArrayList<>(List.of("path", "answer"));
            if (List.of(result.schema().fieldNames()).contains("boxes")) {
                cols.add("boxes");
            }
            cols.addAll(List.of("prompt_tokens", "completion_tokens", "generate_ms", "error"));
            Dataset<Row> selected = result.selectExpr(cols.toArray(String[]::new)).cache();
            long n = selected.count();
            selected.write().json(out.toString());
            double s = (System.nanoTime() - t0) / 1e9;
            System.err.printf("run-local: %d images in %.1f s = %.2f images/s (%s) -> %s%n", n, s, n / s, master, out);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
