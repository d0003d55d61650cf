package io.paligemma4j.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The protobuf reader and score-ordered BPE, against the same vocabulary read from tokenizer.json. */
class SentencePieceModelTest {
    static final List<String> TEXTS = List.of("", "hello", " hello", "hello hello", "  hello  ", "hel lo", "llo",
            "abc", "ab ab abc", "at", " at", "cat", "tat a", "hello<loc0000><loc0001> world", "<seg000>", "<image>",
            "<bos>hello<eos>", "<bos >", "<loc000", "12 21", "é", "x", "日本", "\n\n", "hello\nhello", "<0x41>");

    static final int BPE = 2, UNIGRAM = 1;

    @TempDir
    Path dir;

    final TinyVocabulary tiny = new TinyVocabulary();

    GemmaTokenizer model() throws IOException {
        return GemmaTokenizer.fromSentencePiece(tiny.writeModel(dir, BPE, true, false));
    }

    @Test
    void protobufAndTokenizerJsonAgree() throws IOException {
        GemmaTokenizer sp = model();
        for (boolean stringMerges : new boolean[] {true, false}) {
            GemmaTokenizer hf = GemmaTokenizer.fromTokenizerJson(tiny.writeJson(dir, stringMerges));
            assertEquals(sp.vocabSize(), hf.vocabSize());
            for (String text : TEXTS) {
                int[] ids = sp.encode(text);
                assertArrayEquals(ids, hf.encode(text), text);
                assertEquals(sp.decode(ids), hf.decode(ids), text);
            }
        }
    }

    @Test
    void encodesWithScoresUserDefinedPiecesAndBytes() throws IOException {
        GemmaTokenizer sp = model();
        assertEquals(List.of("hello", "\u2581hello"), sp.pieces(sp.encode("hello hello")));
        assertEquals(List.of("\u2581", "\u2581hello", "\u2581", "\u2581"), sp.pieces(sp.encode("  hello  ")));
        assertEquals(List.of("a", "<loc0000>", "<loc0001>", "<seg000>", "\u2581", "<image>"),
                sp.pieces(sp.encode("a<loc0000><loc0001><seg000> <image>")));
        assertEquals(List.of("<bos>", "hello", "<eos>"), sp.pieces(sp.encode("<bos>hello<eos>")));
        assertEquals(List.of("1", "2"), sp.pieces(sp.encode("12")));
        assertEquals(List.of("<0xC3>", "<0xA9>"), sp.pieces(sp.encode("é")));
        assertEquals(tiny.id("<loc0000>"), sp.id("<loc0000>").orElseThrow());
        assertTrue(sp.id("<loc9999>").isEmpty());
        assertEquals(2, sp.bosId());
        assertEquals(1, sp.eosId());
        assertEquals(0, sp.padId());
    }

    @Test
    void decodes() throws IOException {
        GemmaTokenizer sp = model();
        for (String text : List.of("hello hello", "  hello  ", "é x 日本", "a<loc0000>b")) {
            assertEquals(text, sp.decode(sp.encode(text)), text);
        }
        int c3 = tiny.id("<0xC3>"), a9 = tiny.id("<0xA9>"), a = tiny.id("a");
        assertEquals("é", sp.decode(new int[] {c3, 2, a9}), "control pieces drop out, byte runs fuse across them");
        assertEquals("\uFFFDa", sp.decode(new int[] {c3, a}));
        assertEquals("\uFFFD\uFFFD", sp.decode(new int[] {tiny.id("<0xE6>"), tiny.id("<0x97>")}));
        assertEquals("", sp.decode(new int[] {0, 1, 2, 3}));
    }

    /** A run of unknown characters is one unk, as SentencePiece's Encode and HF's fuse_unk give it. */
    @Test
    void withoutByteFallbackUnknownCharactersAreOneUnk() throws IOException {
        GemmaTokenizer sp = GemmaTokenizer.fromSentencePiece(tiny.writeModel(dir, BPE, false, false));
        assertArrayEquals(new int[] {3, tiny.id("a")}, sp.encode("xya"));
        assertArrayEquals(new int[] {3, tiny.id("a"), 3}, sp.encode("xyaz"));
    }

