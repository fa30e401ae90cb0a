#!/usr/bin/env python3
"""Turns the statements one request made the server send into a pgbench script (used by scripts/bench).

    capture.py LOG START END NAME OUTDIR [--unique UUID ...] [--note TEXT]

LOG is the PostgreSQL server log (stderr format, log_line_prefix '%m [%p] %a: ', log_statement = all); START and END
are byte offsets around one request. Keeps the records of application_name "hotline" (the server's pool) in that
slice, i.e. every statement the request caused, in order, across the pool's connections (the authentication lookup,
the identity-scoped transaction, the unit-name lookup after it), and drops the pool's keep-alive `SELECT 1;`.

Writes:
  OUTDIR/NAME.sql   the pgbench script: the statements verbatim, each bound parameter replaced by a pgbench
                    variable (:v1, :v2 … one per distinct value, in order of first use), NULL parameters by NULL, and
                    each UUID given with --unique by a random one per transaction (two \\set random 64-bit halves).
                    Deterministic: the same server code gives the same file, so it can be diffed against the
                    committed copy.
  OUTDIR/NAME.vars  the values of :v1 … from this capture, NUL-separated `name=value` (pgbench -D arguments).
"""
import re
import sys

PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (.*?): (LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT|WARNING|NOTICE):  (.*)$")
EXECUTE = re.compile(r"^(?:execute [^:]*|statement): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')", re.S)
PLACEHOLDER = re.compile(r"\$(\d+)")


def records(text):
    """(pid, app, level, message) for each log record; continuation lines start with a tab."""
    current = None
    for line in text.split("\n"):
        m = PREFIX.match(line)
        if m:
            if current:
                yield current
            current = [m.group(1), m.group(2), m.group(3), m.group(4)]
        elif current is not None and line.startswith("\t"):
            current[3] += "\n" + line[1:]
        elif current is not None and line:
            current[3] += "\n" + line
    if current:
        yield current


def statements(text):
    """[(sql, {n: value-or-None})] of the server's pool, in log order."""
    out = []
    pending = {}  # pid -> index in out of its last statement (its DETAIL follows it)
    for pid, app, level, message in records(text):
        if app != "hotline":
            continue
        if level == "LOG":
            m = EXECUTE.match(message)
            if not m:
                continue
            sql = m.group(1).strip()
            if sql.rstrip(";").strip().upper() == "SELECT 1":
                pending.pop(pid, None)
                continue
            out.append([sql, {}])
            pending[pid] = len(out) - 1
        elif level == "DETAIL" and message.startswith("parameters: ") and pid in pending:
            params = {}
            for pm in PARAM.finditer(message[len("parameters: "):]):
                raw = pm.group(2)
                params[int(pm.group(1))] = None if raw == "NULL" else raw[1:-1].replace("''", "'")
            out[pending.pop(pid)][1] = params
        elif level == "ERROR":
            sys.exit(f"capture: the server's statement failed during capture: {message}")
    return out


def uuid_expr(i):
    return (f"(lpad(to_hex(:u{i}_hi::bigint), 16, '0') || lpad(to_hex(:u{i}_lo::bigint), 16, '0'))::uuid")


def main():
    args = sys.argv[1:]
    if len(args) < 5:
        sys.exit(__doc__)
    log, start, end, name, outdir = args[:5]
    rest = args[5:]
    unique, note = [], []
    while rest:
        flag = rest.pop(0)
        if flag == "--unique":
            unique.append(rest.pop(0).lower())
        elif flag == "--note":
            note.append(rest.pop(0))
        else:
            sys.exit(f"capture: unknown argument {flag}")
    with open(log, "rb") as f:
        f.seek(int(start))
        text = f.read(int(end) - int(start)).decode("utf-8", "replace")
    stmts = statements(text)
    if not stmts:
        sys.exit(f"capture: no statements of application 'hotline' in {log} [{start}, {end})")

    names = {}  # value -> variable name
    values = []
    body = []
    for sql, params in stmts:
        def sub(m):
            n = int(m.group(1))
            if n not in params:
                sys.exit(f"capture: no value logged for ${n} of: {sql}")
            v = params[n]
            if v is None:
                return "NULL"
            if v.lower() in unique:
                return uuid_expr(unique.index(v.lower()) + 1)
            if v not in names:
                names[v] = f"v{len(names) + 1}"
                values.append((names[v], v))
            return ":" + names[v]
        text_sql = PLACEHOLDER.sub(sub, sql).rstrip().rstrip(";").rstrip()
        body.append(text_sql + ";")

    head = [
        f"-- scripts/bench.d/{name}.sql: what the server sends PostgreSQL for one request ({name}), for pgbench.",
        "-- GENERATED by scripts/bench (scripts/bench.d/capture.py) from the bench cluster's log with",
        "-- log_statement = all: every statement of application \"hotline\" during that one request, in order.",
        "-- Bound parameters became pgbench variables (:v1 …), set from the same capture with -D at run time;",
        "-- NULL parameters are NULL.",
    ]
    if unique:
        head.append("-- The ids the server generates (ticket, dispatch) are random per transaction (:uN_hi, :uN_lo).")
    head += [f"-- {n}" for n in note]
    head += [
        "-- Re-captured on every run of scripts/bench, which warns when the capture differs from this committed copy",
        "-- (the request's SQL changed): then look at the diff and commit the new copy (BENCH_UPDATE_SCRIPTS=1).",
    ]
    script = head[:]
    for i in range(1, len(unique) + 1):
        script.append(f"\\set u{i}_hi random(0, 9223372036854775806)")
        script.append(f"\\set u{i}_lo random(0, 9223372036854775806)")
    script += body
    with open(f"{outdir}/{name}.sql", "w") as f:
        f.write("\n".join(script) + "\n")
    with open(f"{outdir}/{name}.vars", "wb") as f:
        for var, v in values:
            f.write(f"{var}={v}".encode() + b"\0")
    print(f"capture: {name}: {len(stmts)} statements, {len(values)} values", file=sys.stderr)


if __name__ == "__main__":
    main()
