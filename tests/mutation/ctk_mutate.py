#!/usr/bin/env python3
"""ctk_mutate: mutation testing of the reference endpoints and simulators (docs/MUTATION.md).

Finds mutation sites in C sources with a small tokenizer and statement parser, samples them
with a seed, builds each mutant by compiling one changed file and relinking the ctk program
against the prebuilt objects, runs the self-tests of the conformance suites with the mutant
playing every role (the runner itself stays the unmutated program, so a mutant cannot weaken
the judge), and writes the outcome of every mutant as JSON and HTML.

Only the Python standard library: the kit's build needs nothing more than Debian's python3.
"""

import argparse
import bisect
import concurrent.futures
import datetime
import fnmatch
import glob
import hashlib
import html
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

FORMAT = "ctk-mutation/1"
# The committed sample uses the first five; aor and neg exist for a second, independent
# sample with other operators (issue 21's second target).
OPERATORS = ("ror", "lor", "ret", "sdl", "con", "aor", "neg")
OPERATOR_NAMES = {
    "ror": "relational operator swapped",
    "lor": "logical operator swapped",
    "ret": "return value swapped",
    "sdl": "statement deleted",
    "con": "constant changed",
    "aor": "arithmetic operator swapped",
    "neg": "logical negation removed",
}
OUTCOMES = ("killed", "survived", "timed_out", "did_not_compile", "equivalent")
OUTCOME_LABELS = {
    "killed": "killed",
    "survived": "survived",
    "timed_out": "timed out",
    "did_not_compile": "did not compile",
    "equivalent": "equivalent",
}

# Logging and deliberate-fault code is never mutated (a mutant there says nothing of the
# suites' power): the call and its arguments, and for faults the branch only a fault takes.
LOG_CALLS = {"CTK_INFO", "CTK_WARN", "CTK_ERROR", "CTK_DEBUG", "ctk_log"}
FAULT_CALLS = {"ctk_node_fault"}
ROR_SWAPS = {
    "<": ("<=", ">="),
    "<=": ("<", ">"),
    ">": (">=", "<="),
    ">=": (">", "<"),
    "==": ("!=",),
    "!=": ("==",),
}
# A mutant is compiled with the project's flags, but a warning about style rather than
# meaning (a && b || c, an unused variable left by a deletion, a comparison made constant)
# does not stop it: its behaviour is well defined and worth testing.
MUTANT_CFLAGS = ["-Wno-error=parentheses", "-Wno-error=unused-variable",
                 "-Wno-error=unused-but-set-variable", "-Wno-error=unused-parameter",
                 "-Wno-error=unused-function", "-Wno-error=type-limits",
                 "-Wno-error=sign-compare", "-Wno-error=empty-body",
                 "-Wno-error=unused-value"]
LOR_SWAPS = {"&&": ("||",), "||": ("&&",)}
AOR_SWAPS = {"+": ("-",), "-": ("+",), "+=": ("-=",), "-=": ("+=",), "++": ("--",),
             "--": ("++",)}
TYPE_WORDS = {
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "const",
    "static", "volatile", "struct", "union", "enum", "register", "extern", "_Bool", "bool",
    "inline", "_Atomic", "typedef",
}
CONTROL_WORDS = {"if", "else", "while", "for", "do", "switch", "case", "default", "return",
                 "break", "continue", "goto", "sizeof"}


# ---------------------------------------------------------------- tokenizer

TOKEN_RE = re.compile(r"""
 (?P<nl>\n)
|(?P<cont>\\\r?\n)
|(?P<ws>[ \t\r\f\v]+)
|(?P<comment>//[^\n]*|/\*.*?\*/)
|(?P<string>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*")
|(?P<char>[uUL]?'(?:[^'\\\n]|\\.)*')
|(?P<number>(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)[uUlLfF]*)
|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
|(?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[{}()\[\];,.:?~!<>=+\-*/%&|^#])
|(?P<other>.)
""", re.S | re.X)


class UsageError(Exception):
    """A bad option, configuration or list: exit 3, as every ctk command."""


class ToolError(Exception):
    """The tree cannot be built or checked (make, the unmutated program): exit 2."""


class Tok:
    __slots__ = ("kind", "text", "start", "end", "line")

    def __init__(self, kind, text, start, end, line):
        self.kind, self.text, self.start, self.end, self.line = kind, text, start, end, line


def tokenize(src):
    """Significant tokens of C source: comments, strings stay tokens but preprocessor lines
    are dropped whole (with their continuation lines)."""
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", src)]
    toks = []
    pos = 0
    at_line_start = True
    in_pp = False
    while pos < len(src):
        m = TOKEN_RE.match(src, pos)
        kind = m.lastgroup
        text = m.group()
        pos = m.end()
        if kind == "nl":
            at_line_start = True
            in_pp = False
            continue
        if kind in ("ws", "cont"):
            continue
        if kind == "comment":
            continue
        if in_pp:
            continue
        if at_line_start and text == "#":
            in_pp = True
            continue
        at_line_start = False
        line = bisect.bisect_right(line_starts, m.start())
        toks.append(Tok(kind, text, m.start(), m.end(), line))
    return toks


def match_brackets(toks):
    pairs = {"(": ")", "[": "]", "{": "}"}
    match = [-1] * len(toks)
    stack = []
    for i, t in enumerate(toks):
        if t.text in pairs:
            stack.append(i)
        elif t.text in (")", "]", "}"):
            if stack and pairs[toks[stack[-1]].text] == t.text:
                j = stack.pop()
                match[i], match[j] = j, i
    return match


# ---------------------------------------------------------------- parser

class Func:
    def __init__(self, name, kind):
        self.name = name
        self.kind = kind      # "void", "pointer", "code" (ctk_code), "bool" or "value"


