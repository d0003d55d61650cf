package io.paligemma4j.runtime.tasks;

import static org.junit.jupiter.api.Assertions.*;

import io.paligemma4j.loader.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class TaskPromptsTest {
    @Test
    void producesTheTaskSyntaxWithoutTheSeparator() {
        assertEquals("caption en", TaskPrompts.caption("en"));
        assertEquals("describe de", TaskPrompts.describe("de"));
        assertEquals("answer en What is on the table?", TaskPrompts.answer("en", "What is on the table?"));
        assertEquals("question fr un chat", TaskPrompts.question("fr", "un chat"));
        assertEquals("ocr", TaskPrompts.ocr());
        assertEquals("detect cat", TaskPrompts.detect("cat"));
        assertEquals("detect cat ; traffic light ; dog", TaskPrompts.detect("cat", "traffic light", "dog"));
        assertEquals("segment left car ; tree", TaskPrompts.segment("left car", "tree"));
    }

    @Test
    void stripsSurroundingWhitespaceOfFreeText() {
        assertEquals("answer en how many?", TaskPrompts.answer("en", "  how many? "));
        assertEquals("detect cat ; dog", TaskPrompts.detect(" cat", "dog "));
    }

    @Test
    void rejectsWhatWouldBreakThePrompt() {
        reject(() -> TaskPrompts.caption(""), "language code");
        reject(() -> TaskPrompts.caption("e n"), "language code");
        reject(() -> TaskPrompts.caption(null), "language code");
        reject(() -> TaskPrompts.answer("en", "  "), "question is empty");
        reject(() -> TaskPrompts.answer("en", "two\nlines"), "line break");
        reject(() -> TaskPrompts.question("en", ""), "answer is empty");
        reject(TaskPrompts::detect, "no objects");
        reject(() -> TaskPrompts.segment("cat;dog"), "';'");
        reject(() -> TaskPrompts.detect("cat", ""), "object name is empty");
    }

    private static void reject(Executable call, String fragment) {
        BadInputException e = assertThrows(BadInputException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }
}
