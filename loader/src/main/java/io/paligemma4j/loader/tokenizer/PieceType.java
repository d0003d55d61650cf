package io.paligemma4j.loader.tokenizer;

/** SentencePiece's piece types, in the protobuf enum's order (NORMAL = 1 … BYTE = 6). */
enum PieceType {
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    /** Control and unknown pieces are what Hugging Face calls special: dropped when decoding. */
    boolean special() {
        return this == CONTROL || this == UNKNOWN;
    }

    /** Pieces matched whole in the input text before BPE runs (Hugging Face's added tokens). */
    boolean atomic() {
        return this == CONTROL || this == UNKNOWN || this == USER_DEFINED;
    }
}
