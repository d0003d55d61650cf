package io.paligemma4j.spark;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.image.ImageLoader;
import io.paligemma4j.loader.image.Preprocess;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import io.paligemma4j.runtime.Backends;
import io.paligemma4j.runtime.GenerationOptions;
import io.paligemma4j.runtime.PaliGemmaModel;
import io.paligemma4j.runtime.Session;
import io.paligemma4j.runtime.tasks.TaskPrompts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer in local[2] on the tiny model with a tokenizer, against the library's answers. */
class PaliGemmaTransformerTest {
    static final Path HOME = Path.of(System.getProperty("paligemma.home", ".."));
    static final String MODEL = HOME.resolve("models/tiny-v1-tokenizer").toString();

    @TempDir
    static Path dir;

    static SparkSession spark;
    static Path images;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("paligemma4j-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        images = dir.resolve("images");
        Files.createDirectories(images);
        Files.copy(HOME.resolve("samples/synthetic.png"), images.resolve("a.png"));
        Files.copy(HOME.resolve("tests/src/test/resources/fixtures/images/cmyk.jpg"), images.resolve("b.jpg"));
        Files.copy(HOME.resolve("tests/src/test/resources/fixtures/images/lossless.webp"), images.resolve("c.webp"));
        Files.copy(HOME.resolve("tests/src/test/resources/fixtures/images/truncated_baseline.jpg"), images.resolve("d.jpg"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static String library(Path image, String prompt, int maxTokens) {
        try (PaliGemmaModel m = PaliGemmaModel.load(Path.of(MODEL));
             Session s = Session.open(m, Backends.select("cpu"), Session.defaultCapacity(m.config()))) {
            GemmaTokenizer tok = GemmaTokenizer.load(Path.of(MODEL));
            var c = m.config();
            int[] prefix = Session.textPrefix(c.text().bosId(), TaskPrompts.encode(tok, prompt), tok.encode("\n"));
            float[] px = Preprocess.pixels(ImageLoader.load(image, ImageLoader.DEFAULT_MAX_PIXELS), c.vision().imageSize());
            return tok.decode(s.generate(px, prefix, new GenerationOptions(maxTokens, new HashSet<>(c.text().eosIds()),
                    c.imageTokenIndex()), t -> {}, false).tokens());
        }
    }

    @Test
    void everyRowIsTheLibrarysAnswerAndBadImagesAreErrorRows() {
        Dataset<Row> df = spark.read().format("binaryFile").load(images.toString()).repartition(2);
        PaliGemmaTransformer t = new PaliGemmaTransformer().setModelPath(MODEL).setMaxTokens(4);
        int loadsBefore = ExecutorModels.LOADS.get();
        List<Row> rows = t.transform(df).select("path", "answer", "completion_tokens", "error").collectAsList();
        assertEquals(4, rows.size());
        for (Row r : rows) {
            Path file = Path.of(java.net.URI.create(r.getString(0)));
            if (file.getFileName().toString().equals("d.jpg")) {
                assertNull(r.get(1));
                assertTrue(r.getString(3).contains("truncated"), r.getString(3));
            } else {
                assertNull(r.get(3), r.getString(0));
                assertEquals(library(file, "caption en", 4), r.getString(1), r.getString(0));
                assertEquals(4, r.getInt(2));
            }
        }
        // A second DataFrame reuses the executor's model: loaded once in this JVM.
        Dataset<Row> paths = spark.createDataFrame(List.of(new PathRow(images.resolve("a.png").toString())), PathRow.class);
        List<Row> again = new PaliGemmaTransformer().setModelPath(MODEL).setMaxTokens(4).setPrompt("detect cat ; dog")
                .transform(paths).select("answer", "boxes", "error").collectAsList();
        assertEquals(1, again.size());
        assertNull(again.get(0).get(2));
        assertEquals(library(images.resolve("a.png"), "detect cat ; dog", 4), again.get(0).getString(0));
        assertTrue(ExecutorModels.LOADS.get() - loadsBefore <= 1, "model loads: " + (ExecutorModels.LOADS.get() - loadsBefore));
    }

    /** A bean for a DataFrame with a path column. */
    public static final class PathRow implements java.io.Serializable {
        private String path;

        public PathRow() {}

        PathRow(String path) {
            this.path = path;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }
    }

    @Test
    void aWrongModelPathFailsOnTheDriverFirst() {
        Dataset<Row> df = spark.read().format("binaryFile").load(images.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PaliGemmaTransformer().setModelPath(dir.resolve("nope").toString()).transform(df));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PaliGemmaTransformer().transform(df));
    }

    @Test
    void paramsAreWrittenAndReadLikeSparksOwn() throws Exception {
        PaliGemmaTransformer t = new PaliGemmaTransformer().setModelPath(MODEL).setPrompt("answer en what").setMaxTokens(7)
                .setTemperature(0.5).setSeed(42);
        String path = dir.resolve("saved").toString();
        t.write().overwrite().save(path);
        PaliGemmaTransformer back = PaliGemmaTransformer.load(path);
        assertEquals(t.uid(), back.uid());
        assertEquals("answer en what", back.getOrDefault(back.prompt()));
        assertEquals(7, back.getOrDefault(back.maxTokens()));
        assertEquals(0.5, back.getOrDefault(back.temperature()));
        assertEquals(42L, back.getOrDefault(back.seed()));
    }
}
