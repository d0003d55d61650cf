package io.paligemma4j.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Gemma 3 vocabulary rewritten as a SentencePiece ModelProto, each piece scored by the rank
 * of the first merge that makes it (Hugging Face's converter orders merges by piece score, so
 * this recovers the order): the protobuf reader and score-ordered BPE must reproduce the
 * reference ids for the whole corpus.
 */
class GemmaModelProtoCrossCheckTest {
    @TempDir
    Path dir;

    @Test
    void scoreOrderedBpeMatchesTheReferenceOnGemma3() throws IOException {
        Path source = GemmaTokenizerReferenceTest.requireGemma3Json();
        ObjectMapper json = new ObjectMapper();
        JsonNode root = json.readTree(source.toFile());
        JsonNode model = root.get("model");

        Map<String, Integer> firstRank = new HashMap<>();
        JsonNode merges = model.get("merges");
        for (int rank = 0; rank < merges.size(); rank++) {
            firstRank.putIfAbsent(merges.get(rank).get(0).asText() + merges.get(rank).get(1).asText(), rank);
        }
        Map<String, Boolean> added = new HashMap<>();
        root.get("added_tokens").forEach(t -> added.put(t.get("content").asText(), t.get("special").asBoolean()));
        String[] byId = new String[root.get("added_tokens").findValues("id").stream()
                .mapToInt(JsonNode::asInt).max().orElseThrow() + 1];
        model.get("vocab").properties().forEach(e -> byId[e.getValue().asInt()] = e.getKey());
        root.get("added_tokens").forEach(t -> byId[t.get("id").asInt()] = t.get("content").asText());

        List<TinyVocabulary.Piece> pieces = new ArrayList<>();
        for (String p : byId) {
            int type = p.equals("<unk>") ? TinyVocabulary.UNKNOWN
                    : added.containsKey(p) ? (added.get(p) ? TinyVocabulary.CONTROL : TinyVocabulary.USER_DEFINED)
                    : p.matches("<0x[0-9A-F]{2}>") ? TinyVocabulary.BYTE
                    : TinyVocabulary.NORMAL;
            float score = firstRank.containsKey(p) ? -firstRank.get(p) : -1e9f;
            pieces.add(new TinyVocabulary.Piece(p, score, type));
        }
        Path proto = Files.write(dir.resolve("tokenizer.model"), TinyVocabulary.modelProto(pieces, 2, true, false));
        GemmaTokenizer sp = GemmaTokenizer.fromSentencePiece(proto);

        List<String> failures = new ArrayList<>();
        List<String> lines = Files.readAllLines(GemmaTokenizerReferenceTest.REFERENCE.resolve("expected.jsonl"));
        for (String line : lines) {
            JsonNode e = json.readTree(line);
            int[] expected = json.treeToValue(e.get("ids"), int[].class);
            int[] ids = sp.encode(e.get("text").asText());
            if (!Arrays.equals(expected, ids)) {
                failures.add(json.writeValueAsString(e.get("text").asText()) + ": expected "
                        + Arrays.toString(expected) + " got " + Arrays.toString(ids));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + lines.size() + " differ:\n" + String.join("\n", failures));
    }
}
