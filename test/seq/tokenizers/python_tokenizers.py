# The Python side of test/seq/tokenizers/hf-interop.test.ts: trains small
# tokenizers with Hugging Face `tokenizers` (the Rust library), saves each as
# NAME.json in OUT_DIR (bpe.json, wordpiece.json), and writes
# OUT_DIR/expected.json: its version, and per tokenizer its vocabulary size, the
# ids it encodes the sample texts to and the texts it decodes them back to.
#
#   python python_tokenizers.py OUT_DIR TEXTS_JSON
#
# TEXTS_JSON: a JSON file holding a list of strings to encode.
import json
import sys

import tokenizers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

CORPUS = [
    "47+38=85",
    "12+9=21",
    "the quick brown fox jumps over the lazy dog",
    "Hello, world! Hello again, world.",
    "héllo ✓ naïve café",
    "numbers 0123456789 and symbols +-*/=()",
    "tokenizers split text into tokens",
    "a tiny transformer learns to add small numbers",
]


def byte_level_bpe():
    """GPT-2 style: byte-level pre-tokenizer, BPE merges over bytes, byte-level decoder."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        min_frequency=1,
        special_tokens=["<pad>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


def wordpiece():
    """BERT style: BERT normalizer (lowercase, accents stripped), BERT pre-tokenizer, ## continuations, [UNK]."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.WordPieceTrainer(
        vocab_size=200,
        min_frequency=1,
        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"],
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok


def main():
    out_dir, texts_path = sys.argv[1], sys.argv[2]
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    expected = {}
    for name, make in [("bpe", byte_level_bpe), ("wordpiece", wordpiece)]:
        tok = make()
        tok.save(f"{out_dir}/{name}.json")
        # Load what was saved, so the ids come from the very file the TypeScript side reads.
        tok = Tokenizer.from_file(f"{out_dir}/{name}.json")
        rows = []
        for text in texts:
            ids = tok.encode(text, add_special_tokens=False).ids
            rows.append({
                "text": text,
                "ids": ids,
                "decoded": tok.decode(ids, skip_special_tokens=False),
                "decodedSkip": tok.decode(ids, skip_special_tokens=True),
            })
        expected[name] = {"vocabSize": tok.get_vocab_size(with_added_tokens=True), "rows": rows}
    with open(f"{out_dir}/expected.json", "w", encoding="utf-8") as f:
        json.dump({"version": tokenizers.__version__, "tokenizers": expected}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