class Analysis:
    """Where in one source file mutants may go."""

    def __init__(self, src):
        self.src = src
        self.toks = tokenize(src)
        self.match = match_brackets(self.toks)
        n = len(self.toks)
        self.func = [None] * n          # enclosing function of each token
        self.excluded = [False] * n     # logging or deliberate-fault code
        self.in_decl_dims = [False] * n  # inside [..] of a declaration (array sizes)
        self.in_init = [False] * n      # file-scope initializer (tables)
        self.statements = []            # (first, semicolon, parent, is_decl)
        self.returns = []               # (return index, semicolon, func)
        self._top()
        self._exclude_calls()

    # ---- helpers
    def _find_semicolon(self, j):
        toks, match = self.toks, self.match
        while j < len(toks):
            t = toks[j].text
            if t in ("(", "[", "{") and match[j] > j:
                j = match[j] + 1
                continue
            if t == ";":
                return j
            if t == "}":
                return j - 1
            j += 1
        return len(toks) - 1

    def _mark_func(self, a, b, func):
        for k in range(a, b + 1):
            self.func[k] = func

    # ---- file scope
    def _top(self):
        toks, match = self.toks, self.match
        i = 0
        decl_start = 0
        assign = False
        while i < len(toks):
            t = toks[i].text
            if t == "(" or t == "[":
                i = max(match[i], i) + 1
                continue
            if t == "=":
                assign = True
            if t == "{":
                close = max(match[i], i)
                if i > 0 and toks[i - 1].text == ")" and not assign:
                    func = self._header(decl_start, i)
                    self._mark_func(i, close, func)
                    self._compound(i, func)
                    i = close + 1
                    decl_start = i
                    continue
                if assign:
                    for k in range(i, close + 1):
                        self.in_init[k] = True
                    self._mark_dims(i, close)
                i = close + 1
                continue
            if t == ";":
                decl_start = i + 1
                assign = False
            i += 1

    def _mark_dims(self, a, b):
        k = a
        while k <= b:
            if self.toks[k].text == "[" and self.match[k] > k:
                for m in range(k, self.match[k] + 1):
                    self.in_decl_dims[m] = True
                k = self.match[k] + 1
                continue
            k += 1

    def _header(self, a, brace):
        toks = self.toks
        head = [t.text for t in toks[a:brace]]
        name_at = None
        depth = 0
        for k, t in enumerate(head):
            if t == "(":
                if depth == 0 and k > 0 and name_at is None:
                    name_at = k - 1
                depth += 1
            elif t == ")":
                depth -= 1
        name = head[name_at] if name_at is not None else "?"
        rtype = head[:name_at] if name_at is not None else []
        if "*" in rtype:
            kind = "pointer"
        elif "void" in rtype:
            kind = "void"
        elif "ctk_code" in rtype:
            kind = "code"
        elif "bool" in rtype or "_Bool" in rtype:
            kind = "bool"
        else:
            kind = "value"
        return Func(name, kind)

    # ---- statements
    def _compound(self, open_i, func):
        close = self.match[open_i]
        j = open_i + 1
        while j < close:
            j = self._statement(j, func, "block")

    def _paren_after(self, j):
        """Index of the ')' closing the '(' at j, or j-1 when there is none."""
        if j < len(self.toks) and self.toks[j].text == "(" and self.match[j] > j:
            return self.match[j]
        return j - 1

    def _statement(self, j, func, parent):
        toks = self.toks
        if j >= len(toks):
            return j + 1
        t = toks[j].text
        nxt = toks[j + 1].text if j + 1 < len(toks) else ""
        if t == "{":
            self._compound(j, func)
            return self.match[j] + 1
        if t == "if":
            close = self._paren_after(j + 1)
            then_end = self._statement(close + 1, func, "if")
            end = then_end
            if end < len(toks) and toks[end].text == "else":
                end = self._statement(end + 1, func, "else")
            if self._fault_chain(j + 2, close):
                # the branch runs only in a fault mode; the chain's own && stay mutable, since
                # || there would take the branch without the fault
                self._exclude_chain(j + 2, close)
                for k in range(close, then_end):
                    self.excluded[k] = True
                self.excluded[j] = self.excluded[j + 1] = True
            return end
        if t in ("while", "switch", "for"):
            close = self._paren_after(j + 1)
            return self._statement(close + 1, func, "loop")
        if t == "do":
            end = self._statement(j + 1, func, "do")
            if end < len(toks) and toks[end].text == "while":
                close = self._paren_after(end + 1)
                return close + 2
            return end
        if t == "case":
            k = j + 1
            while k < len(toks) and toks[k].text != ":":
                k += 1
            return k + 1
        if t == "default" and nxt == ":":
            return j + 2
        if toks[j].kind == "ident" and nxt == ":" and t not in CONTROL_WORDS:
            return j + 2
        if t == ";":
            return j + 1
        end = self._find_semicolon(j)
        if t == "return":
            if func is not None:
                self.returns.append((j, end, func))
            return end + 1
        if t in ("break", "continue", "goto"):
            return end + 1
        is_decl = self._is_declaration(j)
        if is_decl:
            self._mark_dims(j, end)
        else:
            # x = a && b && fault(..): x is false whatever a and b are, unless in a fault mode
            for k in range(j, end):
                if toks[k].text == "=" and self._fault_chain(k + 1, end):
                    self._exclude_chain(k + 1, end)
                    self.excluded[j] = True     # no deletion of it either
                    break
        self.statements.append((j, end, parent, is_decl))
        return end + 1

    def _is_declaration(self, j):
        toks = self.toks
        a = toks[j]
        if a.text in TYPE_WORDS:
            return True
        if a.kind != "ident" or a.text in CONTROL_WORDS:
            return False
        b = toks[j + 1] if j + 1 < len(toks) else None
        if b is None:
            return False
        if b.kind == "ident":
            return True
        if b.text == "*":
            k = j + 1
            while k < len(toks) and toks[k].text in ("*", "const"):
                k += 1
            return (k < len(toks) and toks[k].kind == "ident" and k + 1 < len(toks) and
                    toks[k + 1].text in ("=", ";", "[", ",", ")"))
        return False

    def _exclude_chain(self, a, b):
        """Exclude toks[a:b] but the top-level && joining its conjuncts."""
        toks, match = self.toks, self.match
        k = a
        while k < b:
            if toks[k].text in ("(", "[", "{") and match[k] > k:
                for m in range(k, match[k] + 1):
                    self.excluded[m] = True
                k = match[k] + 1
                continue
            if toks[k].text != "&&":
                self.excluded[k] = True
            k += 1

    def _fault_chain(self, a, b):
        """Is the condition toks[a:b] a && chain with a bare (not negated) fault call? Then
        its branch runs only when a fault mode is on."""
        toks, match = self.toks, self.match
        k = a
        conj_start = a
        while k <= b:
            t = toks[k].text if k < b else "&&"
            if t in ("(", "[", "{") and match[k] > k:
                k = match[k] + 1
                continue
            if t in ("||", "?", "=", ",") and k < b:
                return False
            if t == "&&":
                if (conj_start < b and toks[conj_start].text in FAULT_CALLS and
                        conj_start + 1 < len(toks) and toks[conj_start + 1].text == "(" and
                        match[conj_start + 1] == k - 1):
                    return True
                conj_start = k + 1
            k += 1
        return False

    def _exclude_calls(self):
        toks, match = self.toks, self.match
        for i, t in enumerate(toks):
            if i + 1 >= len(toks) or toks[i + 1].text != "(":
                continue
            close = match[i + 1]
            if close < 0:
                continue
            skip = t.text in LOG_CALLS or t.text in FAULT_CALLS
            if t.text == "fprintf" and i + 2 < len(toks) and toks[i + 2].text == "stderr":
                skip = True
            if skip:
                for k in range(i, close + 1):
                    self.excluded[k] = True


# ---------------------------------------------------------------- mutants

def _number_variants(text):
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|[0-9]+)([uUlL]*)", text)
    if not m:
        return []          # floating point: left alone
    digits, suffix = m.groups()
    if digits.lower().startswith("0x"):
        value, fmt = int(digits, 16), "hex"
    elif len(digits) > 1 and digits.startswith("0"):
        value, fmt = int(digits, 8), "oct"
    else:
        value, fmt = int(digits), "dec"
    out = []
    for v in (value + 1, value - 1, 0):
        if v == value or v in [o[0] for o in out]:
            continue
        if v < 0:
            if "u" in suffix.lower():
                continue
            out.append((v, "(%d)" % v))
        elif fmt == "hex":
            out.append((v, "0x%x%s" % (v, suffix)))
        elif fmt == "oct" and v:
            out.append((v, "0%o%s" % (v, suffix)))
        else:
            out.append((v, "%d%s" % (v, suffix)))
    return [text for _, text in out]


class Mutant:
    __slots__ = ("file", "line", "column", "op", "start", "end", "original", "replacement",
                 "line_text", "mutated_line", "func", "id")

    def as_dict(self):
        return {"id": self.id, "file": self.file, "line": self.line, "column": self.column,
                "operator": self.op,
                "function": self.func, "original": self.original,
                "mutated": self.replacement, "line_text": self.line_text,
                "mutated_line": self.mutated_line}


def _bare_return(toks, i):
    """return N; or return -N;: the return operator already swaps that value."""
    k = i - 1
    if k >= 0 and toks[k].text == "-":
        k -= 1
    return (k >= 0 and toks[k].text == "return" and i + 1 < len(toks) and
            toks[i + 1].text == ";")


def _binary_operand_before(toks, i):
    """Whether the + or - at i is binary: an operand ends right before it (a name that is not
    a keyword, a number, a closing bracket). `return -1`, `x = -y` and `(-1)` are unary."""
    if i == 0:
        return False
    p = toks[i - 1]
    if p.kind == "number":
        return True
    if p.kind == "ident":
        return p.text not in TYPE_WORDS and p.text not in CONTROL_WORDS
    return p.text in (")", "]")


def _compile_skip(pattern):
    return re.compile(pattern) if pattern else None