    /**
     * Byte fallback is decided per symbol (Hugging Face's rule): with {@code <0xA9>} missing, "é"
     * (C3 A9) is unk while "ä" (C3 A4) still becomes bytes; unks fuse, bytes do not break them up.
     */
    @Test
    void byteFallbackIsDecidedPerSymbol() throws IOException {
        tiny.pieces.removeIf(p -> p.text().equals("<0xA9>"));
        GemmaTokenizer sp = GemmaTokenizer.fromSentencePiece(tiny.writeModel(dir, BPE, true, false));
        GemmaTokenizer hf = GemmaTokenizer.fromTokenizerJson(tiny.writeJson(dir, true));
        for (GemmaTokenizer t : List.of(sp, hf)) {
            assertEquals(List.of("<0xC3>", "<0xA4>"), t.pieces(t.encode("ä")));
            assertEquals(List.of("<unk>"), t.pieces(t.encode("é")));
            assertEquals(List.of("<unk>"), t.pieces(t.encode("éé")));
            assertEquals(List.of("<unk>", "<0xC3>", "<0xA4>", "<unk>", "a"), t.pieces(t.encode("éäéa")));
            assertEquals(List.of("a", "<unk>", "<0x78>"), t.pieces(t.encode("aéx")));
        }
    }

    @Test
    void loadPrefersTokenizerModel() throws IOException {
        tiny.writeModel(dir, BPE, true, false);
        Files.writeString(dir.resolve("tokenizer.json"), "not json");
        assertEquals(tiny.pieces.size(), GemmaTokenizer.load(dir).vocabSize());
        int next = tiny.pieces.size();
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<extra>\": " + next + ", \"<image>\": " + tiny.id("<image>") + "}");
        GemmaTokenizer withAdded = GemmaTokenizer.load(dir);
        assertEquals(next + 1, withAdded.vocabSize());
        assertArrayEquals(new int[] {tiny.id("a"), next, tiny.id("<image>")}, withAdded.encode("a<extra><image>"));
        assertEquals("a<image>", withAdded.decode(withAdded.encode("a<extra><image>")));
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<gap>\": " + (next + 1) + "}");
        assertTrue(reject(() -> GemmaTokenizer.load(dir), "added_tokens.json").contains("next free id"));
        Files.delete(dir.resolve("added_tokens.json"));
        Files.delete(dir.resolve("tokenizer.model"));
        tiny.writeJson(dir, true);
        assertEquals(tiny.pieces.size(), GemmaTokenizer.load(dir).vocabSize());
    }

    static String reject(Executable e, String fileOrDir) {
        BadInputException x = assertThrows(BadInputException.class, e);
        assertTrue(x.getMessage().contains(fileOrDir), x.getMessage());
        assertFalse(x.getMessage().contains("\n"), "one line: " + x.getMessage());
        return x.getMessage();
    }

    @Test
    void rejectsBadInput() throws IOException {
        GemmaTokenizer sp = model();
        Path model = dir.resolve("tokenizer.model");
        assertTrue(reject(() -> sp.decode(new int[] {5, 999_999}), model.toString()).contains("999999"));
        assertTrue(reject(() -> sp.piece(-1), model.toString()).contains("-1"));

        tiny.writeModel(dir, UNIGRAM, true, false);
        assertTrue(reject(() -> GemmaTokenizer.fromSentencePiece(model), model.toString()).contains("not BPE"));
        tiny.writeModel(dir, BPE, true, true);
        assertTrue(reject(() -> GemmaTokenizer.fromSentencePiece(model), model.toString()).contains("dummy prefix"));

        byte[] good = tiny.modelProto(BPE, true, false);
        Files.write(model, java.util.Arrays.copyOf(good, good.length / 2));
        reject(() -> GemmaTokenizer.fromSentencePiece(model), model.toString());
        Files.writeString(model, "{\"this\": \"is json\"}");
        reject(() -> GemmaTokenizer.fromSentencePiece(model), model.toString());
        reject(() -> GemmaTokenizer.fromSentencePiece(dir.resolve("absent.model")), "absent.model");

        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertTrue(reject(() -> GemmaTokenizer.load(empty), empty.toString()).contains("neither"));
    }

    @Test
    void rejectsBadTokenizerJson() throws IOException {
        Path json = tiny.writeJson(dir, true);
        String good = Files.readString(json);
        for (String[] c : new String[][] {
                {"\"type\":\"BPE\"", "\"type\":\"Unigram\"", "not \"BPE\""},
                {"\"model\":", "\"modle\":", "model is missing"},
                {"\"merges\":[\"l l\"", "\"merges\":[\"l x\"", "merges[0]"},
                {"\"content\":\"\u2581\"", "\"content\":\"_\"", "normalizer"},
                {"\"unk_token\":\"<unk>\"", "\"unk_token\":\"<nope>\"", "unk_token"}}) {
            assertTrue(good.contains(c[0]), c[0]);
            Files.writeString(json, good.replace(c[0], c[1]));
            assertTrue(reject(() -> GemmaTokenizer.fromTokenizerJson(json), json.toString()).contains(c[2]), c[2]);
        }
        Files.writeString(json, "{");
        reject(() -> GemmaTokenizer.fromTokenizerJson(json), json.toString());
    }
}
