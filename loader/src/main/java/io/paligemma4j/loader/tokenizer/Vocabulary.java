package io.paligemma4j.loader.tokenizer;

import io.paligemma4j.loader.BadInputException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Pieces indexed by id, with their types and the reverse map; built once by a reader. */
final class Vocabulary {
    final String source;
    final String[] pieces;
    final PieceType[] types;
    final Map<String, Integer> ids;
    /** Id of the {@code <0xXX>} piece for each byte value, or -1. */
    final int[] byteIds = new int[256];
    /** Byte value of each byte piece, or -1 for other pieces. */
    final int[] byteValues;
    final int unkId;

    /**
     * @param source  the file, for error messages
     * @param pieces  piece text by id; every slot must be filled
     * @param types   piece type by id
     */
    Vocabulary(String source, String[] pieces, PieceType[] types) {
        this.source = source;
        this.pieces = pieces;
        this.types = types;
        this.ids = HashMap.newHashMap(pieces.length);
        this.byteValues = new int[pieces.length];
        Arrays.fill(byteIds, -1);
        int unk = -1;
        for (int id = 0; id < pieces.length; id++) {
            String p = pieces[id];
            if (p == null) {
                throw new BadInputException(source + ": no piece has id " + id + " (ids must be 0.."
                        + (pieces.length - 1) + " without gaps)");
            }
            Integer before = ids.putIfAbsent(p, id);
            if (before != null) {
                throw new BadInputException(source + ": piece " + quote(p) + " appears twice, as ids "
                        + before + " and " + id);
            }
            byteValues[id] = byteValue(p);
            if (types[id] == PieceType.BYTE && byteValues[id] < 0) {
                throw new BadInputException(source + ": byte piece " + id + " is " + quote(p)
                        + ", not of the form <0xXX>");
            }
            if (byteValues[id] >= 0) {
                byteIds[byteValues[id]] = id;
            }
            if (types[id] == PieceType.UNKNOWN) {
                unk = id;
            }
        }
        if (unk < 0) {
            throw new BadInputException(source + ": the vocabulary has no unknown-token piece");
        }
        this.unkId = unk;
    }

    int require(String piece) {
        Integer id = ids.get(piece);
        if (id == null) {
            throw new BadInputException(source + ": the vocabulary lacks " + piece);
        }
        return id;
    }

    List<String> atomicPieces() {
        return IntStream.range(0, pieces.length)
                .filter(id -> types[id].atomic())
                .mapToObj(id -> pieces[id])
                .toList();
    }

    /** {@code <0xXX>} with two upper-case hex digits, as SentencePiece and Hugging Face name them. */
    private static int byteValue(String p) {
        if (p.length() != 6 || !p.startsWith("<0x") || p.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(p.charAt(3), 16);
        int lo = Character.digit(p.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append('"').toString();
    }
}
