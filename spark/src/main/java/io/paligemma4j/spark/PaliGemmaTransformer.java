package io.paligemma4j.spark;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.ConfigReader;
import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.image.RgbImage;
import io.paligemma4j.runtime.Backend;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationResult;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.Completions;
import io.paligemma4j.runtime.tasks.Detection;
import io.paligemma4j.runtime.tasks.Detections;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * PaliGemma as a Spark ML {@link Transformer}: takes a DataFrame of images (the {@code binaryFile}
 * source's {@code content}, or a column of paths) and adds the model's output: {@code answer}, for
 * detection prompts {@code boxes} (label and x1, y1, x2, y2 in pixels), token counts, timings, and
 * {@code error} for an image that cannot be read (the job goes on). Generation defaults are the
 * command line's: greedy, 32 new tokens. The model path must be readable on every node; a wrong
 * path fails on the driver, before any image is processed.
 */
public final class PaliGemmaTransformer extends Transformer implements DefaultParamsWritable {
    private final String uid;

    private final Param<String> modelPath;
    private final Param<String> prompt;
    private final Param<String> imageCol;
    private final Param<String> pathCol;
    private final Param<String> backend;
    private final IntParam maxTokens;
    private final DoubleParam temperature;
    private final IntParam topK;
    private final DoubleParam topP;
    private final LongParam seed;

    // Spark finds a stage's params through public no-argument methods returning them.

    public Param<String> modelPath() {
        return modelPath;
    }

    public Param<String> prompt() {
        return prompt;
    }

    public Param<String> imageCol() {
        return imageCol;
    }

    public Param<String> pathCol() {
        return pathCol;
    }

    public Param<String> backend() {
        return backend;
    }

    public IntParam maxTokens() {
        return maxTokens;
    }

    public DoubleParam temperature() {
        return temperature;
    }

    public IntParam topK() {
        return topK;
    }

    public DoubleParam topP() {
        return topP;
    }

    public LongParam seed() {
        return seed;
    }

    public PaliGemmaTransformer() {
        this("paligemma_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    }

    public PaliGemmaTransformer(String uid) {
        this.uid = uid;
        modelPath = new Param<>(this, "modelPath", "checkpoint directory, readable on every node");
        prompt = new Param<>(this, "prompt", "the PaliGemma prompt: caption en, answer en ..., detect a ; b");
        imageCol = new Param<>(this, "imageCol", "binary column with image bytes (binaryFile's content)");
        pathCol = new Param<>(this, "pathCol", "string column with the image's path; read when imageCol is absent");
        backend = new Param<>(this, "backend", "cpu, reference, tornado; empty: the fastest available");
        maxTokens = new IntParam(this, "maxTokens", "new tokens at most");
        temperature = new DoubleParam(this, "temperature", "0 = greedy; above 0 samples");
        topK = new IntParam(this, "topK", "sample among the k most likely (0 = all)");
        topP = new DoubleParam(this, "topP", "sample within probability mass p");
        seed = new LongParam(this, "seed", "sampling seed");
        setDefault(prompt, "caption en");
        setDefault(imageCol, "content");
        setDefault(pathCol, "path");
        setDefault(backend, "");
        setDefault(maxTokens, 32);
        setDefault(temperature, 0.0);
        setDefault(topK, 0);
        setDefault(topP, 1.0);
        setDefault(seed, 0L);
    }

    public PaliGemmaTransformer setModelPath(String v) {
        set(modelPath, v);
        return this;
    }

    public PaliGemmaTransformer setPrompt(String v) {
        set(prompt, v);
        return this;
    }

    public PaliGemmaTransformer setImageCol(String v) {
        set(imageCol, v);
        return this;
    }

    public PaliGemmaTransformer setPathCol(String v) {
        set(pathCol, v);
        return this;
    }

    public PaliGemmaTransformer setBackend(String v) {
        set(backend, v);
        return this;
    }

    public PaliGemmaTransformer setMaxTokens(int v) {
        set(maxTokens, v);
        return this;
    }

    public PaliGemmaTransformer setTemperature(double v) {
        set(temperature, v);
        return this;
    }

    public PaliGemmaTransformer setTopK(int v) {
        set(topK, v);
        return this;
    }

    public PaliGemmaTransformer setTopP(double v) {
        set(topP, v);
        return this;
    }

    public PaliGemmaTransformer setSeed(long v) {
        set(seed, v);
        return this;
    }

    // Scala's Int and Double params are Param<Object> in Java, holding boxed values.
    private int intOf(IntParam param) {
        return (Integer) $(param);
    }

    private double doubleOf(DoubleParam param) {
        return (Double) $(param);
    }

    @Override
    public String uid() {
        return uid;
    }

    private boolean detects() {
        return $(prompt).startsWith("detect ");
    }

    static final StructType BOX = new StructType(new StructField[] {
        DataTypes.createStructField("label", DataTypes.StringType, false),
        DataTypes.createStructField("x1", DataTypes.DoubleType, false),
        DataTypes.createStructField("y1", DataTypes.DoubleType, false),
        DataTypes.createStructField("x2", DataTypes.DoubleType, false),
        DataTypes.createStructField("y2", DataTypes.DoubleType, false)});

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = List.of(schema.fieldNames());
        if (!names.contains($(imageCol)) && !names.contains($(pathCol))) {
            throw new IllegalArgumentException("the DataFrame has neither an image column '" + $(imageCol)
                    + "' nor a path column '" + $(pathCol) + "'");
        }
        StructType out = schema.add("answer", DataTypes.StringType, true);
        if (detects()) {
            out = out.add("boxes", DataTypes.createArrayType(BOX, false), true);
        }
        return out.add("prompt_tokens", DataTypes.IntegerType, true)
                .add("completion_tokens", DataTypes.IntegerType, true)
                .add("generate_ms", DataTypes.DoubleType, true)
                .add("error", DataTypes.StringType, true);
    }

    /** Checks on the driver, before any task runs: the path, the config, the tokenizer, the options. */
    private void checkOnDriver() {
        if (!isDefined(modelPath) || $(modelPath).isEmpty()) {
            throw new IllegalArgumentException("modelPath is not set");
        }
        Path dir = Path.of($(modelPath));
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("modelPath " + dir + " is not a directory on the driver; it must be a"
                    + " checkpoint directory every node can read");
        }
        try {
            ConfigReader.read(dir.resolve("config.json"));
        } catch (BadInputException e) {
            throw new IllegalArgumentException("modelPath " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(dir.resolve("tokenizer.json")) && !Files.isRegularFile(dir.resolve("tokenizer.model"))) {
            throw new IllegalArgumentException("modelPath " + dir + " has no tokenizer.model or tokenizer.json");
        }
        if (intOf(maxTokens) < 1 || doubleOf(temperature) < 0 || intOf(topK) < 0
                || !(doubleOf(topP) > 0 && doubleOf(topP) <= 1)) {
            throw new IllegalArgumentException("maxTokens must be >= 1, temperature >= 0, topK >= 0, topP in (0, 1]");
        }
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        checkOnDriver();
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        String model = $(modelPath);
        String text = $(prompt);
        String backendName = $(backend).isEmpty() ? null : $(backend);
        boolean byBytes = List.of(in.fieldNames()).contains($(imageCol));
        int col = in.fieldIndex(byBytes ? $(imageCol) : $(pathCol));
        boolean detect = detects();
        int max = intOf(maxTokens);
        double temp = doubleOf(temperature);
        int k = intOf(topK);
        double p = doubleOf(topP);
        long s = (Long) $(seed);
        MapPartitionsFunction<Row, Row> f = rows -> new Partition(rows, model, backendName, text, byBytes, col, detect,
                max, temp, k, p, s);
        return dataset.toDF().mapPartitions(f, ExpressionEncoder.apply(out));
    }

    /** One task's rows through one session, opened with the partition and closed when it is exhausted or the task ends. */
    private static final class Partition implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final ExecutorModels.Loaded loaded;
        private final Completions completions;
        private final Session session;
        private final String prompt;
        private final boolean byBytes;
        private final int col;
        private final boolean detect;
        private final io.paligemma4j.runtime.GenerationOptions options;
        private final int[] prefix;
        private boolean closed;

        Partition(Iterator<Row> rows, String model, String backendName, String prompt, boolean byBytes, int col,
                  boolean detect, int max, double temp, int k, double p, long seed) {
            this.rows = rows;
            this.loaded = ExecutorModels.get(model);
            this.completions = new Completions(loaded.model(), loaded.tokenizer());
            Backend b = Backends.select(backendName);
            this.session = Session.open(loaded.model(), b, Session.defaultCapacity(loaded.model().config()));
            // Closed when the task ends, also when Spark stops reading early (a limit, a failure).
            org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> close());
            }
            this.prompt = prompt;
            this.byBytes = byBytes;
            this.col = col;
            this.detect = detect;
            this.options = completions.options(max, temp, k, p, seed);
            this.prefix = completions.prefix(prompt);
            completions.checkFits(prefix, max, session.capacity());
        }

        @Override
        public boolean hasNext() {
            boolean more = rows.hasNext();
            if (!more) {
                close();
            }
            return more;
        }

        private synchronized void close() {
            if (!closed) {
                closed = true;
                session.close();
            }
        }

        @Override
        public Row next() {
            Row r = rows.next();
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < r.length(); i++) {
                values.add(r.get(i));
            }
            try {
                RgbImage img = byBytes ? ImageLoader.load((byte[]) r.get(col), "image in row", ImageLoader.DEFAULT_MAX_PIXELS)
                        : ImageLoader.load(Path.of(r.getString(col)), ImageLoader.DEFAULT_MAX_PIXELS);
                float[] px = Preprocess.pixels(img, loaded.model().config().vision().imageSize());
                long t0 = System.nanoTime();
                GenerationResult g = session.generate(px, prefix, options, t -> {}, false);
                double ms = (System.nanoTime() - t0) / 1e6;
                String answer = loaded.tokenizer().decode(g.tokens());
                values.add(answer);
                if (detect) {
                    List<Row> boxes = new ArrayList<>();
                    for (Detection d : Detections.parse(answer, img.width(), img.height())) {
                        boxes.add(RowFactory.create(d.label(), d.x1(), d.y1(), d.x2(), d.y2()));
                    }
                    values.add(scala.jdk.javaapi.CollectionConverters.asScala(boxes).toSeq());
                }
                values.add(loaded.model().config().numImageTokens() + prefix.length);
                values.add(g.tokens().length);
                values.add(ms);
                values.add(null);
            } catch (BadInputException e) {
                values.add(null);
                if (detect) {
                    values.add(null);
                }
                values.add(null);
                values.add(null);
                values.add(null);
                values.add(e.getMessage());
            }
            return RowFactory.create(values.toArray());
        }
    }

    @Override
    public PaliGemmaTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a transformer saved with {@code write().save(path)}. */
    public static MLReader<PaliGemmaTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static PaliGemmaTransformer load(String path) {
        return read().load(path);
    }
}