def mutants_of(path, rel, ops, sdl_skip=None):
    """Every mutant of one file, in source order, with stable ids."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        src = f.read()
    an = Analysis(src)
    toks = an.toks
    raw = []  # (op, start, end, replacement, line, func)

    def fname(i):
        return an.func[i].name if an.func[i] else ""

    for i, t in enumerate(toks):
        if an.excluded[i]:
            continue
        in_func = an.func[i] is not None
        if "ror" in ops and in_func and t.text in ROR_SWAPS:
            for r in ROR_SWAPS[t.text]:
                raw.append(("ror", t.start, t.end, r, t.line, fname(i)))
        if "lor" in ops and in_func and t.text in LOR_SWAPS:
            for r in LOR_SWAPS[t.text]:
                raw.append(("lor", t.start, t.end, r, t.line, fname(i)))
        if "aor" in ops and in_func and t.text in AOR_SWAPS and \
                (t.text in ("++", "--", "+=", "-=") or _binary_operand_before(toks, i)):
            for r in AOR_SWAPS[t.text]:
                raw.append(("aor", t.start, t.end, r, t.line, fname(i)))
        if "neg" in ops and in_func and t.text == "!":
            raw.append(("neg", t.start, t.end, "", t.line, fname(i)))
        if "con" in ops and t.kind == "number" and (in_func or an.in_init[i]) and \
                not an.in_decl_dims[i] and not ("ret" in ops and _bare_return(toks, i)):
            for r in _number_variants(t.text):
                raw.append(("con", t.start, t.end, r, t.line, fname(i)))

    if "ret" in ops:
        for j, semi, func in an.returns:
            if an.excluded[j] or func.kind == "void" or semi <= j + 1:
                continue
            a, b = toks[j + 1], toks[semi - 1]
            expr = src[a.start:b.end]
            flat = " ".join(expr.split())
            repls = []
            if func.kind == "pointer":
                if flat != "NULL":
                    repls = ["NULL"]
            elif flat == "0":
                repls = ["1", "-1"]
            elif flat in ("1", "-1"):
                repls = ["0"]
            elif flat == "true":
                repls = ["false"]
            elif flat == "false":
                repls = ["true"]
            elif flat == "CTK_E_OK":
                repls = ["CTK_E_INTERNAL"]
            elif re.fullmatch(r"CTK_E_[A-Z_]+", flat):
                repls = ["CTK_E_OK"]
            elif func.kind == "code":
                repls = ["CTK_E_OK"]
            elif func.kind == "bool":
                repls = ["false"]
            else:
                repls = ["0"]
            for r in repls:
                raw.append(("ret", a.start, b.end, r + "\n" * expr.count("\n"), a.line,
                            func.name))

    if "sdl" in ops:
        for j, semi, parent, is_decl in an.statements:
            if is_decl or an.excluded[j] or an.func[j] is None or toks[semi].text != ";":
                continue
            callee = toks[j].text
            if callee == "(" and j + 3 < len(toks) and toks[j + 1].text == "void":
                callee = toks[j + 3].text
            if sdl_skip and toks[j].kind in ("ident", "punct") and sdl_skip.match(callee) and \
                    j + 1 < len(toks) and (toks[j + 1].text == "(" or toks[j].text == "("):
                continue
            a, b = toks[j], toks[semi]
            text = src[a.start:b.end]
            empty = "{ }" if parent in ("if", "else") else ";"
            raw.append(("sdl", a.start, b.end, empty + "\n" * text.count("\n"), a.line,
                        fname(j)))

    raw.sort(key=lambda r: (r[1], OPERATORS.index(r[0]), r[3]))
    lines = src.split("\n")
    seen = {}
    out = []
    for op, start, end, repl, line, func in raw:
        m = Mutant()
        m.file, m.op, m.start, m.end, m.line, m.func = rel, op, start, end, line, func
        m.column = start - (src.rfind("\n", 0, start) + 1) + 1
        m.original = src[start:end]
        m.replacement = repl
        m.line_text = lines[line - 1].strip()
        mutated = src[:start] + repl + src[end:]
        m.mutated_line = mutated.split("\n")[line - 1].strip()
        key = (rel, op, m.line_text, " ".join(m.original.split()), repl.strip())
        k = seen.get(key, 0)
        seen[key] = k + 1
        m.id = hashlib.sha1(("\0".join(key) + "\0%d" % k).encode("utf-8", "surrogateescape"))\
            .hexdigest()[:10]
        out.append(m)
    return out, src


def apply_mutant(src, m):
    return src[:m.start] + m.replacement + src[m.end:]


# ---------------------------------------------------------------- configuration

def read_conf(path):
    conf = {}
    if not path:
        return conf
    last = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if line[0] in " \t" and last:
                conf[last] += " " + s       # an indented line continues the value above
                continue
            if "=" not in s:
                raise UsageError("%s:%d: expected key = value" % (path, n))
            k, v = s.split("=", 1)
            last = k.strip()
            conf[last] = v.strip()
    return conf


def split_list(value):
    return [x for x in re.split(r"[\s,]+", value or "") if x]


def expand_files(root, patterns, excludes):
    files = []
    for p in patterns:
        hits = sorted(glob.glob(os.path.join(root, p)))
        if not hits:
            raise UsageError("ctk_mutate: no file matches %s" % p)
        for h in hits:
            rel = os.path.relpath(h, root)
            if any(fnmatch.fnmatch(rel, e) for e in excludes):
                continue
            if rel not in files:
                files.append(rel)
    return files


def read_equivalent(path):
    """id -> reason, from lines 'ID  file:line:op  reason'."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            parts = s.split(None, 2)
            if len(parts) < 3 or not re.fullmatch(r"[0-9a-f]{10}", parts[0]):
                raise UsageError("%s:%d: expected 'ID FILE:LINE:OP REASON'" % (path, n))
            out[parts[0]] = {"where": parts[1], "reason": parts[2]}
    return out


def sample(all_mutants, n, seed):
    """n mutants, shared evenly between the operators (constants and deletions are the most
    numerous sites and would crowd out the rest). Within an operator the mutants whose keyed
    hash (seed, id) is smallest are taken: an edit elsewhere in the source neither adds nor
    removes a mutant of the sample unless it adds or removes a site whose hash ranks in the
    share, so the committed sample stays the same 200 while the suites are sharpened."""
    if n <= 0 or n >= len(all_mutants):
        return list(all_mutants)
    pools = {}
    for k, m in enumerate(all_mutants):
        pools.setdefault(m.op, []).append(k)
    ops = [o for o in OPERATORS if o in pools]
    share = {o: 0 for o in ops}
    left = n
    while left:
        open_ops = [o for o in ops if share[o] < len(pools[o])]
        for o in open_ops[:left] if len(open_ops) > left else open_ops:
            share[o] += 1
            left -= 1

    def rank(k):
        key = ("%d:%s" % (seed, all_mutants[k].id)).encode()
        return hashlib.sha256(key).hexdigest()

    picked = []
    for o in ops:
        picked.extend(sorted(pools[o], key=rank)[:share[o]])
    return [all_mutants[i] for i in sorted(picked)]


def collect(root, files, ops, sdl_skip):
    everything = []
    sources = {}
    for rel in files:
        ms, src = mutants_of(os.path.join(root, rel), rel, ops, sdl_skip)
        everything.extend(ms)
        sources[rel] = src
    return everything, sources


# ---------------------------------------------------------------- building

