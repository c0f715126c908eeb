#!/usr/bin/python3
"""verify.py — an independent verifier for klartext's transparency log.

Written from RFC 6962 / RFC 9162 and the C2SP signed-note and tlog-checkpoint specs, sharing
no code with the C implementation. Needs only hashlib, base64 and PyNaCl (Debian
python3-nacl); run it with /usr/bin/python3.

  verify.py selftest
      known answers: RFC 6962 / transparency-dev roots and proofs, the Go sumdb/note vector
  verify.py proofs FILE.jsonl
      check everything the C side emitted (test_merkle emit): leaf hashes, roots,
      inclusion and consistency proofs (by the RFC 9162 verifiers AND by comparing with
      proofs rebuilt from the RFC 6962 recursive definitions)
  verify.py tamper FILE.jsonl OUT.txt
      derive valid and tampered cases (flipped bit, wrong size, wrong index, ...) from
      FILE, check that this verifier accepts exactly the valid ones, write them to OUT for
      `test_merkle batch OUT`
  verify.py batch FILE.txt
      verify a batch file of cases, each with its expected outcome
  verify.py inclusion --leaf-hash H --index I --size N --root R [--proof H,H,...]
  verify.py consistency --size1 M --size2 N --root1 R --root2 R [--proof H,H,...]
  verify.py checkpoint FILE --name NAME --pubkey HEX [--origin O] [--size N] [--root HEX]
      verify a signed checkpoint (FILE may be - for stdin)
  verify.py sign-checkpoint --origin O --size N --root HEX --name NAME --seed HEX
      print a checkpoint signed with the Ed25519 key of that 32-byte seed
  verify.py pubkey --seed HEX

klartext's stored log (see docs/tlog.md; KEY is --vkey VKEY as `klartext log pubkey` prints it,
or --name NAME --pubkey HEX):
  verify.py log-proof FILE KEY [--require-checkpoint]
      check proofs as `klartext --json log prove` prints them (FILE holds one or more JSON
      objects, - for stdin): the entry's leaf hash, the RFC 9162 proof, and the signed
      checkpoint(s) it names (signature, size and root)
  verify.py log-entries FILE KEY [--checkpoint NOTE]...
      check `klartext --json log entries` output: every entry canonical JSON of its kind, its
      leaf hash, statement revisions linked; the root of each checkpoint's size recomputed
  verify.py register DB KEY
      check a register file (sqlite3) on its own: entries, leaf hashes, every checkpoint's
      signature and root, consistency of successive checkpoints, the audit trail's hash chain
      and every audit-head commitment
  verify.py canonical FILE
      exit 0 if FILE's bytes are canonical JSON (sorted keys, no white space)

Exit status: 0 verified, 1 verification failed, 2 bad usage or input.
"""
import base64
import hashlib
import json
import re
import sys

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:  # pragma: no cover
    sys.stderr.write("verify.py: PyNaCl missing (apt install python3-nacl; use /usr/bin/python3)\n")
    sys.exit(2)


class VerifyError(Exception):
    pass


