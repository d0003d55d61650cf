package io.paligemma4j.loader.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.paligemma4j.loader.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads SentencePiece's {@code ModelProto} ({@code tokenizer.model}) field by field, without
 * generated code; only the fields a BPE encoder needs are kept, the rest are skipped.
 */
final class SentencePieceModelReader {
    // ModelProto
    private static final int PIECES = 1, TRAINER_SPEC = 2, NORMALIZER_SPEC = 3;
    // ModelProto.SentencePiece
    private static final int PIECE = 1, SCORE = 2, TYPE = 3;
    // TrainerSpec
    private static final int MODEL_TYPE = 3, BYTE_FALLBACK = 35;
    private static final int BPE = 2;
    // NormalizerSpec
    private static final int PRECOMPILED_CHARSMAP = 2, ADD_DUMMY_PREFIX = 3, REMOVE_EXTRA_WHITESPACES = 4;

    private final String file;
    private final List<String> pieces = new ArrayList<>();
    private final List<PieceType> types = new ArrayList<>();
    private final List<Float> scores = new ArrayList<>();
    private int modelType = 1; // proto default: UNIGRAM
    private boolean byteFallback;
    private boolean addDummyPrefix = true; // proto defaults
    private boolean removeExtraWhitespaces = true;
    private boolean hasCharsmap;

    private SentencePieceModelReader(String file) {
        this.file = file;
    }

    /**
     * @param addedTokensJson Hugging Face's {@code added_tokens.json} beside the model (PaliGemma's
     *                        holds {@code {"<image>": 257152}}), or null
     */
    static GemmaTokenizer read(Path path, Path addedTokensJson) {
        String file = path.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        SentencePieceModelReader r = new SentencePieceModelReader(file);
        try {
            r.model(CodedInputStream.newInstance(bytes));
        } catch (IOException e) {
            throw new BadInputException(file + ": not a SentencePiece model protobuf: " + e.getMessage(), e);
        }
        if (addedTokensJson != null) {
            r.addTokens(addedTokensJson);
        }
        return r.build();
    }

    /**
     * Appends the tokens Hugging Face adds past the SentencePiece vocabulary. The file does not say
     * whether they are special; PaliGemma's conversion registers its {@code <image>} as special, so
     * they become control pieces: matched whole, dropped when decoding.
     */
    private void addTokens(Path json) {
        String where = json.toString();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new BadInputException(where + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(where + ": is not a JSON object of token to id");
        }
        Map<Integer, String> byId = new TreeMap<>();
        root.properties().forEach(e -> {
            if (!e.getValue().canConvertToInt()) {
                throw new BadInputException(where + ": the id of " + Vocabulary.quote(e.getKey()) + " is not an integer");
            }
            byId.put(e.getValue().asInt(), e.getKey());
        });
        byId.forEach((id, token) -> {
            if (id < pieces.size() && pieces.get(id).equals(token)) {
                return; // already in the model
            }
            if (id != pieces.size()) {
                throw new BadInputException(where + ": " + Vocabulary.quote(token) + " has id " + id
                        + ", but the next free id after " + file + " is " + pieces.size());
            }
            pieces.add(token);
            scores.add(0f);
            types.add(PieceType.CONTROL);
        });
    }

    private GemmaTokenizer build() {
        if (pieces.isEmpty()) {
            throw new BadInputException(file + ": not a SentencePiece model: it holds no pieces");
        }
        if (modelType != BPE) {
            throw new BadInputException(file + ": SentencePiece model type " + modelType
                    + (modelType == 1 ? " (UNIGRAM)" : "") + " is not BPE (2), which Gemma uses");
        }
        // Gemma's normalizer is the identity; anything else would change the text before BPE.
        if (addDummyPrefix) {
            throw new BadInputException(file + ": normalizer adds a dummy prefix, which Gemma tokenizers do not");
        }
        if (removeExtraWhitespaces) {
            throw new BadInputException(file + ": normalizer removes extra whitespace, which Gemma tokenizers do not");
        }
        if (hasCharsmap) {
            throw new BadInputException(file + ": normalizer applies a Unicode normalization table,"
                    + " which Gemma tokenizers do not");
        }
        Vocabulary vocab = new Vocabulary(file, pieces.toArray(String[]::new), types.toArray(PieceType[]::new));
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        // SentencePiece fuses a run of unknown pieces into one (its Encode does; so does HF's conversion).
        return new GemmaTokenizer(vocab, new ScoreMerges(vocab, s), byteFallback, true);
    }

    private void model(CodedInputStream in) throws IOException {
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case PIECES -> nested(in, tag, this::piece);
                case TRAINER_SPEC -> nested(in, tag, this::trainerSpec);
                case NORMALIZER_SPEC -> nested(in, tag, this::normalizerSpec);
                default -> in.skipField(tag);
            }
        }
    }

    private void piece(CodedInputStream in) throws IOException {
        String piece = null;
        float score = 0;
        int type = 1; // proto default: NORMAL
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case PIECE -> piece = expect(in, tag, WireFormat.WIRETYPE_LENGTH_DELIMITED).readStringRequireUtf8();
                case SCORE -> score = expect(in, tag, WireFormat.WIRETYPE_FIXED32).readFloat();
                case TYPE -> type = expect(in, tag, WireFormat.WIRETYPE_VARINT).readEnum();
                default -> in.skipField(tag);
            }
        }
        int id = pieces.size();
        if (piece == null || piece.isEmpty()) {
            throw new BadInputException(file + ": piece " + id + " has no text");
        }
        if (type < 1 || type > PieceType.values().length) {
            throw new BadInputException(file + ": piece " + id + " " + Vocabulary.quote(piece)
                    + " has unknown type " + type);
        }
        pieces.add(piece);
        scores.add(score);
        types.add(PieceType.values()[type - 1]);
    }

    private void trainerSpec(CodedInputStream in) throws IOException {
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case MODEL_TYPE -> modelType = expect(in, tag, WireFormat.WIRETYPE_VARINT).readEnum();
                case BYTE_FALLBACK -> byteFallback = expect(in, tag, WireFormat.WIRETYPE_VARINT).readBool();
                default -> in.skipField(tag);
            }
        }
    }

    private void normalizerSpec(CodedInputStream in) throws IOException {
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case PRECOMPILED_CHARSMAP -> hasCharsmap =
                        !expect(in, tag, WireFormat.WIRETYPE_LENGTH_DELIMITED).readBytes().isEmpty();
                case ADD_DUMMY_PREFIX -> addDummyPrefix = expect(in, tag, WireFormat.WIRETYPE_VARINT).readBool();
                case REMOVE_EXTRA_WHITESPACES ->
                        removeExtraWhitespaces = expect(in, tag, WireFormat.WIRETYPE_VARINT).readBool();
                default -> in.skipField(tag);
            }
        }
    }

    private interface Body {
        void read(CodedInputStream in) throws IOException;
    }

    private void nested(CodedInputStream in, int tag, Body body) throws IOException {
        expect(in, tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        int limit = in.pushLimit(in.readRawVarint32());
        body.read(in);
        in.popLimit(limit);
    }

    private CodedInputStream expect(CodedInputStream in, int tag, int wireType) {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw new BadInputException(file + ": not a SentencePiece model: field " + field(tag)
                    + " has wire type " + WireFormat.getTagWireType(tag) + ", expected " + wireType);
        }
        return in;
    }

    private static int field(int tag) {
        return WireFormat.getTagFieldNumber(tag);
    }
}