class Builder:
    """Compiles one mutated file with the flags make uses and links it in front of the
    prebuilt archives, so the rest of the program is the unmutated build."""

    def __init__(self, root, build):
        self.root = root
        self.build = build
        self._compile = {}
        self._link = {}
        self._orig_obj = {}
        self._linker = None
        self._lock = threading.Lock()

    def _make_n(self, target):
        out = subprocess.run(["make", "-n", "-B", "--no-print-directory", "BUILD=" + self.build,
                              target], cwd=self.root, capture_output=True, text=True)
        if out.returncode:
            raise ToolError("ctk_mutate: make -n %s failed:\n%s" % (target, out.stderr))
        return out.stdout.splitlines()

    def compile_argv(self, rel):
        with self._lock:
            if rel not in self._compile:
                obj = "%s/obj/%s.o" % (self.build, rel[:-2])
                for line in self._make_n(obj):
                    argv = shlex.split(line)
                    if "-c" in argv and rel in argv:
                        argv = [a for a in argv if a not in ("-MMD", "-MP")]
                        self._compile[rel] = argv
                        break
                else:
                    raise ToolError("ctk_mutate: make gives no compile command for %s" % rel)
            return list(self._compile[rel])

    def link_argv(self, target):
        with self._lock:
            if target not in self._link:
                out = "%s/%s" % (self.build, target)
                for line in reversed(self._make_n(out)):
                    argv = shlex.split(line)
                    if "-o" in argv and argv[argv.index("-o") + 1] == out:
                        self._link[target] = argv
                        break
                else:
                    raise ToolError("ctk_mutate: make gives no link command for %s" % out)
            return list(self._link[target])

    def compile(self, rel, text, workdir):
        """Compile text as file rel in workdir; (object path, None) or (None, error)."""
        srcdir = os.path.join(workdir, "src")
        path = os.path.join(srcdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        obj = os.path.join(workdir, "mutant.o")
        argv = self.compile_argv(rel)
        argv[argv.index(rel)] = path
        argv[argv.index("-o") + 1] = obj
        argv.insert(1, "-ffile-prefix-map=%s/=" % srcdir)
        # "header.h" next to the source is looked for in the source's own folder first
        argv.insert(1, "-iquote" + os.path.join(self.root, os.path.dirname(rel)))
        argv.extend(MUTANT_CFLAGS)
        try:
            r = subprocess.run(argv, cwd=self.root, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return None, "the compiler timed out"
        if r.returncode:
            errs = [ln for ln in r.stderr.splitlines() if "error" in ln]
            first = errs[0] if errs else (r.stderr.strip().splitlines() or ["failed"])[0]
            return None, first.replace(srcdir + "/", "")
        return obj, None

    def code_of(self, obj, workdir, name):
        """The object without its debug information: equal for equal machine code."""
        out = os.path.join(workdir, name)
        subprocess.run(["objcopy", "--strip-debug", obj, out], check=True)
        with open(out, "rb") as f:
            return f.read()

    def original_code(self, rel, src, scratch):
        with self._lock:
            if rel in self._orig_obj:
                return self._orig_obj[rel]
        d = tempfile.mkdtemp(prefix="orig-", dir=scratch)
        obj, err = self.compile(rel, src, d)
        code = self.code_of(obj, d, "stripped.o") if obj else None
        shutil.rmtree(d, ignore_errors=True)
        with self._lock:
            self._orig_obj[rel] = code
        return code

    def _fast_linker(self, cc):
        """-fuse-ld=gold when make's compiler cc takes it: a mutant links about three times faster
        (1.0 s to 0.3 s for ctk-tests, measured), and linking is done up to twice a mutant.
        The program is the same either way; without gold the default linker is used."""
        with self._lock:
            if self._linker is None:
                self._linker = []
                if shutil.which("ld.gold"):
                    d = tempfile.mkdtemp(prefix="ld-")
                    try:
                        src = os.path.join(d, "t.c")
                        with open(src, "w") as f:
                            f.write("int main(void) { return 0; }\n")
                        r = subprocess.run([cc, "-fuse-ld=gold", "-o", os.path.join(d, "t"),
                                            src], capture_output=True)
                        if r.returncode == 0:
                            self._linker = ["-fuse-ld=gold"]
                    finally:
                        shutil.rmtree(d, ignore_errors=True)
            return list(self._linker)

    def link(self, target, obj, workdir):
        argv = self.link_argv(target)
        argv[1:1] = self._fast_linker(argv[0])
        out = os.path.join(workdir, os.path.basename(target))
        argv[argv.index("-o") + 1] = out
        # the mutant first: the archive member of the same file is then never pulled in
        first_obj = next(k for k, a in enumerate(argv) if a.endswith(".o") and
                         k != argv.index("-o") + 1)
        argv.insert(first_obj + 1, obj)
        r = subprocess.run(argv, cwd=self.root, capture_output=True, text=True, timeout=300)
        if r.returncode:
            return None, (r.stderr.strip().splitlines() or ["link failed"])[-1]
        return out, None


# ---------------------------------------------------------------- checks

CUNIT_FAILED = re.compile(r"^\s*Test: (\S+) \.\.\.FAILED", re.M)


def unit_failures(log_path):
    """The tests a CUnit run's log (tests/main.c, verbose) reports FAILED, in order."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            return CUNIT_FAILED.findall(f.read())
    except OSError:
        return []


def read_expected(path):
    want = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            parts = s.split()
            if len(parts) >= 2:
                want[parts[0]] = parts[1]
    return want


SELFTESTS = {
    "province": ("fixtures/pics/reference-province.pics",
                 "fixtures/pixit/reference-province.pixit",
                 "tests/data/expected/reference-province.verdicts"),
    "city": ("fixtures/pics/reference-city.pics", "fixtures/pixit/reference-city.pixit",
             "tests/data/expected/reference-city.verdicts"),
}


class Stopped(Exception):
    """The harness was told to stop (SIGINT, SIGTERM)."""


ACTIVE = set()                  # the checks running now, to stop them on SIGINT or SIGTERM
ACTIVE_LOCK = threading.Lock()
STOPPING = threading.Event()


def stop_active():
    STOPPING.set()
    with ACTIVE_LOCK:
        procs = list(ACTIVE)
    for p in procs:             # ctk run stops its roles on SIGTERM
        try:
            os.kill(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_bounded(argv, cwd, timeout, log_path, env=None, shell=False, soft_stop=0):
    """Run in its own process group; (exit code, timed out, seconds). At the time bound a
    soft stop sends SIGTERM to the program alone and gives it soft_stop seconds to end (ctk
    run then stops its roles and writes its reports); whatever is left is killed."""
    t0 = time.monotonic()
    timed_out = False
    with open(log_path, "wb") as log:
        with ACTIVE_LOCK:
            if STOPPING.is_set():
                raise Stopped()
            p = subprocess.Popen(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, env=env,
                                 shell=shell)
            ACTIVE.add(p)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            rc = None
            steps = [(signal.SIGTERM, False, soft_stop)] if soft_stop else []
            steps += [(signal.SIGTERM, True, 3), (signal.SIGKILL, True, 10)]
            for sig, group, grace in steps:
                try:
                    if group:
                        os.killpg(p.pid, sig)
                    else:
                        os.kill(p.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    rc = p.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # nothing of the check may outlive it (its roles end with it, see docs/RUNNER.md)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        with ACTIVE_LOCK:
            ACTIVE.discard(p)
    if STOPPING.is_set():
        raise Stopped()
    return rc, timed_out, time.monotonic() - t0


def verdict_diff(results_path, expected):
    """First difference between results.json and the expected verdicts, or None."""
    try:
        with open(results_path, encoding="utf-8") as f:
            run = json.load(f)
    except (OSError, ValueError) as e:
        return "no results.json (%s)" % e.__class__.__name__
    seen = set()
    for t in run.get("tests", []):
        tid, verdict = t.get("id"), t.get("verdict")
        seen.add(tid)
        if verdict == "error" and (t.get("reason") or "").startswith("run interrupted"):
            continue      # stopped at the time bound: no verdict either way
        want = expected.get(tid)
        if want is None:
            return "%s: not in the expected verdicts (%s)" % (tid, verdict)
        if want == "pass" and verdict == "skip" and "SIPp" in (t.get("reason") or ""):
            continue
        if want != verdict:
            return "%s: expected %s, got %s: %s" % (tid, want, verdict,
                                                   (t.get("reason") or "")[:300])
    for tid in expected:
        if tid not in seen:
            return "%s: expected, did not run" % tid
    return None


class Checker:
    def __init__(self, root, orig_ctk, checks, timeout_factor, timeout_min, leave_out=()):
        self.root = root
        # self-test ids not run for mutants (conf: selftest_leave_out): throughput targets
        # whose verdict moves with the machine's load, which would count as kills
        self.leave_out = list(leave_out)
        self.orig_ctk = orig_ctk
        self.checks = checks
        self.factor = timeout_factor
        self.min = timeout_min
        self.per_file = []
        self.baseline = {}
        self.expected = {k: read_expected(os.path.join(root, v[2])) for k, v in
                         SELFTESTS.items()}
        for exp in self.expected.values():
            for tid in self.leave_out:
                exp.pop(tid, None)

    def checks_for(self, rel):
        """The checks that run the mutated file's code (conf: checks.GLOB = ...)."""
        for pattern, checks in self.per_file:
            if fnmatch.fnmatch(rel, pattern):
                return checks
        return self.checks

    def all_checks(self):
        """Every check some file runs, each once, in the order first named."""
        out = []
        for c in self.checks + [c for _, cs in self.per_file for c in cs]:
            if c not in out:
                out.append(c)
        return out

    @staticmethod
    def needs_tests_binary(check):
        return "{ctk_tests}" in check or check.startswith("unit:")

    def _argv(self, check, ctk, ctk_tests, outdir):
        if check.startswith("selftest:"):
            name = check.split(":", 1)[1]
            pics, pixit, _ = SELFTESTS[name]
            argv = [self.orig_ctk, "run", "--sut", name, "--pics", pics, "--pixit", pixit,
                    "--out", outdir, "--quiet"]
            if self.leave_out:
                argv += ["--select", "+".join("!id:" + t for t in self.leave_out)]
            if ctk:
                argv += ["--ctk", ctk]
            return argv, False
        if check.startswith("unit:"):
            # the kit's own test suites (tests/registry.h), linked with the mutant: the
            # simulators' and the reference's unit tests, each suite in its own process
            check = " && ".join("{ctk_tests} --suite %s" % shlex.quote(s)
                                for s in check.split(":", 1)[1].split("+"))
        cmd = check.replace("{ctk}", shlex.quote(ctk or self.orig_ctk))
        cmd = cmd.replace("{ctk_tests}", shlex.quote(ctk_tests or ""))
        return cmd, True

    def run_one(self, check, ctk, ctk_tests, workdir, timeout):
        safe = re.sub(r"[^A-Za-z0-9]+", "-", check)[:40]
        outdir = os.path.join(workdir, "out-" + safe)
        argv, shell = self._argv(check, ctk, ctk_tests, outdir)
        env = dict(os.environ)
        env["CTK_BIN"] = ctk or self.orig_ctk
        selftest = check.startswith("selftest:")
        rc, timed_out, secs = run_bounded(argv, self.root, timeout,
                                          os.path.join(workdir, safe + ".log"), env=env,
                                          shell=shell, soft_stop=20 if selftest else 0)
        if timed_out and not selftest:
            # as for a self-test: a unit test that failed before the bound has noticed; the
            # suite then often waits out every later test's time limits against a dead daemon
            failed = unit_failures(os.path.join(workdir, safe + ".log"))
            if failed:
                return "killed", "%s: %s failed (run stopped at the %.0f s time bound)" % (
                    check, failed[0], timeout), secs
            return "timed_out", "%s: no end within %.0f s" % (check, timeout), secs
        if selftest:
            name = check.split(":", 1)[1]
            diff = verdict_diff(os.path.join(outdir, "results.json"), self.expected[name])
            # stopped at the bound: a test that ended before with another verdict still kills
            if timed_out and diff and diff.startswith("no results"):
                diff = None
            if diff:
                return "killed", "%s: %s%s" % (name, diff, " (run stopped at the %.0f s time "
                                               "bound)" % timeout if timed_out else ""), secs
            if timed_out:
                return "timed_out", ("%s: no end within %.0f s, and no test that ended had "
                                     "another verdict" % (name, timeout)), secs
            base_rc = self.baseline.get(check, {}).get("exit", 0)
            if rc != base_rc:
                return "killed", "%s: exit %d (expected %d)" % (name, rc, base_rc), secs
            return "survived", "", secs
        if rc:
            return "killed", "%s: exit %d" % (check, rc), secs
        return "survived", "", secs

    def measure_baseline(self, scratch, ctk_tests=None, files=None, jobs=1):
        """Runs once, unmutated, every check the mutants of files (all files: None) need,
        jobs at a time: the mutants run that many at once too, so the time bounds drawn
        from these seconds are measured under the same load."""
        needed = self.all_checks() if files is None else \
            [c for c in self.all_checks() if any(c in self.checks_for(f) for f in files)]

        def one(check):
            d = tempfile.mkdtemp(prefix="baseline-", dir=scratch)
            outcome, detail, secs = self.run_one(check, None, ctk_tests, d, 600)
            return check, d, outcome, detail, secs

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            done = list(pool.map(one, needed))
        for check, d, outcome, detail, secs in done:
            if outcome != "survived":
                raise ToolError("ctk_mutate: the unmutated program fails its check (%s); "
                                 "fix that first (logs in %s)" % (detail, d))
            self.baseline[check] = {"seconds": round(secs, 1), "exit": 0}
            shutil.rmtree(d, ignore_errors=True)

    def timeout_of(self, check):
        base = self.baseline.get(check, {}).get("seconds", self.min)
        return max(self.min, self.factor * base)


# ---------------------------------------------------------------- running

class Progress:
    def __init__(self, total, enabled):
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.counts = {k: 0 for k in OUTCOMES}
        self.lock = threading.Lock()
        self.t0 = time.monotonic()

    def add(self, result):
        with self.lock:
            self.done += 1
            self.counts[result["outcome"]] += 1
            if not self.enabled:
                return
            el = time.monotonic() - self.t0
            eta = el / self.done * (self.total - self.done)
            sys.stderr.write("\r\033[K[%d/%d] killed %d, survived %d, timed out %d, not compiled "
                             "%d, equivalent %d; %s:%d %s %s; about %d min left" % (
                                 self.done, self.total, self.counts["killed"],
                                 self.counts["survived"], self.counts["timed_out"],
                                 self.counts["did_not_compile"], self.counts["equivalent"],
                                 result["file"], result["line"], result["operator"],
                                 result["outcome"], eta / 60 + 0.5))
            sys.stderr.flush()

    def finish(self):
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def run_mutant(m, src, builder, checker, scratch, equivalent, keep):
    res = m.as_dict()
    t0 = time.monotonic()
    work = tempfile.mkdtemp(prefix="m-%s-" % m.id, dir=scratch)
    res["outcome"], res["detail"] = "survived", ""
    times = res["times"] = {}
    try:
        obj, err = builder.compile(m.file, apply_mutant(src, m), work)
        times["compile"] = round(time.monotonic() - t0, 1)
        if not obj:
            res["outcome"], res["detail"] = "did_not_compile", err
            return res
        orig = builder.original_code(m.file, src, scratch)
        if orig is not None and builder.code_of(obj, work, "stripped.o") == orig:
            res["outcome"] = "equivalent"
            res["detail"] = "the compiler makes the same object code as for the original"
            return res
        t1 = time.monotonic()
        ctk, err = builder.link("ctk", obj, work)
        times["link"] = round(time.monotonic() - t1, 1)
        if not ctk:
            res["outcome"], res["detail"] = "did_not_compile", "link: " + (err or "")
            return res
        ctk_tests = None
        for check in checker.checks_for(m.file):
            # the test runner is linked only when a check needs it: most mutants of the
            # reference endpoints end at a self-test, which runs ctk alone
            if ctk_tests is None and checker.needs_tests_binary(check):
                t1 = time.monotonic()
                ctk_tests, err = builder.link("ctk-tests", obj, work)
                times["link"] = round(times["link"] + time.monotonic() - t1, 1)
                if not ctk_tests:
                    res["outcome"], res["detail"] = "did_not_compile", "link: " + (err or "")
                    return res
            outcome, detail, secs = checker.run_one(check, ctk, ctk_tests, work,
                                                    checker.timeout_of(check))
            times[check] = round(secs, 1)
            if outcome != "survived":
                res["outcome"], res["detail"] = outcome, detail
                if outcome == "killed":
                    res["killed_by"] = check
                break
        if m.id in equivalent:
            eq = equivalent[m.id]
            if res["outcome"] == "survived":
                res["outcome"] = "equivalent"
                res["detail"] = "listed: " + eq["reason"]
            else:
                res["listed_equivalent"] = eq["reason"]
        return res
    finally:
        res["seconds"] = round(time.monotonic() - t0, 1)
        if keep:
            res["workdir"] = work
        else:
            shutil.rmtree(work, ignore_errors=True)


def summarize(results):
    s = {k: 0 for k in OUTCOMES}
    for r in results:
        s[r["outcome"]] += 1
    s["total"] = len(results)
    # which kind of check noticed: the conformance self-tests, or the kit's unit suites
    s["killed_by_selftest"] = sum(1 for r in results if r["outcome"] == "killed" and
                                  not r.get("killed_by", "").startswith("unit:"))
    s["killed_by_unit"] = s["killed"] - s["killed_by_selftest"]
    den = s["total"] - s["did_not_compile"] - s["equivalent"]
    s["score"] = round(100.0 * s["killed"] / den, 1) if den else None
    return s


def group_summary(results, key):
    groups = {}
    for r in results:
        groups.setdefault(r[key], []).append(r)
    return {k: summarize(v) for k, v in sorted(groups.items())}


# ---------------------------------------------------------------- HTML

# The page shares the run reports' style sheet (reports/ctk_report_html.c, read from the
# source) and adds the outcome colours: killed as pass, survived as fail, and so on.
OUTCOME_COLOUR = {"killed": "pass", "survived": "fail", "timed_out": "inconc",
                  "did_not_compile": "skip", "equivalent": "error"}
EXTRA_CSS = "".join(
    ".count.%s .num{color:var(--%s)}.v-%s{background:var(--%s)}" % (k, c, k, c)
    for k, c in OUTCOME_COLOUR.items()) + (
    ".score{font-weight:700;font-size:16px;padding:6px 14px;border-radius:6px;color:#fff;"
    "background:var(--pass)}.score.low{background:var(--fail)}"
    "table.m{font-size:12px}table.m td,table.m th{padding:2px 6px}.v{white-space:nowrap}"
    ".mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}"
    "del{background:#ffebe9;text-decoration:none}ins{background:#dafbe1;text-decoration:none}"
    "details>summary{cursor:pointer;color:#0969da}")


def report_css(root):
    """The string literal page_css of the run reports' HTML writer."""
    try:
        with open(os.path.join(root, "reports", "ctk_report_html.c"), encoding="utf-8") as f:
            c = f.read()
        m = re.search(r"page_css\[\]\s*=\s*((?:\s*\"(?:[^\"\\]|\\.)*\")+)\s*;", c)
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
        return "".join(p.replace('\\"', '"').replace("\\\\", "\\") for p in parts)
    except (OSError, AttributeError):
        return "body{font:14px/1.5 sans-serif;margin:24px}table{border-collapse:collapse}" \
               "th,td{border:1px solid #d0d7de;padding:4px 8px}"


def esc(s):
    return html.escape(str(s if s is not None else ""), quote=True)


def svg_bar(summary):
    """One stacked bar of the outcomes."""
    total = summary["total"] or 1
    width, x = 1000.0, 0.0
    parts = ['<svg class="chart" viewBox="0 0 1000 64" role="img" aria-label="outcomes">']
    for k in OUTCOMES:
        n = summary[k]
        if not n:
            continue
        w = width * n / total
        parts.append('<rect x="%.1f" y="8" width="%.1f" height="28" style="fill:var(--%s)">'
                     '<title>%s: %d</title></rect>' % (x, w, OUTCOME_COLOUR[k],
                                                       OUTCOME_LABELS[k], n))
        if w > 60:
            parts.append('<text x="%.1f" y="27" fill="#fff" style="fill:#fff">%s %d</text>'
                         % (x + 6, OUTCOME_LABELS[k], n))
        x += w
    parts.append('<text x="0" y="56">0</text><text x="1000" y="56" text-anchor="end">%d mutants'
                 '</text></svg>' % summary["total"])
    return "".join(parts)


def diff_html(r):
    line = r.get("line_text", "")
    orig = " ".join(r.get("original", "").split())
    mut = " ".join(r.get("mutated", "").split())
    return '<span class="mono"><del>%s</del> &rarr; <ins>%s</ins></span>' % (esc(orig), esc(mut)) \
        + '<div class="meta mono">%s</div>' % esc(line)


def write_html(doc, path, root):
    s = doc["summary"]
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width,initial-scale=1">'
           '<title>ctk12328 mutation report</title><style>', report_css(root), EXTRA_CSS,
           '</style></head><body>'
           '<main><header><h1>Mutation report: power of the conformance suites</h1>'
           '<div class="sub">commit %s &middot; seed %s &middot; operators %s &middot; %s</div>'
           '</header>' % (esc(doc.get("commit")), esc(doc.get("seed")),
                          esc(", ".join(doc.get("operators", []))), esc(doc.get("started")))]
    score = s.get("score")
    out.append('<section class="card banner"><span class="score%s" id="score">score %s</span>'
               '<span>killed / (total &minus; did not compile &minus; equivalent) &middot; '
               '%d of %d candidate mutants sampled &middot; %d jobs &middot; %.1f min'
               ' &middot; killed by the self-tests %d, by unit suites %d</span>'
               '</section>' % ("" if score is not None and score >= 85 else " low",
                               "%.1f %%" % score if score is not None else "n/a",
                               s["total"], doc.get("candidates", 0), doc.get("jobs", 0),
                               doc.get("wall_seconds", 0) / 60.0,
                               s.get("killed_by_selftest", s["killed"]),
                               s.get("killed_by_unit", 0)))
    out.append('<section class="cards" id="summary"><div class="count total"><span class="num">'
               '%d</span>total</div>' % s["total"])
    for k in OUTCOMES:
        out.append('<div class="count %s"><span class="num" id="n-%s">%d</span>%s</div>'
                   % (k, k, s[k], OUTCOME_LABELS[k]))
    out.append('</section>')
    out.append(svg_bar(s))

    def table(title, groups, label):
        out.append('<h2>%s</h2><div class="scroll"><table><tr><th>%s</th><th>total</th>'
                   % (title, label))
        for k in OUTCOMES:
            out.append('<th>%s</th>' % OUTCOME_LABELS[k])
        out.append('<th>score</th></tr>')
        for name, g in groups.items():
            out.append('<tr><td class="mono">%s</td><td class="n">%d</td>' % (
                esc(OPERATOR_NAMES.get(name, name) if label == "operator" else name),
                g["total"]))
            for k in OUTCOMES:
                out.append('<td class="n">%d</td>' % g[k])
            out.append('<td class="n">%s</td></tr>' % (
                "%.1f %%" % g["score"] if g["score"] is not None else "&ndash;"))
        out.append('</table></div>')

    table("By file", group_summary(doc["mutants"], "file"), "file")
    table("By operator", group_summary(doc["mutants"], "operator"), "operator")

    def mutant_rows(rows, anchor_id):
        out.append('<div class="scroll"><table class="m" id="%s"><tr><th>id</th><th>where</th>'
                   '<th>op</th><th>change</th><th>outcome</th><th>first failing check or '
                   'reason</th></tr>' % anchor_id)
        for r in rows:
            reach = {True: "", False: '<div class="meta">line not run by any check</div>',
                     None: ""}[r.get("reached")]
            out.append('<tr><td class="mono">%s</td><td class="mono">%s:%d:%d<div class="meta">'
                       '%s</div></td><td>%s</td><td>%s</td><td><span class="v v-%s">%s</span>%s'
                       '</td><td>%s</td></tr>' % (esc(r["id"]), esc(r["file"]), r["line"],
                                                  r.get("column", 0),
                                                  esc(r.get("function", "")),
                                                  esc(r["operator"]), diff_html(r),
                                                  r["outcome"],
                                                  esc(OUTCOME_LABELS[r["outcome"]]), reach,
                                                  esc(r.get("detail", ""))))
        out.append('</table></div>')

    surv = [r for r in doc["mutants"] if r["outcome"] in ("survived", "timed_out")]
    out.append('<h2>Surviving mutants (%d)</h2>' % len(surv))
    out.append('<p class="meta">Each is a change to the reference code that no self-test '
               'notices: a check to add, or an equivalent mutant to list with its reason in '
               'tests/mutation/equivalent.txt.</p>')
    mutant_rows(surv, "survivors")
    out.append('<h2>All mutants</h2><details><summary>%d mutants</summary>' % s["total"])
    mutant_rows(doc["mutants"], "all")
    out.append('</details>')
    base = doc.get("baseline", {})
    out.append('<h2>Run</h2><table class="kv">')
    for k, v in (("checks", ", ".join(doc.get("checks", []))),
                 ("baseline seconds", ", ".join("%s %.1f" % (c, b["seconds"])
                                                for c, b in base.items())),
                 ("time bound", "%s x baseline, at least %s s" % (doc.get("timeout_factor"),
                                                                   doc.get("timeout_min_s"))),
                 ("files", " ".join(doc.get("files", []))), ("sample", doc.get("sample"))):
        out.append('<tr><th>%s</th><td>%s</td></tr>' % (esc(k), esc(v)))
    out.append('</table><footer>ctk12328 mutation harness (tests/mutation/ctk_mutate.py, '
               'docs/MUTATION.md)</footer></main></body></html>\n')
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))


