#!/usr/bin/env python3
"""Mutation testing of src/*.c: does the test suite notice a broken core?

Each mutant is one small change at one place (operators below). It is built
in a scratch copy of the tree and the tests that cover its file
(tests/mutate/map.txt) are run, cheapest first, up to the first failure.
A mutant the tests catch (fail or time out) is killed; one they do not
catch survived, and shows where a test is missing. See `make mutate` in
README.md. Results: build/mutate/report.txt and build/mutate/results.tsv.
"""
import argparse, bisect, os, re, selectors, shlex, shutil, signal, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(TOP, "build", "mutate")
ORIGINALS = {}   # each mutated file's text as the run found it
COPY = ["src", "include", "tests", "bats", "completions", "GNUmakefile"]   # all a build and the tests need

# --- a C tokenizer just good enough to find the places to mutate ------------

TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:\\.|[^"\\\n])*") | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<num>\.?\d(?:[eEpP][+-]|[\w.])*) | (?P<ident>[A-Za-z_]\w*)
  | (?P<op>>>=|<<=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|.)
""", re.S | re.X)

class Tok:
    def __init__(self, kind, text, pos, line, col, spaced):
        self.kind, self.text, self.pos, self.line, self.col = kind, text, pos, line, col
        self.end = pos + len(text)
        self.spaced = spaced    # whitespace on both sides (a binary `*`, by this code's style)

def tokenize(text):
    """Tokens outside comments and preprocessor lines (kept: strings, for the string operator)."""
    # Preprocessor lines (with their continuations) blanked out, the offsets kept.
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.M)
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    toks, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m.lastgroup not in ("ws", "comment"):
            line = bisect.bisect_right(starts, pos)
            spaced = text[pos - 1:pos].isspace() and text[m.end():m.end() + 1].isspace()
            toks.append(Tok(m.lastgroup, m.group(), pos, line, pos - starts[line - 1] + 1, spaced))
        pos = m.end()
    return toks

# --- the mutation operators --------------------------------------------------

SWAP = {"rel": {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="},
        "arith": {"+": "-", "-": "+", "*": "/", "/": "*", "++": "--", "--": "++",
                  "+=": "-=", "-=": "+=", "*=": "/=", "/=": "*="},
        "logic": {"&&": "||", "||": "&&"}}
TYPES = set("""void char short int long float double signed unsigned _Bool const volatile
    static extern register struct union enum typedef inline auto""".split())
KEYWORDS = TYPES | set("return break continue goto case default if else while for do switch sizeof".split())
DECIMAL = re.compile(r"^(0|[1-9]\d*)([uUlL]*)$")

def is_decl(stmt):
    """Does the statement (its tokens) declare something, by its first tokens?"""
    a = stmt[0]
    if a.text in TYPES: return True
    if a.kind != "ident" or len(stmt) < 2: return False
    b = stmt[1]
    return b.kind == "ident" or (b.text == "*" and not b.spaced and len(stmt) > 2 and stmt[2].kind == "ident")

def statement_of(toks, i):
    """The tokens of the statement around toks[i] (between ; { } boundaries)."""
    lo = i
    while lo > 0 and toks[lo - 1].text not in ";{}": lo -= 1
    hi = i
    while hi < len(toks) - 1 and toks[hi].text not in ";{}": hi += 1
    return toks[lo:hi + 1]

def string_edit(tok):
    """One character of a string literal changed: the first letter or digit that is
    not part of an escape or a printf conversion (which would not compile)."""
    s, i = tok.text, 1
    while i < len(s) - 1:
        c = s[i]
        if c == "\\":
            m = re.match(r"\\(?:[0-7]{1,3}|x[0-9A-Fa-f]+|.)", s[i:])
            i += len(m.group())
        elif c == "%":
            m = re.match(r"%[-+ #0-9.*hlLqjzt]*.", s[i:])
            i += len(m.group())
        elif c.isalnum():
            return (tok.pos + i, tok.pos + i + 1, "Q" if c in "Xx" else "X")
        else:
            i += 1
    return (tok.pos + 1, tok.pos + 1, "X")          # none: one character added

def mutants_of(path, text):
    """All mutants of one file, in file order: (id, [edits]) with edits (start, end, new)."""
    toks, out = tokenize(text), []
    def add(tok, op, *edits):
        out.append(("%s:%d:%d:%s" % (path, tok.line, tok.col, op), list(edits)))
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        for op, table in SWAP.items():
            if t.kind == "op" and t.text in table:
                if t.text == "*" and not t.spaced:
                    continue                         # a pointer, not a product
                add(t, op, (t.pos, t.end, table[t.text]))
        m = DECIMAL.match(t.text) if t.kind == "num" else None
        if m and not (prev.text == "[" and nxt.text == "]" and is_decl(statement_of(toks, i))):
            n, suffix = int(m.group(1)), m.group(2)
            add(t, "const+", (t.pos, t.end, "%d%s" % (n + 1, suffix)))
            if n > 0:
                add(t, "const-", (t.pos, t.end, "%d%s" % (n - 1, suffix)))
        if t.text in ("if", "while") and nxt and nxt.text == "(":
            depth = 0
            for close in toks[i + 1:]:
                depth += {"(": 1, ")": -1}.get(close.text, 0)
                if depth == 0: break
            add(t, "negate", (nxt.end, nxt.end, "!("), (close.pos, close.pos, ")"))
        if t.kind == "str":
            add(t, "string", string_edit(t))
        if t.text == "return" and nxt:
            val = toks[i + 1:i + 3] if nxt.text == "-" else toks[i + 1:i + 2]
            after = toks[i + 1 + len(val)] if i + 1 + len(val) < len(toks) else None
            if after and after.text == ";" and val[-1].kind == "num" and DECIMAL.match(val[-1].text):
                new = "1" if len(val) == 1 and int(DECIMAL.match(val[-1].text).group(1)) == 0 else "0"
                add(t, "return", (val[0].pos, val[-1].end, new))
        # A whole simple expression statement on one line, replaced by `;`, or by
        # `{}` as the body of an if, else, for or while (`;` does not compile there:
        # -Wempty-body).
        first_on_line = prev is None or prev.line != t.line
        if first_on_line and prev and prev.text in (";", "{", "}", ")", "else") and t.text not in KEYWORDS:
            line = [u for u in toks[i:] if u.line == t.line]
            texts = [u.text for u in line]
            if (len(line) > 1 and texts[-1] == ";" and texts.count(";") == 1 and not {"{", "}"} & set(texts)
                    and texts.count("(") == texts.count(")") and not is_decl(line)
                    and (i + len(line) == len(toks) or toks[i + len(line)].line != t.line)):
                add(t, "stmt", (t.pos, line[-1].end, "{}" if prev.text in (")", "else") else ";"))
    # Identical results at one line (e.g. `return 0` -> 1 by two operators): keep the first.
    seen, unique = set(), []
    for mid, edits in out:
        key = apply(text, edits)
        if key not in seen:
            seen.add(key)
            unique.append((mid, edits))
    return unique

def apply(text, edits):
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text

def changed_lines(text, edits):
    """The original and mutated line(s) the edits touch, for the report."""
    a, b = text.split("\n"), apply(text, edits).split("\n")
    lo = text.count("\n", 0, min(e[0] for e in edits))
    hi = lo + text.count("\n", min(e[0] for e in edits), max(e[1] for e in edits))
    return " / ".join(x.strip() for x in a[lo:hi + 1]), " / ".join(x.strip() for x in b[lo:hi + 1])

# --- scratch trees, builds and test runs --------------------------------------

class Scratch:
    """A job's own copy of the tree: built once, then one file at a time mutated.
    The Bats helpers take TOP from the .bats file's directory, so the suites
    run from here test this copy's smtp-source and fakeserver."""
    def __init__(self, k):
        self.dir = os.path.join(OUT, "work", "job%d" % k)
        self.dirty = None
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "tmp"))
        for name in COPY:
            src, dst = os.path.join(TOP, name), os.path.join(self.dir, name)
            (shutil.copytree if os.path.isdir(src) else shutil.copy2)(src, dst)
        self.env = {k: v for k, v in os.environ.items() if k not in ("SRC", "FAKE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        self.env["TMPDIR"] = os.path.join(self.dir, "tmp")

    def put(self, path, text):
        """Restores the last mutated file, then writes `text` to `path` (both rebuilt by make)."""
        # The original as read at the start, not the tree's file now: the
        # tree may be edited while a run goes on.
        if self.dirty and self.dirty != path:
            with open(os.path.join(self.dir, self.dirty), "w") as f:
                f.write(ORIGINALS[self.dirty])
        with open(os.path.join(self.dir, path), "w") as f:
            f.write(text)
        self.dirty = path

    def build(self, targets):
        r = subprocess.run(["make", "-s"] + targets, cwd=self.dir, env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0

    def run(self, entry, limit):
        """Runs one test entry; 'pass', 'fail' or 'timeout'. Bats goes on after a
        failing test, so its output is watched and the run stopped at the first `not ok`."""
        if entry.startswith("test_"):
            cmd = ["build/" + entry]
        else:
            name, _, regex = entry.partition(":")
            cmd = ["bats", "--jobs", "1"] + (["-f", regex] if regex else []) + ["bats/" + name]
        with LOCK:
            if STOP: return "stopped"
            p = subprocess.Popen(cmd, cwd=self.dir, env=self.env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            RUNNING.add(p)
        try:
            return self.watch(p, limit)
        finally:
            with LOCK: RUNNING.discard(p)
            p.stdout.close()

    def watch(self, p, limit):
        deadline, buf, verdict = time.monotonic() + limit, b"", None
        with selectors.DefaultSelector() as sel:
            sel.register(p.stdout, selectors.EVENT_READ)
            while verdict is None:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    verdict = "timeout"
                    break
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                if re.search(rb"^not ok ", buf, re.M):
                    verdict = "fail"
        if verdict is None:
            return "pass" if p.wait() == 0 else "fail"
        # Stop the whole process group: SIGINT lets Bats run the teardowns
        # (stopping its servers); what is still there 10 s later is killed.
        stop_group(p, signal.SIGINT, 10)
        return verdict

# Each test run is a process group of its own (its servers included), so that
# it can be stopped whole; on SIGINT or SIGTERM every running one is stopped
# and the report written with the mutants not finished as not-run.
LOCK, RUNNING, STOP = threading.Lock(), set(), False

def interrupted(sig, frame):
    global STOP
    with LOCK:
        STOP = True
        for p in RUNNING:
            try: os.killpg(p.pid, signal.SIGINT)
            except ProcessLookupError: pass

def stop_group(p, sig, grace):
    try:
        os.killpg(p.pid, sig)
        p.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()

# --- the run -----------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    env = os.environ.get
    ap.add_argument("files", nargs="*", default=(env("MUTATE_FILES") or "").split())
    ap.add_argument("-j", "--jobs", type=int, default=int(env("MUTATE_JOBS") or 2))
    ap.add_argument("--budget", type=float, default=float(env("MUTATE_BUDGET") or 3600), help="seconds in all")
    ap.add_argument("--max", type=int, default=int(env("MUTATE_MAX") or 0), help="mutants per file (0: all)")
    ap.add_argument("--only", action="append", default=[], metavar="ID", help="only this mutant (repeatable)")
    ap.add_argument("--list", action="store_true", help="only list the mutants")
    ap.add_argument("--report", action="store_true",
                    help="only rewrite the report from results.tsv (after editing equivalent.txt)")
    args = ap.parse_args()
    start = time.monotonic()

    cover = {}
    for line in open(os.path.join(TOP, "tests/mutate/map.txt")):
        words = shlex.split(line, comments=True)
        if words: cover[words[0]] = words[1:]
    equivalent = {}
    for line in open(os.path.join(TOP, "tests/mutate/equivalent.txt")):
        if line.strip() and not line.startswith("#"):
            mid, _, why = line.strip().partition(" ")
            equivalent[mid] = why.strip()
    files = args.files or sorted({i.split(":")[0] for i in args.only}) or sorted(cover)
    for f in files:
        if f not in cover: sys.exit("mutate: %s has no line in tests/mutate/map.txt" % f)

    # The mutants, and a sample spread evenly over each file when --max is set.
    texts, todo, generated = ORIGINALS, [], {}
    for f in files:
        texts[f] = open(os.path.join(TOP, f)).read()
        ms = mutants_of(f, texts[f])
        generated[f] = len(ms)
        ids = {mid for mid, _ in ms}
        for mid in sorted(equivalent):
            if mid.startswith(f + ":") and mid not in ids:
                print("mutate: warning: %s in equivalent.txt is no mutant (line numbers moved?)" % mid)
        if args.only:
            ms = [m for m in ms if m[0] in args.only]
        elif args.max and len(ms) > args.max:
            ms = [ms[i * len(ms) // args.max] for i in range(args.max)]
        todo += [(f, mid, edits) for mid, edits in ms]
    # Taken in turns, file by file, so that a budget spent early leaves
    # every file with a sample of its own, not the last files with none.
    pos = {}
    for k, (f, _, _) in enumerate(todo):
        pos[k] = (sum(1 for g, _, _ in todo[:k] if g == f), files.index(f))
    todo = [todo[k] for k in sorted(range(len(todo)), key=lambda k: pos[k])]
    if args.list:
        for f, mid, edits in todo:
            print("%s\t%s\t%s" % ((mid,) + changed_lines(texts[f], edits)))
        return
    if args.report:
        rows = read_results(files, equivalent)
        return write_results(rows, sorted({r["file"] for r in rows}), generated, None)

    def targets(f):
        # What the Bats suites run (bats/helpers.bash: SRC, HOOKED, TLSSRC,
        # FAKE, REC), and the file's unit tests.
        units = ["build/" + t for t in cover[f] if t.startswith("test_")]
        return ["smtp-source", "build/hooks/smtp-source", "build/tls/smtp-source",
                "build/fakeserver", "build/recorder"] + units

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    print("mutate: %d mutants of %d files, %d jobs, budget %d s" % (len(todo), len(files), args.jobs, args.budget))
    scratches = [Scratch(k) for k in range(args.jobs)]
    free = list(scratches)
    def take():
        with LOCK: return free.pop()
    def give(s):
        with LOCK: free.append(s)
    with ThreadPoolExecutor(args.jobs) as pool:
        all_targets = sorted({t for f in files for t in targets(f)})
        if not all(pool.map(lambda s: s.build(all_targets), scratches)):
            sys.exit("mutate: the unmutated tree does not build")

        # Baseline: each entry timed once on the unmutated tree; it must pass.
        def baseline(entry):
            s = take()
            t0 = time.monotonic()
            verdict = s.run(entry, 900)
            give(s)
            return entry, verdict, time.monotonic() - t0
        base = {}
        for entry, verdict, secs in pool.map(baseline, sorted({e for f in files for e in cover[f]})):
            print("baseline %-45s %s %.1f s" % (entry, verdict, secs))
            base[entry] = secs if verdict == "pass" else None
        if STOP:
            sys.exit("mutate: interrupted")
        broken = [e for e, s in base.items() if s is None]
        if broken:
            sys.exit("mutate: these fail on the unmutated tree: %s" % " ".join(broken))

        done = [0]
        def one(job):
            f, mid, edits = job
            row = {"id": mid, "file": f, "op": mid.rsplit(":", 1)[1], "by": "", "secs": 0.0}
            row["orig"], row["mut"] = changed_lines(texts[f], edits)
            if mid in equivalent:
                row["status"], row["by"] = "equivalent", equivalent[mid]
            elif STOP or time.monotonic() - start > args.budget:
                row["status"] = "not-run"
            else:
                s, t0 = take(), time.monotonic()
                try:
                    s.put(f, apply(texts[f], edits))
                    if not s.build(targets(f)):
                        row["status"] = "stillborn"
                    else:
                        row["status"] = "survived"
                        for entry in sorted(cover[f], key=lambda e: base[e]):
                            verdict = s.run(entry, 3 * base[entry] + 10)
                            if verdict == "timeout":    # a busy machine, or a hang? once more, longer
                                verdict = s.run(entry, 6 * base[entry] + 30)
                            if verdict != "pass":
                                row["status"] = "killed" if verdict == "fail" else "timeout"
                                row["by"] = entry
                                break
                finally:
                    give(s)
                if STOP and row["status"] != "stillborn":
                    row["status"], row["by"] = "not-run", ""
                row["secs"] = time.monotonic() - t0
            with LOCK:
                done[0] += 1
                print("[%d/%d] %-9s %s %s" % (done[0], len(todo), row["status"], mid, row["by"]), flush=True)
            return row
        rows = list(pool.map(one, todo))
    write_results(rows, files, generated, time.monotonic() - start)

# --- the report ----------------------------------------------------------------

STATES = ["stillborn", "killed", "timeout", "survived", "equivalent", "not-run"]

def read_results(files, equivalent):
    """The rows of an earlier run, with equivalent.txt applied anew."""
    with open(os.path.join(OUT, "results.tsv")) as f:
        cols = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(cols, line.rstrip("\n").split("\t"))) for line in f]
    rows = [r for r in rows if r["file"] in files]
    for r in rows:
        r["secs"] = float(r["secs"])
        if r["id"] in equivalent:
            r["status"], r["by"] = "equivalent", equivalent[r["id"]]
    return rows

def write_results(rows, files, generated, secs):
    """results.tsv (unless only rewriting the report: secs None) and report.txt."""
    with open(os.path.join(OUT, "results.tsv") if secs is not None else os.devnull, "w") as f:
        cols = ["id", "file", "op", "status", "by", "secs", "orig", "mut"]
        f.write("\t".join(cols) + "\n")
        for r in rows:
            f.write("\t".join(("%.1f" % r[c]) if c == "secs" else str(r[c]).replace("\t", " ") for c in cols) + "\n")
    out = ["Mutation testing of the core (make mutate)%s." % (", %.0f s" % secs if secs is not None else ""),
           "score = (killed + timeout) / (killed + timeout + survived); stillborn (does not",
           "compile), equivalent (tests/mutate/equivalent.txt) and not-run (budget spent) are",
           "not counted.", "",
           "%-16s %9s %7s " % ("file", "generated", "sampled") + " ".join("%10s" % s for s in STATES) + "   score"]
    for f in files + ["total"]:
        mine = [r for r in rows if f in ("total", r["file"])]
        n = {s: sum(r["status"] == s for r in mine) for s in STATES}
        caught, counted = n["killed"] + n["timeout"], n["killed"] + n["timeout"] + n["survived"]
        gen = sum(generated[g] for g in files) if f == "total" else generated[f]
        out.append("%-16s %9d %7d " % (f, gen, len(mine)) + " ".join("%10d" % n[s] for s in STATES)
                   + ("   %5.1f%%" % (100.0 * caught / counted) if counted else "       -"))
    for title, state in (("Survivors", "survived"), ("Equivalent (not counted)", "equivalent")):
        out += ["", title + ":"]
        for r in rows:
            if r["status"] == state:
                out += ["  " + r["id"] + (("  -- " + r["by"]) if r["by"] else ""),
                        "      - " + r["orig"], "      + " + r["mut"]]
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))
    print("\nmutate: build/mutate/report.txt, build/mutate/results.tsv")

if __name__ == "__main__":
    main()