# ---------------------------------------------------------------- RFC 6962 hashing
def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split(n):
    """Largest power of two strictly smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes):
    """MTH over a list of leaf hashes (RFC 6962 §2.1)."""
    n = len(hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return hashes[0]
    k = split(n)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def ref_path(m, hashes):
    """PATH(m, D[n]) of RFC 6962 §2.1.1, over leaf hashes."""
    n = len(hashes)
    if n <= 1:
        return []
    k = split(n)
    if m < k:
        return ref_path(m, hashes[:k]) + [mth(hashes[k:])]
    return ref_path(m - k, hashes[k:]) + [mth(hashes[:k])]


def ref_subproof(m, hashes, b):
    n = len(hashes)
    if m == n:
        return [] if b else [mth(hashes)]
    k = split(n)
    if m <= k:
        return ref_subproof(m, hashes[:k], b) + [mth(hashes[k:])]
    return ref_subproof(m - k, hashes[k:], False) + [mth(hashes[:k])]


def ref_consistency(m, hashes):
    """PROOF(m, D[n]) of RFC 6962 §2.1.2; empty for m == 0 or m == n."""
    if m == 0 or m == len(hashes):
        return []
    return ref_subproof(m, hashes, True)


# ---------------------------------------------------------------- RFC 9162 verifiers
def root_from_inclusion(leaf, index, size, proof):
    if index >= size:
        raise VerifyError(f"leaf index {index} out of range for tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32:
            raise VerifyError("proof hash is not 32 bytes")
        if sn == 0:
            raise VerifyError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("inclusion proof is too short")
    return r


def verify_inclusion(leaf, index, size, proof, root):
    if len(leaf) != 32 or len(root) != 32:
        raise VerifyError("hash is not 32 bytes")
    got = root_from_inclusion(leaf, index, size, proof)
    if got != root:
        raise VerifyError(f"root mismatch: proof gives {got.hex()[:16]}..., expected {root.hex()[:16]}...")


def verify_consistency(size1, size2, root1, root2, proof):
    if len(root1) != 32 or len(root2) != 32 or any(len(p) != 32 for p in proof):
        raise VerifyError("hash is not 32 bytes")
    if size1 > size2:
        raise VerifyError(f"first tree size {size1} is larger than second tree size {size2}")
    if size1 == size2:
        if proof:
            raise VerifyError("consistency proof between equal sizes must be empty")
        if root1 != root2:
            raise VerifyError("root mismatch for equal sizes")
        return
    if size1 == 0:
        if proof:
            raise VerifyError("consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise VerifyError("consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerifyError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("consistency proof is too short")
    if fr != root1:
        raise VerifyError("first root mismatch")
    if sr != root2:
        raise VerifyError("second root mismatch")


# ---------------------------------------------------------------- signed notes / checkpoints
MAX_NOTE = 16384
MAX_NAME = 255
MAX_TEXT_LINE = 1024
MAX_SIGS = 32
EM_DASH = "\u2014"


def b64_strict(s, what):
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", s) or len(s) % 4:
        raise VerifyError(f"{what}: not standard padded base64")
    try:
        raw = base64.b64decode(s, validate=True)
    except Exception:
        raise VerifyError(f"{what}: not standard padded base64")
    if base64.b64encode(raw).decode() != s:
        raise VerifyError(f"{what}: non-canonical base64")
    return raw


def check_name(name):
    if not name:
        raise VerifyError("key name is empty")
    if len(name.encode()) > MAX_NAME:
        raise VerifyError("key name too long")
    if "+" in name or any(ch.isspace() for ch in name):
        raise VerifyError(f"key name '{name}' contains a space or '+'")


def key_id(name, pk):
    return sha256(name.encode() + b"\n" + b"\x01" + pk)[:4]


def parse_note(data):
    """Split a signed note into (text, [(name, key_id bytes, signature bytes)])."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_NOTE:
        raise VerifyError(f"note is {len(data)} bytes, limit {MAX_NOTE}")
    try:
        s = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise VerifyError("note is not valid utf-8")
    for ch in s:
        if ord(ch) < 0x20 and ch != "\n":
            raise VerifyError("note contains a control character")
    if not s.endswith("\n"):
        raise VerifyError("note does not end in a newline")
    i = s.rfind("\n\n")
    if i < 0:
        raise VerifyError("note has no blank line before the signatures")
    text, sigpart = s[: i + 1], s[i + 2:]
    if not sigpart:
        raise VerifyError("note has no signature lines")
    sigs = []
    for line in sigpart[:-1].split("\n"):
        if not line.startswith(EM_DASH + " "):
            raise VerifyError("signature line does not start with an em dash and a space")
        rest = line[2:]
        name, sep, b64 = rest.partition(" ")
        if not sep:
            raise VerifyError("signature line has no signature")
        check_name(name)
        raw = b64_strict(b64, "signature")
        if len(raw) < 5:
            raise VerifyError("signature too short")
        sigs.append((name, raw[:4], raw[4:]))
        if len(sigs) > MAX_SIGS:
            raise VerifyError("too many signatures")
    return text, sigs


def parse_checkpoint_text(text):
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerifyError("checkpoint needs origin, size and root lines")
    for ln in lines:
        if not ln:
            raise VerifyError("checkpoint has an empty line")
        if len(ln.encode()) > MAX_TEXT_LINE:
            raise VerifyError("checkpoint line too long")
    origin = lines[0]
    if len(origin.encode()) > MAX_NAME:
        raise VerifyError("origin too long")
    if not re.fullmatch(r"0|[1-9][0-9]{0,19}", lines[1]) or int(lines[1]) >= 1 << 64:
        raise VerifyError(f"tree size '{lines[1]}' is not a canonical decimal")
    size = int(lines[1])
    if len(lines[2]) != 44:
        raise VerifyError("root hash is not 44 base64 characters")
    root = b64_strict(lines[2], "root hash")
    return origin, size, root, lines[3:]


def verify_checkpoint(data, name, pk, origin=None):
    """Verify a checkpoint signed by (name, pk); returns (origin, size, root, extensions)."""
    text, sigs = parse_note(data)
    cp = parse_checkpoint_text(text)
    kid = key_id(name, pk)
    good = 0
    for (n, k, sig) in sigs:
        if n != name or k != kid:
            continue  # unknown key: ignored (signed-note)
        if len(sig) != 64:
            raise VerifyError("ed25519 signature is not 64 bytes")
        try:
            nacl.signing.VerifyKey(pk).verify(text.encode(), sig)
        except nacl.exceptions.BadSignatureError:
            raise VerifyError(f"signature by '{name}' does not verify")
        good += 1
    if not good:
        raise VerifyError(f"no signature by key '{name}' ({kid.hex()})")
    if origin is not None and cp[0] != origin:
        raise VerifyError(f"origin mismatch: '{cp[0]}', expected '{origin}'")
    return cp


