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


def normalise(text, lower=False):
    """rust_tokenizers' XLM-R preprocessing: clean, NFKC, then (if asked) lower-case character by
    character as Rust's char::to_lowercase does (no context rules: final sigma stays σ)."""
    out = []
    for ch in text:
        if is_control(ch) or ch == "\x00" or ch == "\ufffd":
            continue
        out.append(" " if ord(ch) in WHITESPACE else ch)
    s = unicodedata.normalize("NFKC", "".join(out))
    if lower:
        s = "".join(ch.lower() for ch in s)
    s = "".join("\u2581" if ord(ch) in WHITESPACE else ch for ch in s)
    if not s.startswith("\u2581"):
        s = "\u2581" + s
    return s


class Unigram:
    """pieces: list of (piece, score) in proto order (first three: <unk>, <s>, </s>)."""

    def __init__(self, pieces, lower=False):
        self.pieces = pieces
        self.lower = lower
        self.table = {}
        self.maxlen = 1
        for i, (p, sc) in enumerate(pieces):
            if p not in self.table:
                self.table[p] = (i, sc)
            self.maxlen = max(self.maxlen, len(p))

    def encode(self, text):
        s = normalise(text, self.lower)
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


def _read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def read_model(path):
    """The pieces [(piece, score, type)] of a ModelProto written by write_model (other fields skipped)."""
    with open(path, "rb") as f:
        buf = f.read()
    out, i = [], 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 2:
            ln, i = _read_varint(buf, i)
            payload, i = buf[i : i + ln], i + ln
        elif wire == 0:
            _, i = _read_varint(buf, i)
            continue
        elif wire == 5:
            i += 4
            continue
        elif wire == 1:
            i += 8
            continue
        else:
            raise ValueError(f"{path}: unsupported protobuf wire type {wire}")
        if num != 1:
            continue
        piece, score, typ, j = "", 0.0, 1, 0
        while j < len(payload):
            k, j = _read_varint(payload, j)
            if k == (1 << 3) | 2:
                ln, j = _read_varint(payload, j)
                piece, j = payload[j : j + ln].decode("utf-8"), j + ln
            elif k == (2 << 3) | 5:
                score, j = struct.unpack("<f", payload[j : j + 4])[0], j + 4
            elif k == (3 << 3) | 0:
                typ, j = _read_varint(payload, j)
            else:
                raise ValueError(f"{path}: unexpected field {k >> 3} in a piece")
        out.append((piece, score, typ))
    return out
