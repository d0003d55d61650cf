package io.paligemma4j.loader.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Gemma-shaped vocabulary small enough to write by hand, as a SentencePiece ModelProto and as
 * the tokenizer.json Hugging Face's converter would make of it (merges ordered by merged-piece score).
 */
final class TinyVocabulary {
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, BYTE = 6;

    record Piece(String text, float score, int type) {}

    /** Merge products first, best score first; single characters after them. */
    static final List<String> NORMALS = List.of("ll", "he", "llo", "hello", "\u2581h", "\u2581hello", "ab", "abc",
            "\u2581a", "at", "\u2581at", "lo", "\u2581", "a", "b", "c", "e", "h", "l", "o", "t", "1", "2", "\n");

    final List<Piece> pieces = new ArrayList<>();

    TinyVocabulary() {
        pieces.add(new Piece("<pad>", 0, CONTROL));
        pieces.add(new Piece("<eos>", 0, CONTROL));
        pieces.add(new Piece("<bos>", 0, CONTROL));
        pieces.add(new Piece("<unk>", 0, UNKNOWN));
        for (int b = 0; b < 256; b++) {
            pieces.add(new Piece(String.format("<0x%02X>", b), 0, BYTE));
        }
        for (int i = 0; i < NORMALS.size(); i++) {
            pieces.add(new Piece(NORMALS.get(i), -1 - i, NORMAL));
        }
        for (String u : List.of("<loc0000>", "<loc0001>", "<seg000>", "<image>")) {
            pieces.add(new Piece(u, 0, USER_DEFINED));
        }
    }

    int id(String piece) {
        for (int i = 0; i < pieces.size(); i++) {
            if (pieces.get(i).text().equals(piece)) {
                return i;
            }
        }
        throw new IllegalArgumentException(piece);
    }

    byte[] modelProto(int modelType, boolean byteFallback, boolean addDummyPrefix) {
        return modelProto(pieces, modelType, byteFallback, addDummyPrefix);
    }

    /** A SentencePiece ModelProto holding {@code pieces} in order, with Gemma's normalizer spec. */
    static byte[] modelProto(List<Piece> pieces, int modelType, boolean byteFallback, boolean addDummyPrefix) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CodedOutputStream model = CodedOutputStream.newInstance(out);
            for (Piece p : pieces) {
                model.writeByteArray(1, message(m -> {
                    m.writeString(1, p.text());
                    m.writeFloat(2, p.score());
                    m.writeEnum(3, p.type());
                }));
            }
            model.writeByteArray(2, message(t -> {
                t.writeString(1, "ignored-input.txt"); // a field the reader skips
                t.writeEnum(3, modelType);
                t.writeBool(25, true);
                t.writeBool(35, byteFallback);
            }));
            model.writeByteArray(3, message(n -> {
                n.writeString(1, "identity");
                n.writeBool(3, addDummyPrefix);
                n.writeBool(4, false);
            }));
            model.writeString(99, "unknown field");
            model.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path writeModel(Path dir, int modelType, boolean byteFallback, boolean addDummyPrefix) throws IOException {
        return Files.write(dir.resolve("tokenizer.model"), modelProto(modelType, byteFallback, addDummyPrefix));
    }

    /** As Hugging Face converts it: control, unk and user-defined pieces become added tokens. */
    Path writeJson(Path dir, boolean stringMerges) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Replace").put("content", "\u2581");
        normalizer.putObject("pattern").put("String", " ");
        root.putNull("pre_tokenizer");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode model = root.putObject("model").put("type", "BPE").put("unk_token", "<unk>").put("byte_fallback", true)
                .put("fuse_unk", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            vocab.put(p.text(), i);
            if (p.type() == CONTROL || p.type() == UNKNOWN || p.type() == USER_DEFINED) {
                added.addObject().put("id", i).put("content", p.text()).put("special", p.type() != USER_DEFINED)
                        .put("normalized", false).put("lstrip", false).put("rstrip", false);
            }
        }
        ArrayNode merges = model.putArray("merges");
        for (String product : NORMALS) {
            for (int cut = 1; cut < product.length(); cut++) {
                String left = product.substring(0, cut), right = product.substring(cut);
                if (NORMALS.contains(left) && NORMALS.contains(right)) {
                    if (stringMerges) {
                        merges.add(left + " " + right);
                    } else {
                        merges.addArray().add(left).add(right);
                    }
                }
            }
        }
        Path p = dir.resolve("tokenizer.json");
        json.writeValue(p.toFile(), root);
        return p;
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        body.write(out);
        out.flush();
        return bytes.toByteArray();
    }
}