def sign_checkpoint(origin, size, root, name, seed, extensions=()):
    check_name(name)
    sk = nacl.signing.SigningKey(seed)
    pk = sk.verify_key.encode()
    text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    text += "".join(e + "\n" for e in extensions)
    sig = sk.sign(text.encode()).signature
    return text + "\n" + f"{EM_DASH} {name} " + base64.b64encode(key_id(name, pk) + sig).decode() + "\n"


# ---------------------------------------------------------------- known answers
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (index, size, proof) — transparency-dev/merkle proof/verify_test.go (0-based here)
CT_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
# golang.org/x/mod/sumdb/note: PeterNeumann key and its published signed note
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_SIG = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="


def selftest():
    ok = True

    def t(cond, msg):
        nonlocal ok
        print(("ok" if cond else "FAIL"), msg)
        ok &= bool(cond)

    hashes = [leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]
    for n in range(9):
        t(mth(hashes[:n]).hex() == CT_ROOTS[n], f"root of size {n}")
    for (i, n, proof) in CT_INCLUSION:
        p = [bytes.fromhex(x) for x in proof]
        t(ref_path(i, hashes[:n]) == p, f"reference inclusion proof {i}/{n}")
        try:
            verify_inclusion(hashes[i], i, n, p, bytes.fromhex(CT_ROOTS[n]))
            t(True, f"verify inclusion {i}/{n}")
        except VerifyError as e:
            t(False, f"verify inclusion {i}/{n}: {e}")
    for (m, n, proof) in CT_CONSISTENCY:
        p = [bytes.fromhex(x) for x in proof]
        t(ref_consistency(m, hashes[:n]) == p, f"reference consistency proof {m}->{n}")
        try:
            verify_consistency(m, n, bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n]), p)
            t(True, f"verify consistency {m}->{n}")
        except VerifyError as e:
            t(False, f"verify consistency {m}->{n}: {e}")
    # signed note interop vector
    pk = base64.b64decode(GO_VKEY.split("+", 2)[2])[1:]
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    t(key_id("PeterNeumann", pk).hex() == "c74f20a3", "key id of the Go vector")
    t(nacl.signing.SigningKey(seed).verify_key.encode() == pk, "seed matches public key")
    note = GO_TEXT + "\n" + EM_DASH + " PeterNeumann " + GO_SIG + "\n"
    text, sigs = parse_note(note)
    t(text == GO_TEXT and sigs[0][1].hex() == "c74f20a3", "parse the Go note")
    sig = nacl.signing.SigningKey(seed).sign(GO_TEXT.encode()).signature
    t(base64.b64encode(key_id("PeterNeumann", pk) + sig).decode() == GO_SIG, "reproduce the Go signature")
    return 0 if ok else 1


# ---------------------------------------------------------------- C output checks
def load_jsonl(path):
    recs = []
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if ln:
                recs.append(json.loads(ln))
    return recs


def hx(s):
    return bytes.fromhex(s)


def check_proofs(path):
    recs = load_jsonl(path)
    leaves = {}
    for r in recs:
        if r["type"] == "leaf":
            entry = hx(r["entry"])
            if leaf_hash(entry) != hx(r["leaf_hash"]):
                print(f"FAIL leaf {r['index']}: leaf hash differs")
                return 1
            leaves[r["index"]] = hx(r["leaf_hash"])
    hashes = [leaves[i] for i in range(len(leaves))]
    roots = [mth(hashes[:n]) for n in range(len(hashes) + 1)]
    counts = {"leaf": len(hashes), "root": 0, "inclusion": 0, "consistency": 0}
    bad = 0
    for r in recs:
        ty = r["type"]
        try:
            if ty == "root":
                if hx(r["root"]) != roots[r["size"]]:
                    raise VerifyError("root differs from the recomputed one")
            elif ty == "inclusion":
                i, n = r["index"], r["size"]
                proof = [hx(x) for x in r["proof"]]
                if hx(r["root"]) != roots[n] or hx(r["leaf_hash"]) != hashes[i]:
                    raise VerifyError("record names a wrong root or leaf")
                verify_inclusion(hashes[i], i, n, proof, roots[n])
                if proof != ref_path(i, hashes[:n]):
                    raise VerifyError("proof differs from RFC 6962 PATH")
            elif ty == "consistency":
                m, n = r["size1"], r["size2"]
                proof = [hx(x) for x in r["proof"]]
                if hx(r["root1"]) != roots[m] or hx(r["root2"]) != roots[n]:
                    raise VerifyError("record names a wrong root")
                verify_consistency(m, n, roots[m], roots[n], proof)
                if proof != ref_consistency(m, hashes[:n]):
                    raise VerifyError("proof differs from RFC 6962 PROOF")
            else:
                continue
            counts[ty] += 1
        except VerifyError as e:
            bad += 1
            if bad <= 20:
                print(f"FAIL {json.dumps(r)[:160]}: {e}")
    print(f"checked {counts['leaf']} leaves, {counts['root']} roots, {counts['inclusion']} inclusion "
          f"and {counts['consistency']} consistency proofs: {bad} failed")
    return 1 if bad else 0


