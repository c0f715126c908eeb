"""csource — a small reader of klartext's C files for tools/structure and tools/func-length.

Not a C parser: it knows what this tree needs. It drops comments, string and character
literals and preprocessor lines (keeping #include "..." lines), tracks braces at file level,
and finds
  - includes:   the "module/file.h" names a file includes, with their line numbers;
  - functions:  every function definition (name, static or not, first line of the signature,
                line of the opening and of the closing brace);
  - globals:    every file-level variable definition that is not static or extern;
  - uses:       every identifier the file uses that is not a member (after . or ->) or a
                struct/union/enum tag (a tag is a type, never a call).
Only the standard library; run with /usr/bin/python3.
"""
import os
import re

_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
_IDENT = re.compile(r"[A-Za-z_]\w*")
_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern float
    for goto if inline int long register restrict return short signed sizeof static struct switch
    typedef union unsigned void volatile while _Bool _Atomic _Static_assert _Noreturn _Thread_local
    _Alignas _Alignof __attribute__ __typeof__ typeof asm __asm__ __extension__""".split())


class Function:
    def __init__(self, name, static, start, open_line, end):
        self.name, self.static = name, static
        self.start, self.open_line, self.end = start, open_line, end

    @property
    def length(self):
        """lines from the signature's first line to the closing brace, both included"""
        return self.end - self.start + 1


class Source:
    def __init__(self, path):
        self.path = path
        self.includes = []        # (line, "module/file.h")
        self.functions = []       # Function
        self.globals = []         # (name, line)
        self.uses = set()         # identifiers used (not members)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        self._scan(self._tokens(text))

    # ---- lexing: (kind, text, line) with kind in 'id', 'num', 'op'
    def _tokens(self, text):
        toks, i, n, line = [], 0, len(text), 1
        at_line_start = True
        while i < n:
            c = text[i]
            if c == "\n":
                line += 1; i += 1; at_line_start = True
                continue
            if c in " \t\r\f\v":
                i += 1
                continue
            if c == "#" and at_line_start:          # preprocessor line, with continuations
                j = i
                while True:
                    k = text.find("\n", j)
                    if k < 0:
                        k = n
                    if k > 0 and text[k - 1] == "\\" and k < n:
                        j = k + 1
                        continue
                    break
                directive = text[i:k]
                m = _INCLUDE.match(directive)
                if m:
                    self.includes.append((line, m.group(1)))
                line += directive.count("\n")
                i = k
                continue
            at_line_start = False
            if text.startswith("/*", i):
                k = text.find("*/", i + 2)
                k = n if k < 0 else k + 2
                line += text.count("\n", i, k); i = k
                continue
            if text.startswith("//", i):
                k = text.find("\n", i)
                i = n if k < 0 else k
                continue
            if c in "\"'":
                j = i + 1
                while j < n and text[j] != c and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                toks.append(("str", c, line))
                i = j + 1
                continue
            m = _IDENT.match(text, i)
            if m:
                toks.append(("id", m.group(0), line)); i = m.end()
                continue
            if c.isdigit():
                j = i
                while j < n and (text[j].isalnum() or text[j] in "._"):
                    j += 1
                toks.append(("num", text[i:j], line)); i = j
                continue
            if text.startswith("->", i):
                toks.append(("op", "->", line)); i += 2
                continue
            toks.append(("op", c, line)); i += 1
        return toks

    # ---- file-level structure
    def _scan(self, toks):
        depth, stmt, k = 0, [], 0
        prev = None
        for kind, t, line in toks:
            if kind == "id" and t not in _KEYWORDS and not (prev and prev[1] in (".", "->", "struct", "union", "enum")):
                self.uses.add(t)
            prev = (kind, t)
        while k < len(toks):
            kind, t, line = toks[k]
            if depth == 0 and t == "{" and kind == "op":
                close = self._match(toks, k)
                self._definition(stmt, toks[k][2], toks[close][2] if close < len(toks) else toks[-1][2])
                if self._is_function(stmt):
                    stmt = []
                else:
                    stmt.append(("op", "{}", line))  # struct/union/enum body or initializer
                k = close + 1
                continue
            if depth == 0 and t == ";" and kind == "op":
                self._declaration(stmt)
                stmt = []
                k += 1
                continue
            stmt.append((kind, t, line))
            k += 1

    @staticmethod
    def _match(toks, k):
        depth = 0
        for j in range(k, len(toks)):
            if toks[j][0] == "op":
                if toks[j][1] == "{":
                    depth += 1
                elif toks[j][1] == "}":
                    depth -= 1
                    if depth == 0:
                        return j
        return len(toks) - 1

    @staticmethod
    def _top_paren(stmt):
        """index of the first '(' at parenthesis depth 0 that follows a name, or -1"""
        for j, (kind, t, _) in enumerate(stmt):
            if kind == "op" and t == "=":
                return -1
            if kind == "op" and t == "(" and j > 0 and stmt[j - 1][0] == "id" \
                    and stmt[j - 1][1] not in _KEYWORDS:
                return j
        return -1

    def _is_function(self, stmt):
        """a '{' after this statement opens a function body: a name, '(' ... ')' and no '='"""
        if not stmt or stmt[0][1] == "typedef" or stmt[-1][1] != ")":
            return False
        return self._top_paren(stmt) >= 0

    def _definition(self, stmt, open_line, end_line):
        if not self._is_function(stmt):
            return
        p = self._top_paren(stmt)
        name = stmt[p - 1][1]
        static = any(t == "static" for _, t, _ in stmt[:p])
        self.functions.append(Function(name, static, stmt[0][2], open_line, end_line))

    def _declaration(self, stmt):
        """a file-level declaration ending in ';': record a non-static, non-extern variable"""
        if not stmt or any(t in ("static", "extern", "typedef", "_Static_assert") for _, t, _ in stmt):
            return
        if len(stmt) == 2 and stmt[0][1] in ("struct", "union", "enum"):
            return                                   # a forward declaration
        if self._top_paren(stmt) >= 0:
            return                                   # a prototype
        name = None
        for kind, t, line in stmt:
            if kind == "op" and t in ("=", "[", ","):
                break
            if kind == "op" and t == "{}":
                name = None                          # a type's body: the declarator follows
            elif kind == "id" and t not in _KEYWORDS:
                name = (t, line)
        if name and sum(1 for kind, _, _ in stmt if kind == "id") > 1:
            self.globals.append(name)

    def defined(self):
        """names this file defines for other files: non-static functions and globals"""
        return {f.name for f in self.functions if not f.static} | {g for g, _ in self.globals}


def c_files(root="src"):
    """every src/*.c and src/*/*.[ch], sorted, relative to root's parent"""
    out = []
    for dirpath, _, names in os.walk(root):
        if dirpath.count(os.sep) - root.count(os.sep) > 1:
            continue
        for n in names:
            if n.endswith((".c", ".h")):
                out.append(os.path.join(dirpath, n))
    return sorted(out)
