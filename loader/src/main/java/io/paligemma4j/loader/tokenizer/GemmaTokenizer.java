package io.paligemma4j.loader.tokenizer;

import io.paligemma4j.loader.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Gemma's SentencePiece BPE tokenizer, read from {@code tokenizer.model} or {@code tokenizer.json}.
 * Encoding adds no BOS and no dummy-prefix space: the caller assembles {@code <bos>} and the
 * separate {@code "\n"} (PaliGemma prompt layout). Immutable and thread-safe.
 */
public final class GemmaTokenizer {
    private static final char META_SPACE = '\u2581';

    private final Vocabulary vocab;
    private final AtomicMatcher atomic;
    private final Bpe bpe;
    private final int bos, eos, pad;

    GemmaTokenizer(Vocabulary vocab, MergeRule rule, boolean byteFallback, boolean fuseUnk, List<String> atomicPieces) {
        this.vocab = vocab;
        this.atomic = new AtomicMatcher(atomicPieces, vocab);
        this.bpe = new Bpe(vocab, rule, byteFallback, fuseUnk);
        this.bos = vocab.require("<bos>");
        this.eos = vocab.require("<eos>");
        this.pad = vocab.require("<pad>");
    }

    GemmaTokenizer(Vocabulary vocab, MergeRule rule, boolean byteFallback, boolean fuseUnk) {
        this(vocab, rule, byteFallback, fuseUnk, vocab.atomicPieces());
    }

    /** Reads a SentencePiece {@code ModelProto} (BPE model with Gemma's identity normalizer). */
    public static GemmaTokenizer fromSentencePiece(Path tokenizerModel) {
        return SentencePieceModelReader.read(tokenizerModel, null);
    }

    /** Reads a Hugging Face {@code tokenizer.json} with a BPE model. */
    public static GemmaTokenizer fromTokenizerJson(Path tokenizerJson) {
        return TokenizerJsonReader.read(tokenizerJson);
    }

    /**
     * The tokenizer of a model directory: {@code tokenizer.model} (with {@code added_tokens.json}
     * when present, which is where Hugging Face repos keep PaliGemma's {@code <image>}), else
     * {@code tokenizer.json}.
     */
    public static GemmaTokenizer load(Path modelDir) {
        Path model = modelDir.resolve("tokenizer.model");
        if (Files.isRegularFile(model)) {
            Path added = modelDir.resolve("added_tokens.json");
            return SentencePieceModelReader.read(model, Files.isRegularFile(added) ? added : null);
        }
        Path json = modelDir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return fromTokenizerJson(json);
        }
        throw new BadInputException(modelDir + ": holds neither tokenizer.model nor tokenizer.json");
    }

    /** Token ids of {@code text}, without BOS or EOS. */
    public int[] encode(String text) {
        IntList out = new IntList();
        int run = 0;
        for (int i = 0; i < text.length(); ) {
            long match = atomic.longestAt(text, i);
            if (match < 0) {
                i++;
                continue;
            }
            encodeRun(text.substring(run, i), out);
            out.add((int) (match >>> 32));
            i += (int) match;
            run = i;
        }
        encodeRun(text.substring(run), out);
        return out.toArray();
    }

    private void encodeRun(String run, IntList out) {
        bpe.encode(run.replace(' ', META_SPACE), out);
    }

    /**
     * The text of {@code ids}: "▁" read as a space, runs of byte pieces decoded as UTF-8, control
     * and unknown pieces (pad, eos, bos, unk, …) left out, as Hugging Face's skip_special_tokens does.
     */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /**
     * As {@link #decode(int[])}, but with {@code skipSpecial} false every special piece except
     * pad, bos and eos is kept as its text: task outputs such as {@code <loc0123>} must survive
     * even where a tokenizer.json marks them special.
     */
    public String decode(int[] ids, boolean skipSpecial) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            check(id);
            if (vocab.types[id].special()
                    && (skipSpecial || id == padId() || id == bosId() || id == eosId())) {
                continue;
            }
            if (vocab.byteValues[id] >= 0) {
                bytes.write(vocab.byteValues[id]);
                continue;
            }
            if (bytes.size() > 0) {
                text.append(ByteFallback.decode(bytes));
                bytes.reset();
            }
            text.append(vocab.pieces[id].replace(META_SPACE, ' '));
        }
        if (bytes.size() > 0) {
            text.append(ByteFallback.decode(bytes));
        }
        return text.toString();
    }

    /** The piece with this id, as stored (spaces as "▁"). */
    public String piece(int id) {
        check(id);
        return vocab.pieces[id];
    }

    /** True for control and unknown pieces ({@code <bos>}, {@code <eos>}, {@code <image>}, …): Hugging Face's special tokens. */
    public boolean isSpecial(int id) {
        check(id);
        return vocab.types[id].special();
    }

    /** The pieces of {@code ids}, in order. */
    public List<String> pieces(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(piece(id));
        }
        return out;
    }

    /** The id of a piece given exactly as stored, if the vocabulary has it. */
    public OptionalInt id(String piece) {
        Integer id = vocab.ids.get(piece);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    public int vocabSize() {
        return vocab.pieces.length;
    }

    public int bosId() {
        return bos;
    }

    public int eosId() {
        return eos;
    }

    public int padId() {
        return pad;
    }

    public int unkId() {
        return vocab.unkId;
    }

    private void check(int id) {
        if (id < 0 || id >= vocab.pieces.length) {
            throw new BadInputException(vocab.source + ": no token has id " + id
                    + " (the vocabulary has ids 0.." + (vocab.pieces.length - 1) + ")");
        }
    }
}