def fmt_proof(proof):
    return "".join(p.hex() for p in proof) or "-"


def parse_proof(s):
    if s == "-":
        return []
    b = hx(s)
    if len(b) % 32:
        raise VerifyError("proof is not a whole number of hashes")
    return [b[i:i + 32] for i in range(0, len(b), 32)]


def flip(b, bit):
    b = bytearray(b)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def inclusion_shape(index, size, k):
    """The expression the RFC 9162 inclusion verifier evaluates for a k-hash proof, over
    symbols (leaf "L", proof hashes 0..k-1), or None when it rejects the shape. Two
    (index, size) pairs with the same shape accept exactly the same proofs and roots: the
    proof alone does not bind the size, the signed checkpoint root does."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, "L"
    for j in range(k):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = (j, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = (r, j)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistency_shape(size1, size2, k):
    """As inclusion_shape for the consistency verifier: (first, second) root expressions
    over symbols ("R1" for root1, proof hashes 0..k-1), or a marker for the special cases."""
    if size1 > size2:
        return None
    if size1 == size2:
        return None if k else "equal"
    if size1 == 0:
        return None if k else "empty"
    if k == 0:
        return None
    path = (["R1"] if size1 & (size1 - 1) == 0 else []) + list(range(k))
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr, sr = (c, fr), (c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = (sr, c)
        fn >>= 1
        sn >>= 1
    return (fr, sr) if sn == 0 else None


def make_cases(recs):
    """Yield batch lines (valid and tampered) for the inclusion and consistency records."""
    some = hx("abacaba000000000000000000000000000000000000000000060061e00123456")
    for r in recs:
        if r["type"] == "inclusion":
            i, n = r["index"], r["size"]
            leaf, root = hx(r["leaf_hash"]), hx(r["root"])
            proof = [hx(x) for x in r["proof"]]

            def line(ii, nn, lf, rt, pr, expect):
                return f"inclusion {ii} {nn} {lf.hex()} {rt.hex()} {fmt_proof(pr)} {expect}"
            yield line(i, n, leaf, root, proof, "ok")
            for k in range(len(proof)):                       # one flipped bit per hash
                bit = (i * 7 + n * 13 + k * 29) % 256
                yield line(i, n, leaf, root, proof[:k] + [flip(proof[k], bit)] + proof[k + 1:], "fail")
            yield line(i, n, flip(leaf, 0), root, proof, "fail")
            yield line(i, n, leaf, flip(root, 255), proof, "fail")
            yield line(i, n, leaf, some, proof, "fail")
            # wrong index or size: must fail unless the verifier would evaluate the very
            # same expression (then both implementations must accept it)
            want = inclusion_shape(i, n, len(proof))
            for (ni, nn) in ((i + 1, n), (i - 1, n), (i ^ 1, n), (i ^ 2, n), (n, n),
                             (i, n + 1), (i, n - 1), (i, n * 2), (i, n // 2), (i, 0)):
                if ni >= 0 and nn >= 0 and (ni, nn) != (i, n):
                    same = inclusion_shape(ni, nn, len(proof)) == want
                    yield line(ni, nn, leaf, root, proof, "ok" if same else "fail")
            yield line(i, n, leaf, root, proof + [root], "fail")
            yield line(i, n, leaf, root, [root] + proof, "fail")
            if proof:
                yield line(i, n, leaf, root, proof[:-1], "fail")
            if len(proof) > 1:
                yield line(i, n, leaf, root, proof[1:2] + proof[0:1] + proof[2:], "fail")
        elif r["type"] == "consistency":
            m, n = r["size1"], r["size2"]
            r1, r2 = hx(r["root1"]), hx(r["root2"])
            proof = [hx(x) for x in r["proof"]]

            def line(mm, nn, a, b, pr, expect):
                return f"consistency {mm} {nn} {a.hex()} {b.hex()} {fmt_proof(pr)} {expect}"
            yield line(m, n, r1, r2, proof, "ok")
            for k in range(len(proof)):
                bit = (m * 11 + n * 5 + k * 31) % 256
                yield line(m, n, r1, r2, proof[:k] + [flip(proof[k], bit)] + proof[k + 1:], "fail")
            if m > 0:   # from the empty tree anything goes; otherwise both roots are bound
                yield line(m, n, flip(r1, 3), r2, proof, "fail")
                yield line(m, n, r1, flip(r2, 200), proof, "fail")
                want = consistency_shape(m, n, len(proof))
                for (mm, nn) in ((m - 1, n), (m + 1, n), (m, n - 1), (m, n + 1), (m, 2 * n)):
                    if 0 < mm <= nn and (mm, nn) != (m, n):
                        same = consistency_shape(mm, nn, len(proof)) == want
                        yield line(mm, nn, r1, r2, proof, "ok" if same else "fail")
                yield line(m, n, r1, r2, proof + [r2], "fail")
                if proof:
                    yield line(m, n, r1, r2, proof[:-1], "fail")
            yield line(n + 1, n, r2, r1, proof, "fail")        # sizes swapped


def check_case(line):
    f = line.split()
    if len(f) != 7 or f[6] not in ("ok", "fail"):
        raise ValueError(f"bad batch line: {line[:80]}")
    a, b = int(f[1]), int(f[2])
    h1, h2 = hx(f[3]), hx(f[4])
    try:
        proof = parse_proof(f[5])
        if f[0] == "inclusion":
            verify_inclusion(h1, a, b, proof, h2)
        elif f[0] == "consistency":
            verify_consistency(a, b, h1, h2, proof)
        else:
            raise ValueError(f"bad batch kind {f[0]}")
        got = "ok"
    except VerifyError:
        got = "fail"
    return got == f[6], got


def check_batch_lines(lines):
    bad = n = fails = 0
    for ln in lines:
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        n += 1
        good, got = check_case(ln)
        fails += got == "fail"
        if not good:
            bad += 1
            if bad <= 20:
                print(f"MISMATCH (got {got}): {ln[:160]}")
    print(f"checked {n} cases ({n - fails} valid, {fails} rejected): {bad} mismatches")
    return 1 if bad else 0


# ---------------------------------------------------------------- klartext's stored log
def canonical_json(obj):
    """The canonical form klartext writes: sorted keys, no insignificant white space, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_canonical(data, what):
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise VerifyError(f"{what}: not JSON")
    if canonical_json(obj) != data:
        raise VerifyError(f"{what}: not canonical JSON")
    if not isinstance(obj, dict):
        raise VerifyError(f"{what}: not a JSON object")
    return obj


