package io.paligemma4j.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The v1 fixture with a tokenizer.json that fits its 300-token vocabulary ({@code
 * models/tiny-v1-tokenizer} holds what {@link #create} writes, checked by {@link #committed}), so the text commands
 * (ask, detect, segment, caption --prompt) run end to end: specials at 0–3, "\n", "▁", letters,
 * digits and punctuation, byte pieces for ASCII, {@code <image>} at the model's image token id
 * (257, a special token) and a few loc/seg pieces. The weights are random, so answers mean nothing.
 */
final class TinyTokenizerModel {
    private TinyTokenizerModel() {}

    /** The committed copy, after checking that it is exactly what {@link #create} writes. */
    static Path committed(Path scratch) throws IOException {
        Path mine = create(scratch.resolve("tiny-v1-tokenizer"));
        Path repo = Fixtures.home().resolve("models/tiny-v1-tokenizer");
        if (!java.util.Arrays.equals(Files.readAllBytes(mine.resolve("tokenizer.json")),
                Files.readAllBytes(repo.resolve("tokenizer.json")))) {
            throw new IllegalStateException(repo + "/tokenizer.json differs from what TinyTokenizerModel writes");
        }
        return repo;
    }

    static Path create(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(Fixtures.model("v1").resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> pieces = new ArrayList<>(List.of("<pad>", "<eos>", "<bos>", "<unk>", "\n", "\u2581"));
        for (char c = 'a'; c <= 'z'; c++) {
            pieces.add(String.valueOf(c));
        }
        for (char c = '0'; c <= '9'; c++) {
            pieces.add(String.valueOf(c));
        }
        for (String p : List.of(";", "?", "<", ">", ".", ",")) {
            pieces.add(p);
        }
        for (int b = 0; b < 128; b++) {
            pieces.add(String.format("<0x%02X>", b));
        }
        while (pieces.size() < 257) {
            pieces.add("unused" + pieces.size());
        }
        pieces.addAll(List.of("<image>", "<loc0000>", "<loc0001>", "<seg000>"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Replace").put("content", "\u2581");
        normalizer.putObject("pattern").put("String", " ");
        root.putNull("pre_tokenizer");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode model = root.putObject("model").put("type", "BPE").put("unk_token", "<unk>")
                .put("byte_fallback", true).put("fuse_unk", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < pieces.size(); i++) {
            String p = pieces.get(i);
            vocab.put(p, i);
            boolean control = i < 4 || p.equals("<image>");
            boolean userDefined = p.startsWith("<loc") || p.startsWith("<seg");
            if (control || userDefined) {
                added.addObject().put("id", i).put("content", p).put("special", control).put("normalized", false)
                        .put("lstrip", false).put("rstrip", false);
            }
        }
        model.putArray("merges");
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        return dir;
    }
}