# ---------------------------------------------------------------- commands

def check_names(value):
    """A configuration's check list: `city`, `province` (the self-tests) and `unit:S+S`
    (suites of the kit's own tests)."""
    out = []
    for c in split_list(value):
        if c.startswith("unit:"):
            if not c[5:] or not all(re.fullmatch(r"[a-z0-9_]+", s) for s in c[5:].split("+")):
                raise UsageError("ctk_mutate: bad check %s (unit:SUITE+SUITE)" % c)
            out.append(c)
        elif c in SELFTESTS:
            out.append("selftest:" + c)
        else:
            raise UsageError("ctk_mutate: unknown check %s (city, province, unit:SUITE)" % c)
    return out


def options(conf, args, root):
    ops = split_list(args.ops or conf.get("operators") or ",".join(OPERATORS))
    for o in ops:
        if o not in OPERATORS:
            raise UsageError("ctk_mutate: unknown operator %s (known: %s)" %
                             (o, ", ".join(OPERATORS)))
    if args.file:
        files = args.file
        for f in files:
            if not os.path.isfile(os.path.join(root, f)):
                raise UsageError("ctk_mutate: no such file %s" % f)
    else:
        files = expand_files(root, split_list(conf.get("files")),
                             split_list(conf.get("exclude_files")))
    seed = args.seed if args.seed is not None else int(conf.get("seed", "1"))
    n = args.n if args.n is not None else int(conf.get("mutants", "0"))
    skip = _compile_skip(conf.get("sdl_skip_calls"))
    return ops, files, seed, n, skip