def parse_vkey(vkey):
    """<name>+<key id hex>+<base64(0x01 || pk)> (signed-note verifier key)."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise VerifyError("verifier key: not name+id+key")
    name, kid, b64 = parts
    check_name(name)
    raw = b64_strict(b64, "verifier key")
    if len(raw) != 33 or raw[0] != 1:
        raise VerifyError("verifier key: not an Ed25519 key")
    pk = raw[1:]
    if key_id(name, pk).hex() != kid:
        raise VerifyError("verifier key: key id does not match")
    return name, pk


ISO_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
HEX64_RE = re.compile(r"[0-9a-f]{64}")


def check_entry(idx, data, statements):
    """Check one entry's bytes by its kind; returns the parsed object."""
    obj = check_canonical(data, f"entry {idx}")
    kind = obj.get("kind")
    if not isinstance(kind, str) or not re.fullmatch(r"[a-z0-9-]{1,32}", kind):
        raise VerifyError(f"entry {idx}: bad kind")
    if not isinstance(obj.get("logged_at"), str) or not ISO_RE.fullmatch(obj["logged_at"]):
        raise VerifyError(f"entry {idx}: bad logged_at")
    if "commitment" in obj:
        if set(obj) != {"commitment", "kind", "logged_at"} or not HEX64_RE.fullmatch(str(obj["commitment"])):
            raise VerifyError(f"entry {idx}: a commitment must hold exactly commitment, kind and logged_at")
        if kind == "statement":
            raise VerifyError(f"entry {idx}: a statement cannot be a commitment")
    elif kind == "audit-head":
        raise VerifyError(f"entry {idx}: an audit-head entry must be a commitment")
    elif kind == "statement":
        want = {"facts", "incident", "kind", "lang", "logged_at", "previous_entry", "published_at", "revision",
                "statement", "title"}
        if set(obj) != want:
            raise VerifyError(f"entry {idx}: statement fields {sorted(obj)}")
        f = obj["facts"]
        if set(f) != {"approx_people", "approx_records", "breach_types", "exposure_from", "exposure_until"}:
            raise VerifyError(f"entry {idx}: statement facts {sorted(f)}")
        if obj["lang"] not in ("de", "en") or not isinstance(obj["revision"], int) or obj["revision"] < 1:
            raise VerifyError(f"entry {idx}: statement lang or revision")
        key = (obj["incident"], obj["lang"])
        prev = statements.get(key)
        want_prev = prev[0] if prev else None
        want_rev = prev[1] + 1 if prev else 1
        if obj["previous_entry"] != want_prev or obj["revision"] != want_rev:
            raise VerifyError(f"entry {idx}: revision {obj['revision']} of {key} does not follow entry {want_prev}")
        statements[key] = (idx, obj["revision"])
    return obj


