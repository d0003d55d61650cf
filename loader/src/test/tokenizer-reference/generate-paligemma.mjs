// Writes expected-paligemma.jsonl: for every line of corpus.jsonl and corpus-paligemma.jsonl, the
// ids @huggingface/tokenizers gives for paligemma/tokenizer.json (the Gemma 256k vocabulary with
// PaliGemma's tokens; run extend-paligemma.mjs first), no BOS, and its decode of them with special
// tokens skipped. The real Gemma vocabulary lacks the <0x09> byte piece, so byte fallback is
// decided per character there: this corpus is where that shows.
import { Tokenizer } from "@huggingface/tokenizers";
import { readFileSync, writeFileSync } from "node:fs";

const tok = new Tokenizer(
  JSON.parse(readFileSync("paligemma/tokenizer.json", "utf8")),
  JSON.parse(readFileSync("paligemma/tokenizer_config.json", "utf8")),
);
const read = (f) => readFileSync(f, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
const corpus = [...read("corpus.jsonl"), ...read("corpus-paligemma.jsonl")];
const lines = [];
let bytePieces = 0;
for (const text of corpus) {
  const enc = tok.encode(text, { add_special_tokens: false });
  const ids = enc.ids;
  bytePieces += ids.filter((id) => id >= 217 && id < 217 + 256).length;
  const decoded = ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  lines.push(JSON.stringify({ text, ids, decoded }));
}
writeFileSync("expected-paligemma.jsonl", lines.join("\n") + "\n");
console.log(`wrote ${lines.length} expectations to expected-paligemma.jsonl (${bytePieces} byte pieces among them)`);
