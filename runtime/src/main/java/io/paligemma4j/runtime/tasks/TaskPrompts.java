package io.paligemma4j.runtime.tasks;

import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;

/**
 * PaliGemma's task prefixes, without the trailing {@code "\n"}: the runtime tokenizes that
 * separator on its own, as big_vision does (a joint tokenization of prefix and newline could merge
 * across the boundary). Free text (questions, answers, object names) is
 * stripped of surrounding whitespace and must not hold a newline, which would end the prefix early;
 * object names must not hold {@code ';'}, the separator between objects.
 */
public final class TaskPrompts {
    private TaskPrompts() {}

    public static String caption(String lang) {
        return "caption " + lang(lang);
    }

    /** Pretrained (pt) checkpoints only. */
    public static String describe(String lang) {
        return "describe " + lang(lang);
    }

    public static String answer(String lang, String question) {
        return "answer " + lang(lang) + " " + text("question", question);
    }

    /** Pretrained (pt) checkpoints only: asks the model for a question whose answer is given. */
    public static String question(String lang, String answer) {
        return "question " + lang(lang) + " " + text("answer", answer);
    }

    /** A prompt typed whole ({@code caption --prompt}): the same rules as free text, no line break, not empty. */
    public static String custom(String prompt) {
        return text("prompt", prompt);
    }

    /**
     * The ids of typed prompt text. A special token written out in it ({@code <image>},
     * {@code <bos>}, {@code <eos>}, …) is refused: only the runtime places them. Hugging Face's
     * processor fails on an {@code <image>} count that does not match the images; the other control
     * tokens would end or restart the sequence. {@code <locNNNN>} and {@code <segNNN>} are ordinary
     * pieces and are allowed.
     */
    public static int[] encode(GemmaTokenizer tok, String text) {
        int[] ids = tok.encode(text);
        for (int id : ids) {
            if (tok.isSpecial(id) && text.contains(tok.piece(id))) {
                throw new BadInputException("the prompt contains the special token " + tok.piece(id)
                        + ", which only the runtime places ([image tokens][<bos>] prompt \\n); leave it out");
            }
        }
        return ids;
    }

    /** Pretrained (pt) checkpoints only. */
    public static String ocr() {
        return "ocr";
    }

    public static String detect(String... objects) {
        return "detect " + objects(objects);
    }

    public static String segment(String... objects) {
        return "segment " + objects(objects);
    }

    private static String lang(String lang) {
        if (lang == null || lang.isEmpty() || lang.chars().anyMatch(Character::isWhitespace)) {
            throw new BadInputException("language code '" + lang + "' must be non-empty without spaces (e.g. en)");
        }
        return lang;
    }

    private static String text(String what, String s) {
        String t = s == null ? "" : s.strip();
        if (t.isEmpty()) {
            throw new BadInputException("the " + what + " is empty");
        }
        if (t.indexOf('\n') >= 0 || t.indexOf('\r') >= 0) {
            throw new BadInputException("the " + what + " holds a line break, which would end the prompt early");
        }
        return t;
    }

    private static String objects(String... objects) {
        if (objects.length == 0) {
            throw new BadInputException("no objects named; give at least one (e.g. cat)");
        }
        StringBuilder sb = new StringBuilder();
        for (String o : objects) {
            String t = text("object name", o);
            if (t.indexOf(';') >= 0) {
                throw new BadInputException("object name '" + t + "' holds ';', which separates objects");
            }
            if (!sb.isEmpty()) {
                sb.append(" ; ");
            }
            sb.append(t);
        }
        return sb.toString();
    }
}