def key_opts(o):
    if "vkey" in o:
        return parse_vkey(o["vkey"])
    need(o, "name", "pubkey")
    pk = hx(o["pubkey"])
    if len(pk) != 32:
        raise VerifyError("--pubkey must be 32 bytes of hex")
    return o["name"], pk


def json_stream(text):
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def checked_note(note, name, pk, size, root, what):
    origin, nsize, nroot, _ = verify_checkpoint(note.encode(), name, pk, name)
    if nsize != size or nroot != root:
        raise VerifyError(f"{what}: the checkpoint says size {nsize} root {nroot.hex()[:16]}…, the proof size {size} "
                          f"root {root.hex()[:16]}…")


def check_log_proof(p, name, pk, require_ckpt):
    if p.get("type") == "inclusion":
        i, n = p["index"], p["size"]
        leaf, root = hx(p["leaf_hash"]), hx(p["root"])
        if p.get("entry") is not None:
            data = p["entry"].encode()
            if leaf_hash(data) != leaf:
                raise VerifyError(f"inclusion {i}/{n}: leaf hash is not the hash of the entry")
            check_canonical(data, f"entry {i}")
        verify_inclusion(leaf, i, n, [hx(x) for x in p["proof"]], root)
        if p.get("checkpoint"):
            checked_note(p["checkpoint"], name, pk, n, root, f"inclusion {i}/{n}")
        elif require_ckpt:
            raise VerifyError(f"inclusion {i}/{n}: no checkpoint")
        return "inclusion"
    if p.get("type") == "consistency":
        m, n = p["size1"], p["size2"]
        r1, r2 = hx(p["root1"]), hx(p["root2"])
        verify_consistency(m, n, r1, r2, [hx(x) for x in p["proof"]])
        for key, size, root in (("checkpoint1", m, r1), ("checkpoint2", n, r2)):
            if p.get(key):
                checked_note(p[key], name, pk, size, root, f"consistency {m}->{n}")
            elif require_ckpt and size > 0:
                raise VerifyError(f"consistency {m}->{n}: no {key}")
        return "consistency"
    raise VerifyError("not a proof")


def cmd_log_proof(path, o, flags):
    name, pk = key_opts(o)
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    counts = {"inclusion": 0, "consistency": 0}
    for p in json_stream(text):
        counts[check_log_proof(p, name, pk, "require-checkpoint" in flags)] += 1
    print(f"verified {counts['inclusion']} inclusion and {counts['consistency']} consistency proofs")
    return 0


def cmd_log_entries(path, o, notes):
    name, pk = key_opts(o)
    doc = json.load(sys.stdin if path == "-" else open(path, encoding="utf-8"))
    entries = doc["entries"]
    statements, hashes = {}, []
    for k, e in enumerate(entries):
        if e["index"] != k:
            raise VerifyError(f"entry {k} is missing")
        data = e["entry"].encode()
        if leaf_hash(data) != hx(e["leaf_hash"]):
            raise VerifyError(f"entry {k}: leaf hash is not the hash of its bytes")
        obj = check_entry(k, data, statements)
        if obj["kind"] != e["kind"] or obj["logged_at"] != e["logged_at"]:
            raise VerifyError(f"entry {k}: kind or time differ from the listing")
        if ("commitment" in obj) != ("commitment" in e) or obj.get("commitment") != e.get("commitment"):
            raise VerifyError(f"entry {k}: commitment differs from the listing")
        for secret in ("salt", "ref"):
            if secret in e or secret in obj:
                raise VerifyError(f"entry {k}: publishes its {secret}")
        hashes.append(hx(e["leaf_hash"]))
    for note in notes:
        origin, size, root, _ = verify_checkpoint(open(note, "rb").read(), name, pk, name)
        if size > len(hashes):
            raise VerifyError(f"checkpoint of size {size}: only {len(hashes)} entries listed")
        if mth(hashes[:size]) != root:
            raise VerifyError(f"checkpoint of size {size}: root differs from the entries' root")
    kinds = {}
    for e in entries:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    print(f"checked {len(entries)} entries ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}) "
          f"and {len(notes)} checkpoints")
    return 0


