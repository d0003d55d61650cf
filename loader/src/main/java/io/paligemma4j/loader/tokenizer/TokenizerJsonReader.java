package io.paligemma4j.loader.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.loader.BadInputException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} whose model is BPE with Gemma's pipeline: normalizer
 * {@code Replace(" ", "▁")}, no effective pre-tokenizer, added tokens matched whole. Pipelines that
 * would change the text some other way are rejected rather than silently tokenized differently.
 */
final class TokenizerJsonReader {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final String file;

    private TokenizerJsonReader(String file) {
        this.file = file;
    }

    static GemmaTokenizer read(Path path) {
        String file = path.toString();
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new BadInputException(file + ": no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return new TokenizerJsonReader(file).build(root);
    }

    private GemmaTokenizer build(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw bad("is not a JSON object");
        }
        checkNormalizer(root.path("normalizer"));
        checkPreTokenizer(root.path("pre_tokenizer"));
        JsonNode model = object(root, "model", "model");
        String type = model.path("type").asText("");
        if (!type.equals("BPE")) {
            throw bad("model.type is \"" + type + "\", not \"BPE\"");
        }
        for (String unsupported : new String[] {"dropout", "continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(unsupported).isMissingNode() && !model.path(unsupported).isNull()) {
                throw bad("model." + unsupported + " is set, which Gemma tokenizers do not use");
            }
        }
        if (model.path("ignore_merges").asBoolean(false)) {
            throw bad("model.ignore_merges is true, which Gemma tokenizers do not use");
        }

        Map<Integer, String> byId = new HashMap<>();
        object(model, "vocab", "model.vocab").properties().forEach(e -> {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw bad("model.vocab[" + Vocabulary.quote(e.getKey()) + "] is not a non-negative integer id");
            }
            put(byId, e.getValue().asInt(), e.getKey());
        });
        List<String> added = new ArrayList<>();
        Map<String, Boolean> special = new HashMap<>();
        JsonNode addedTokens = root.path("added_tokens");
        for (int i = 0; i < addedTokens.size(); i++) {
            JsonNode t = addedTokens.get(i);
            String where = "added_tokens[" + i + "]";
            if (!t.path("id").canConvertToInt() || t.path("id").asInt() < 0 || !t.path("content").isTextual()) {
                throw bad(where + " needs a non-negative integer id and a string content");
            }
            for (String flag : new String[] {"lstrip", "rstrip", "single_word"}) {
                if (t.path(flag).asBoolean(false)) {
                    throw bad(where + " sets " + flag + ", which Gemma tokenizers do not use");
                }
            }
            String content = t.get("content").asText();
            put(byId, t.get("id").asInt(), content);
            added.add(content);
            special.put(content, t.path("special").asBoolean(false));
        }

        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] pieces = new String[size];
        PieceType[] types = new PieceType[size];
        String unk = model.path("unk_token").asText(null);
        byId.forEach((id, piece) -> {
            pieces[id] = piece;
            types[id] = piece.equals(unk) ? PieceType.UNKNOWN
                    : special.containsKey(piece) ? (special.get(piece) ? PieceType.CONTROL : PieceType.USER_DEFINED)
                    : PieceType.NORMAL;
        });
        if (unk == null || !byId.containsValue(unk)) {
            throw bad("model.unk_token is missing or not in the vocabulary");
        }
        Vocabulary vocab = new Vocabulary(file, pieces, types);
        RankMerges merges = new RankMerges(merges(model, vocab));
        return new GemmaTokenizer(vocab, merges, model.path("byte_fallback").asBoolean(false),
                model.path("fuse_unk").asBoolean(false), added);
    }

    private void put(Map<Integer, String> byId, int id, String piece) {
        String before = byId.putIfAbsent(id, piece);
        if (before != null && !before.equals(piece)) {
            throw bad("id " + id + " is both " + Vocabulary.quote(before) + " and " + Vocabulary.quote(piece));
        }
    }

    private Map<Long, MergeRule.Merge> merges(JsonNode model, Vocabulary vocab) {
        JsonNode list = model.path("merges");
        if (!list.isArray()) {
            throw bad("model.merges is missing or not an array");
        }
        Map<Long, MergeRule.Merge> merges = HashMap.newHashMap(list.size());
        for (int rank = 0; rank < list.size(); rank++) {
            JsonNode m = list.get(rank);
            String left, right;
            int space = m.asText("").indexOf(' ');
            if (m.isTextual() && space > 0 && space == m.asText().lastIndexOf(' ')) {
                // Older files write "left right"; neither part can then contain a space.
                left = m.asText().substring(0, space);
                right = m.asText().substring(space + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw bad("model.merges[" + rank + "] is neither \"left right\" nor [left, right]");
            }
            Integer l = vocab.ids.get(left), r = vocab.ids.get(right), merged = vocab.ids.get(left + right);
            if (l == null || r == null || merged == null) {
                throw bad("model.merges[" + rank + "] " + Vocabulary.quote(left) + " + " + Vocabulary.quote(right)
                        + " uses or makes a piece that is not in the vocabulary");
            }
            // Later duplicates win, as in the reference implementations' rank maps.
            merges.put(RankMerges.key(l, r), new MergeRule.Merge(merged, rank));
        }
        return merges;
    }

    private void checkNormalizer(JsonNode n) {
        JsonNode only = n.path("type").asText("").equals("Sequence") && n.path("normalizers").size() == 1
                ? n.path("normalizers").get(0) : n;
        boolean spaceToMeta = only.path("type").asText("").equals("Replace")
                && only.path("pattern").path("String").asText("").equals(" ")
                && only.path("content").asText("").equals("\u2581");
        if (!spaceToMeta) {
            throw bad("normalizer " + n + " is not Gemma's Replace(\" \", \"\u2581\")");
        }
    }

    /** After the normalizer no space is left, so Gemma's split on " " changes nothing. */
    private void checkPreTokenizer(JsonNode p) {
        boolean none = p.isMissingNode() || p.isNull();
        boolean noOpSplit = p.path("type").asText("").equals("Split")
                && p.path("pattern").path("String").asText("").equals(" ");
        if (!none && !noOpSplit) {
            throw bad("pre_tokenizer " + p + " is not one Gemma tokenizers use");
        }
    }

    private JsonNode object(JsonNode parent, String field, String name) {
        JsonNode n = parent.path(field);
        if (!n.isObject()) {
            throw bad(name + " is missing or not an object");
        }
        return n;
    }

    private BadInputException bad(String problem) {
        return new BadInputException(file + ": " + problem);
    }
}