def select(everything, args, n, seed):
    pool = everything
    if args.match:
        pool = [m for m in pool if args.match in m.line_text]
    if args.only:
        ids = set(split_list(args.only))
        pool = [m for m in pool if m.id in ids]
        return pool
    return sample(pool, n, seed)


def cmd_list(args, root):
    conf = read_conf(args.conf)
    if args.source:
        ops = split_list(args.ops) if args.ops else list(OPERATORS)
        rel = os.path.relpath(args.source, root)
        everything, _ = mutants_of(args.source, rel, ops,
                                   _compile_skip(conf.get("sdl_skip_calls")))
        n = args.n or 0
        seed = args.seed if args.seed is not None else 1
    else:
        ops, files, seed, n, skip = options(conf, args, root)
        everything, _ = collect(root, files, ops, skip)
    picked = select(everything, args, n, seed)
    if args.json:
        json.dump([m.as_dict() for m in picked], sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for m in picked:
        sys.stdout.write("%s\t%s:%d\t%s\t%s\n" % (m.id, m.file, m.line, m.op, m.mutated_line))
    sys.stderr.write("ctk_mutate: %d of %d candidate mutants\n" % (len(picked), len(everything)))
    return 0


def cmd_run(args, root):
    conf = read_conf(args.conf)
    ops, files, seed, n, skip = options(conf, args, root)
    everything, sources = collect(root, files, ops, skip)
    picked = select(everything, args, n, seed)
    if not picked:
        sys.stderr.write("ctk_mutate: no mutant selected\n")
        return 3
    checks = args.check or check_names(conf.get("checks", "city, province"))
    equivalent = read_equivalent(args.equivalent if args.equivalent is not None else
                                 (os.path.join(root, conf["equivalent"])
                                  if conf.get("equivalent") else None))
    build = args.build
    orig_ctk = os.path.join(root, build, "ctk")
    if not os.access(orig_ctk, os.X_OK):
        sys.stderr.write("ctk_mutate: %s is not built (make all)\n" % orig_ctk)
        return 2
    jobs = args.jobs or int(conf.get("jobs", "2"))
    factor = float(conf.get("timeout_factor", "4"))
    tmin = float(conf.get("timeout_min_s", "45"))
    scratch = tempfile.mkdtemp(prefix="ctk-mutation-")
    builder = Builder(root, build)
    leave_out = split_list(conf.get("selftest_leave_out", ""))
    for tid in leave_out:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", tid):
            raise UsageError("ctk_mutate: bad test id %s in selftest_leave_out" % tid)
    checker = Checker(root, orig_ctk, checks, factor, tmin, leave_out)
    if not args.check:
        checker.per_file = [(k[len("checks."):], check_names(v))
                            for k, v in conf.items() if k.startswith("checks.")]
    quiet = args.quiet or not sys.stderr.isatty() or bool(os.environ.get("CI"))
    started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    t0 = time.monotonic()
    results = []
    try:
        if not args.no_baseline:
            if not quiet:
                sys.stderr.write("ctk_mutate: baseline run of the unmutated program...\n")
            checker.measure_baseline(scratch, os.path.join(root, build, "ctk-tests"),
                                     {m.file for m in picked}, jobs)
        progress = Progress(len(picked), not quiet)
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futs = [pool.submit(run_mutant, m, sources[m.file], builder, checker, scratch,
                                equivalent, args.keep) for m in picked]
            try:
                for f in concurrent.futures.as_completed(futs):
                    r = f.result()
                    results.append(r)
                    progress.add(r)
            except BaseException:
                # stopped, or a mutant could not be handled at all (make failed): end the
                # running checks rather than wait for the whole sample
                for f in futs:
                    f.cancel()
                stop_active()
                progress.finish()
                sys.stderr.write("ctk_mutate: stopped; no report written\n")
                raise
        progress.finish()
    except KeyboardInterrupt:
        stop_active()
        raise
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    order = {m.id: k for k, m in enumerate(picked)}
    results.sort(key=lambda r: order[r["id"]])
    summary = summarize(results)
    listed_killed = [r["id"] for r in results if "listed_equivalent" in r]
    doc = {
        "format": FORMAT,
        "commit": git_commit(root),
        "started": started.isoformat().replace("+00:00", "Z"),
        "wall_seconds": round(time.monotonic() - t0, 1),
        "seed": seed,
        "operators": ops,
        "files": files,
        "candidates": len(everything),
        "sample": "%d of %d" % (len(picked), len(everything)),
        "jobs": jobs,
        "checks": checks,
        "checks_by_file": {g: c for g, c in checker.per_file},
        "timeout_factor": factor,
        "timeout_min_s": tmin,
        "baseline": checker.baseline,
        "summary": summary,
        "by_file": group_summary(results, "file"),
        "by_operator": group_summary(results, "operator"),
        "equivalent_listed_but_killed": listed_killed,
        "mutants": results,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "mutation.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    write_html(doc, os.path.join(args.out, "mutation.html"), root)
    print("ctk_mutate: %d mutants: %d killed (%d by the self-tests, %d by unit suites), "
          "%d survived, %d timed out, %d did not compile, "
          "%d equivalent; score %s; %.1f min; reports in %s" % (
              summary["total"], summary["killed"], summary["killed_by_selftest"],
              summary["killed_by_unit"], summary["survived"], summary["timed_out"],
              summary["did_not_compile"], summary["equivalent"],
              "%.1f %%" % summary["score"] if summary["score"] is not None else "n/a",
              doc["wall_seconds"] / 60.0, args.out))
    for i in listed_killed:
        print("ctk_mutate: %s is listed as equivalent but was killed: remove it from the list"
              % i)
    if args.fail_under is not None and (summary["score"] or 0) < args.fail_under:
        return 1
    return 0


def gcov_lines(root, build_cov, rel):
    """line -> execution count of rel in a --coverage build, from gcov's JSON."""
    r = subprocess.run(["gcov", "--json-format", "--stdout", "-o",
                        os.path.join(build_cov, "obj", os.path.dirname(rel)), rel],
                       cwd=root, capture_output=True, text=True)
    counts = {}
    for chunk in r.stdout.splitlines():
        chunk = chunk.strip()
        if not chunk.startswith("{"):
            continue
        for f in json.loads(chunk).get("files", []):
            if os.path.normpath(f.get("file", "")) != os.path.normpath(rel):
                continue
            for ln in f.get("lines", []):
                n = ln.get("line_number")
                counts[n] = counts.get(n, 0) + ln.get("count", 0)
    return counts


def cmd_reach(args, root):
    """Which mutated lines do the checks execute at all? Runs the checks once with a
    --coverage build playing the roles and marks each mutant reached or not: a survivor that is
    not reached needs a test that runs its code, one that is reached a sharper assertion."""
    with open(args.input, encoding="utf-8") as f:
        doc = json.load(f)
    cov = args.build_cov
    cov_ctk = os.path.join(root, cov, "ctk")
    orig_ctk = os.path.join(root, args.build, "ctk")
    for exe in (cov_ctk, orig_ctk):
        if not os.access(exe, os.X_OK):
            sys.stderr.write("ctk_mutate: %s is not built\n" % exe)
            return 2
    for g in glob.glob(os.path.join(root, cov, "obj", "**", "*.gcda"), recursive=True):
        os.remove(g)
    checks = [c for c in doc.get("checks", []) if c.startswith("selftest:")]
    checker = Checker(root, orig_ctk, checks, 1, 600)
    scratch = tempfile.mkdtemp(prefix="ctk-mutation-reach-")
    try:
        for check in checks:
            outcome, detail, _ = checker.run_one(check, cov_ctk, None, scratch, 600)
            if outcome != "survived":
                sys.stderr.write("ctk_mutate: the coverage build fails %s: %s\n" %
                                 (check, detail))
                return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    counts = {rel: gcov_lines(root, cov, rel) for rel in {m["file"] for m in doc["mutants"]}}
    tally = {}
    for m in doc["mutants"]:
        c = counts[m["file"]]
        # a statement's first line may hold no code of its own: the next line that does
        line = next((n for n in range(m["line"], m["line"] + 4) if n in c), None)
        m["reached"] = None if line is None else c[line] > 0
        key = (m["outcome"], m["reached"])
        tally[key] = tally.get(key, 0) + 1
    doc["reach"] = {"%s,%s" % (o, {True: "reached", False: "not reached", None: "unknown"}[r]): n
                    for (o, r), n in sorted(tally.items(), key=str)}
    with open(args.input, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    write_html(doc, os.path.join(os.path.dirname(args.input), "mutation.html"), root)
    for k, n in doc["reach"].items():
        print("ctk_mutate: %-32s %d" % (k, n))
    return 0


def apply_equivalent(doc, equivalent):
    """Survivors the reviewed list names become equivalent, without running them again."""
    for r in doc["mutants"]:
        eq = equivalent.get(r["id"])
        if eq and r["outcome"] == "survived":
            r["outcome"], r["detail"] = "equivalent", "listed: " + eq["reason"]
    doc["summary"] = summarize(doc["mutants"])
    doc["by_file"] = group_summary(doc["mutants"], "file")
    doc["by_operator"] = group_summary(doc["mutants"], "operator")


def cmd_report(args, root):
    with open(args.input, encoding="utf-8") as f:
        doc = json.load(f)
    if args.equivalent:
        apply_equivalent(doc, read_equivalent(args.equivalent))
        with open(args.input, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
    write_html(doc, args.out, root)
    s = doc["summary"]
    print("ctk_mutate: %d mutants: %d killed, %d survived, %d timed out, %d did not compile, "
          "%d equivalent; score %s" % (s["total"], s["killed"], s["survived"], s["timed_out"],
                                       s["did_not_compile"], s["equivalent"],
                                       "%.1f %%" % s["score"] if s["score"] is not None
                                       else "n/a"))
    return 0


def git_commit(root):
    r = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                       capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def main(argv):
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    p = argparse.ArgumentParser(prog="ctk_mutate", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--conf", help="sample configuration (tests/mutation/sample.conf)")
        sp.add_argument("--file", action="append", help="mutate this file only (repeatable)")
        sp.add_argument("--ops", help="operators, comma-separated: " + ",".join(OPERATORS))
        sp.add_argument("--seed", type=int)
        sp.add_argument("-n", type=int, help="mutants to sample (0: all)")
        sp.add_argument("--match", help="only mutants of lines containing this text")
        sp.add_argument("--only", help="only these mutant ids, comma-separated")

    sl = sub.add_parser("list", help="print the mutants a sample would run")
    common(sl)
    sl.add_argument("--source", help="any C file (not a tree file): list its mutants")
    sl.add_argument("--json", action="store_true")
    sr = sub.add_parser("run", help="build and check the sampled mutants")
    common(sr)
    sr.add_argument("--build", default="build", help="the prebuilt tree (make all)")
    sr.add_argument("--out", default="build/mutation")
    sr.add_argument("--jobs", type=int)
    sr.add_argument("--check", action="append",
                    help="instead of the self-tests: a shell command, {ctk} and {ctk_tests} "
                         "are the mutant programs; non-zero exit kills")
    sr.add_argument("--equivalent", help="list of equivalent mutants")
    sr.add_argument("--no-baseline", action="store_true",
                    help="do not run the unmutated program first")
    sr.add_argument("--keep", action="store_true", help="keep each mutant's folder")
    sr.add_argument("--quiet", action="store_true")
    sr.add_argument("--fail-under", type=float, help="exit 1 below this score (percent)")
    sc = sub.add_parser("reach", help="mark which mutants' lines the checks execute, with "
                                       "a --coverage build (docs/MUTATION.md)")
    sc.add_argument("--in", dest="input", default="build/mutation/mutation.json")
    sc.add_argument("--build", default="build")
    sc.add_argument("--build-cov", default="build-cov")
    sp = sub.add_parser("report", help="write the HTML page again from mutation.json")
    sp.add_argument("--in", dest="input", required=True)
    sp.add_argument("--out", required=True)
    sp.add_argument("--equivalent", help="apply this reviewed list to the survivors first")
    args = p.parse_args(argv)
    if getattr(args, "source", None):
        args.source = os.path.abspath(args.source)
    os.chdir(root)
    if args.cmd == "list":
        return cmd_list(args, root)
    if args.cmd == "run":
        return cmd_run(args, root)
    if args.cmd == "reach":
        return cmd_reach(args, root)
    return cmd_report(args, root)


def on_term(signum, frame):
    raise KeyboardInterrupt()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        sys.stderr.write("%s\n" % e)
        sys.exit(3)
    except ToolError as e:
        sys.stderr.write("%s\n" % e)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("\nctk_mutate: interrupted\n")
        sys.exit(2)