def audit_hash(prev, row):
    """hash = SHA-256("klartext audit v1" 0x00 || prev || id || at || 7 texts); ints 0x02 + 8 bytes BE,
    text 0x01 + 8-byte BE length + bytes, NULL 0x00."""
    h = hashlib.sha256(b"klartext audit v1\x00" + prev)
    for k, v in enumerate(row):
        if k < 2:
            h.update(b"\x02" + (v & (1 << 64) - 1).to_bytes(8, "big"))
        elif v is None:
            h.update(b"\x00")
        else:
            b = v.encode() if isinstance(v, str) else bytes(v)
            h.update(b"\x01" + len(b).to_bytes(8, "big") + b)
    return h.digest()


def cmd_register(path, o):
    import sqlite3
    name, pk = key_opts(o)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.text_factory = bytes
    rows = db.execute("SELECT idx, kind, created_at, entry, leaf_hash, salt, ref FROM tlog_entry ORDER BY idx").fetchall()
    hashes, statements, heads = [], {}, []
    for k, (idx, kind, at, data, lh, salt, ref) in enumerate(rows):
        if idx != k:
            raise VerifyError(f"entry {k} is missing")
        if leaf_hash(bytes(data)) != bytes(lh):
            raise VerifyError(f"entry {k}: stored leaf hash is not the hash of its bytes")
        obj = check_entry(k, bytes(data), statements)
        if obj["kind"] != kind.decode():
            raise VerifyError(f"entry {k}: stored kind differs")
        if ("commitment" in obj) != (salt is not None) or (salt is not None and len(salt) != 32):
            raise VerifyError(f"entry {k}: commitment without a 32-byte salt, or a salt without commitment")
        if obj["kind"] == "audit-head":
            heads.append((k, int(ref), bytes(salt), bytes.fromhex(obj["commitment"])))
        hashes.append(leaf_hash(bytes(data)))
    ckpts = db.execute("SELECT size, root, note FROM tlog_checkpoint ORDER BY size").fetchall()
    prev = None
    for size, root, note in ckpts:
        _, nsize, nroot, _ = verify_checkpoint(bytes(note), name, pk, name)
        if nsize != size or nroot != bytes(root):
            raise VerifyError(f"checkpoint of size {size}: stored size or root differ from the signed note")
        if size > len(hashes) or mth(hashes[:size]) != nroot:
            raise VerifyError(f"checkpoint of size {size}: root is not the root of the stored entries")
        if rows[size - 1][1] != b"audit-head":
            raise VerifyError(f"checkpoint of size {size}: does not end with an audit-head entry")
        if prev:
            verify_consistency(prev[0], size, prev[1], nroot, ref_consistency(prev[0], hashes[:size]))
        prev = (size, nroot)
    chain, last = {}, b"\0" * 32
    for row in db.execute("SELECT id, at, actor, command, incident_ref, action, field, old_value, new_value, "
                          "prev_hash, hash FROM audit ORDER BY id"):
        ph, h = row[9], row[10]
        if ph is None or h is None or bytes(ph) != last:
            raise VerifyError(f"audit entry #{row[0]}: chain broken")
        if audit_hash(last, row[:9]) != bytes(h):
            raise VerifyError(f"audit entry #{row[0]}: content does not match its hash")
        last = bytes(h)
        chain[row[0]] = last
    for (k, aid, salt, commit) in heads:
        if aid not in chain:
            raise VerifyError(f"entry {k}: audit entry #{aid} is missing")
        content = canonical_json({"hash": chain[aid].hex(), "id": aid})
        if sha256(salt + content) != commit:
            raise VerifyError(f"entry {k}: audit-head commitment does not open to audit entry #{aid}")
    print(f"register verified: {len(rows)} entries, {len(ckpts)} checkpoints, {len(chain)} audit entries chained, "
          f"{len(heads)} audit heads open")
    return 0


# ---------------------------------------------------------------- command line
def opts(argv, names, flags=(), multi=()):
    out, i = {}, 0
    pos = []
    while i < len(argv):
        a = argv[i]
        if a.startswith("--") and a[2:] in flags:
            out[a[2:]] = True
            i += 1
        elif a.startswith("--") and a[2:] in multi:
            if i + 1 >= len(argv):
                raise SystemExit(usage(f"{a} needs a value"))
            out.setdefault(a[2:], []).append(argv[i + 1])
            i += 2
        elif a.startswith("--") and a[2:] in names:
            if i + 1 >= len(argv):
                raise SystemExit(usage(f"{a} needs a value"))
            out[a[2:]] = argv[i + 1]
            i += 2
        elif a.startswith("--"):
            raise SystemExit(usage(f"unknown option {a}"))
        else:
            pos.append(a)
            i += 1
    return out, pos


