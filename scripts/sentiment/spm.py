"""SentencePiece unigram tokenisation exactly as rust_tokenizers 8 `XLMRobertaTokenizer` does it
(what earshot runs), plus a writer for the pruned `.model` protobuf that rust_tokenizers reads.

rust_tokenizers: drop control characters (strict BERT definition), whitespace -> ' ', NFKC,
every whitespace char -> U+2581, a leading U+2581, Viterbi over the pieces (first best wins on
ties), consecutive unknown characters merged into one <unk>.  Ids: <s>=0 <pad>=1 </s>=2 <unk>=3,
proto piece i (i >= 3) -> i + 1, <mask> last.
"""
import struct
import unicodedata

# rust_tokenizers WHITESPACE_CHARS and ADDITIONAL_WHITESPACE_CHARS
WHITESPACE = {0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000}
ADDITIONAL_WS = {"\t", "\n", "\r"}


def is_control(ch):
    if ch in ADDITIONAL_WS:
        return False
    u = ord(ch)
    return (
        u <= 0x1F
        or 0x80 <= u <= 0x9F
        or 0xE0020 <= u <= 0xE007F
        or 0xE000 <= u <= 0xF8FF
        or 0xF0000 <= u <= 0xFFFFD
        or 0x100000 <= u <= 0x10FFFD
        or 0xD800 <= u <= 0xDBFF
    )


def normalise(text):
    out = []
    for ch in text:
        if is_control(ch) or ch == "\x00" or ch == "\ufffd":
            continue
        out.append(" " if ord(ch) in WHITESPACE else ch)
    s = unicodedata.normalize("NFKC", "".join(out))
    s = "".join("\u2581" if ord(ch) in WHITESPACE else ch for ch in s)
    if not s.startswith("\u2581"):
        s = "\u2581" + s
    return s


class Unigram:
    """pieces: list of (piece, score) in proto order (first three: <unk>, <s>, </s>)."""

    def __init__(self, pieces):
        self.pieces = pieces
        self.table = {}
        self.maxlen = 1
        for i, (p, sc) in enumerate(pieces):
            if p not in self.table:
                self.table[p] = (i, sc)
            self.maxlen = max(self.maxlen, len(p))

    def encode(self, text):
        s = normalise(text)
        n = len(s)
        best = [float("-inf")] * (n + 1)
        back = [None] * (n + 1)
        best[0] = 0.0
        table, maxlen = self.table, self.maxlen
        for i in range(n):
            if best[i] == float("-inf"):
                continue
            for j in range(i + 1, min(n, i + maxlen) + 1):
                hit = table.get(s[i:j])
                if hit is None:
                    continue
                sc = best[i] + hit[1]
                if sc > best[j]:
                    best[j] = sc
                    back[j] = (i, hit[0])
            if best[i + 1] <= -3.4028235e38:
                back[i + 1] = (i, 0)
                best[i + 1] = 0.0
        nodes = []
        j = n
        while j > 0:
            i, idx = back[j]
            nodes.append(idx)
            j = i
        nodes.reverse()
        ids = []
        prev_unk = False
        for idx in nodes:
            if idx == 0:
                if not prev_unk:
                    ids.append(3)
                prev_unk = True
                continue
            prev_unk = False
            # proto 1 (<s>) -> 0, proto 2 (</s>) -> 2, proto i>=3 -> i+1
            ids.append({1: 0, 2: 2}.get(idx, idx + 1))
        return ids


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, wire, payload):
    return _varint((num << 3) | wire) + payload


def write_model(path, pieces):
    """Write a sentencepiece ModelProto holding `pieces` [(piece, score, type)]; type 1 normal,
    2 unknown, 3 control."""
    body = bytearray()
    for piece, score, typ in pieces:
        pb = piece.encode("utf-8")
        sp = _field(1, 2, _varint(len(pb)) + pb) + _field(2, 5, struct.pack("<f", score)) + _field(3, 0, _varint(typ))
        body += _field(1, 2, _varint(len(sp)) + sp)
    with open(path, "wb") as f:
        f.write(bytes(body))
