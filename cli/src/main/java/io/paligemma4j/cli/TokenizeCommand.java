package io.paligemma4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma4j.loader.BadInputException;
import io.paligemma4j.loader.tokenizer.GemmaTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Encode text with a Gemma tokenizer (tokenizer.model or tokenizer.json): "
        + "prints {\"ids\": [...], \"pieces\": [...]}; with --jsonl reads {\"text\": ...} lines on stdin.")
final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE|DIR",
            description = "tokenizer.model, tokenizer.json, or a model directory holding one.")
    Path tokenizer;

    @Option(names = "--text", paramLabel = "STRING", description = "Text to encode (no BOS is added).")
    String text;

    @Option(names = "--jsonl", description = "Read one {\"text\": ...} object per stdin line; print {\"ids\": [...]} per line.")
    boolean jsonl;

    static GemmaTokenizer open(Path p) {
        if (Files.isDirectory(p)) {
            return GemmaTokenizer.load(p);
        }
        String name = p.getFileName().toString();
        return name.endsWith(".json") ? GemmaTokenizer.fromTokenizerJson(p) : GemmaTokenizer.fromSentencePiece(p);
    }

    @Override
    public Integer call() throws IOException {
        if ((text == null) == !jsonl) {
            throw new BadInputException("give exactly one of --text or --jsonl");
        }
        GemmaTokenizer tok = open(tokenizer);
        if (!jsonl) {
            int[] ids = tok.encode(text);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ids", ids);
            out.put("pieces", tok.pieces(ids));
            OutputOptions.println(JSON.writeValueAsString(out));
            return 0;
        }
        // Invalid UTF-8 is refused with its line number, never replaced with U+FFFD in silence.
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
        int lineNo = 0;
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (CharacterCodingException e) {
                throw new BadInputException("stdin line " + (lineNo + 1) + " is not valid UTF-8");
            }
            if (line == null) {
                break;
            }
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new BadInputException("stdin line " + lineNo + " is not JSON");
            }
            if (n == null || !n.path("text").isTextual()) {
                throw new BadInputException("stdin line " + lineNo + " has no string field \"text\"");
            }
            OutputOptions.println(JSON.writeValueAsString(Map.of("ids", tok.encode(n.get("text").asText()))));
        }
        return 0;
    }
}