def usage(msg):
    sys.stderr.write(f"verify.py: {msg}\n")
    return 2


def need(o, *keys):
    for k in keys:
        if k not in o:
            raise SystemExit(usage(f"--{k} is required"))


def proof_arg(s):
    return [hx(x) for x in s.split(",") if x] if s else []


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    try:
        if cmd == "selftest":
            return selftest()
        if cmd == "proofs" and len(rest) == 1:
            return check_proofs(rest[0])
        if cmd == "tamper" and len(rest) == 2:
            recs = load_jsonl(rest[0])
            cases = list(make_cases(recs))
            with open(rest[1], "w") as f:
                f.write("\n".join(cases) + "\n")
            proofs = sum(r["type"] in ("inclusion", "consistency") for r in recs)
            same = sum(c.endswith(" ok") for c in cases) - proofs
            print(f"{proofs} genuine proofs; {len(cases) - proofs - same} tampered variants that must "
                  f"fail; {same} wrong-size variants with the same proof shape, which verify (the "
                  f"size is bound by the signed checkpoint, not by the proof)")
            return check_batch_lines(cases)
        if cmd == "batch" and len(rest) == 1:
            with open(rest[0]) as f:
                return check_batch_lines(f)
        if cmd == "inclusion":
            o, _ = opts(rest, {"leaf-hash", "index", "size", "root", "proof"})
            need(o, "leaf-hash", "index", "size", "root")
            verify_inclusion(hx(o["leaf-hash"]), int(o["index"]), int(o["size"]),
                             proof_arg(o.get("proof", "")), hx(o["root"]))
            print("inclusion proof verified")
            return 0
        if cmd == "consistency":
            o, _ = opts(rest, {"size1", "size2", "root1", "root2", "proof"})
            need(o, "size1", "size2", "root1", "root2")
            verify_consistency(int(o["size1"]), int(o["size2"]), hx(o["root1"]), hx(o["root2"]),
                               proof_arg(o.get("proof", "")))
            print("consistency proof verified")
            return 0
        if cmd == "checkpoint":
            o, pos = opts(rest, {"name", "pubkey", "origin", "size", "root"})
            need(o, "name", "pubkey")
            if len(pos) != 1:
                return usage("checkpoint needs one FILE")
            data = sys.stdin.buffer.read() if pos[0] == "-" else open(pos[0], "rb").read()
            pk = hx(o["pubkey"])
            if len(pk) != 32:
                return usage("--pubkey must be 32 bytes of hex")
            origin, size, root, _ = verify_checkpoint(data, o["name"], pk, o.get("origin"))
            if "size" in o and size != int(o["size"]):
                raise VerifyError(f"tree size {size}, expected {o['size']}")
            if "root" in o and root != hx(o["root"]):
                raise VerifyError("root hash differs from the expected one")
            print(f"checkpoint verified: {origin} size {size} root {root.hex()}")
            return 0
        if cmd == "sign-checkpoint":
            o, _ = opts(rest, {"origin", "size", "root", "name", "seed"})
            need(o, "origin", "size", "root", "name", "seed")
            sys.stdout.write(sign_checkpoint(o["origin"], int(o["size"]), hx(o["root"]),
                                             o["name"], hx(o["seed"])))
            return 0
        if cmd == "log-proof":
            o, pos = opts(rest, {"vkey", "name", "pubkey"}, flags={"require-checkpoint"})
            if len(pos) != 1:
                return usage("log-proof needs one FILE")
            return cmd_log_proof(pos[0], o, o)
        if cmd == "log-entries":
            o, pos = opts(rest, {"vkey", "name", "pubkey"}, multi={"checkpoint"})
            if len(pos) != 1:
                return usage("log-entries needs one FILE")
            return cmd_log_entries(pos[0], o, o.get("checkpoint", []))
        if cmd == "register":
            o, pos = opts(rest, {"vkey", "name", "pubkey"})
            if len(pos) != 1:
                return usage("register needs one DB")
            return cmd_register(pos[0], o)
        if cmd == "canonical" and len(rest) == 1:
            data = sys.stdin.buffer.read() if rest[0] == "-" else open(rest[0], "rb").read()
            check_canonical(data, rest[0])
            print("canonical")
            return 0
        if cmd == "pubkey":
            o, _ = opts(rest, {"seed"})
            need(o, "seed")
            print(nacl.signing.SigningKey(hx(o["seed"])).verify_key.encode().hex())
            return 0
    except VerifyError as e:
        sys.stderr.write(f"verify.py: {e}\n")
        return 1
    except (ValueError, OSError, KeyError) as e:
        return usage(str(e))
    return usage(f"unknown command or wrong arguments: {' '.join(argv)}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
