"""A reader for the small YAML subset of scenarios/reproduce/published_training_energy.yaml:
block mappings by indentation, plain or quoted scalars, `#` comments, folded/literal block
scalars (`>` and `|`). Flow collections (`[...]`, `{...}`) are kept as their text. This keeps
the analysis package on Debian's h5py/numpy/matplotlib alone (no PyYAML)."""

import re

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class YamlSubsetError(ValueError):
    pass


def _strip_comment(text):
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def scalar(text):
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    if _NUMBER.match(t):
        return int(t) if re.match(r"^[-+]?\d+$", t) else float(t)
    if t in ("true", "false"):
        return t == "true"
    if t in ("null", "~", ""):
        return None
    return t


def parse(text, name="<yaml>"):
    lines = text.splitlines()
    root = {}
    stack = [(-1, root)]  # (indent, mapping)
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        body = _strip_comment(raw)
        if not body.strip():
            continue
        indent = len(body) - len(body.lstrip(" "))
        key, sep, rest = body.strip().partition(":")
        if not sep or (rest and not rest.startswith(" ")):
            raise YamlSubsetError(f"{name}:{i}: expected 'key: value', got {raw.strip()!r}")
        while indent <= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1]
        rest = rest.strip()
        if rest in (">", "|", ">-", "|-"):
            block = []
            while i < len(lines) and (not lines[i].strip() or
                                      len(lines[i]) - len(lines[i].lstrip(" ")) > indent):
                block.append(lines[i].strip())
                i += 1
            joiner = " " if rest.startswith(">") else "\n"
            parent[key.strip()] = joiner.join(b for b in block if b)
        elif rest == "":
            child = {}
            parent[key.strip()] = child
            stack.append((indent, child))
        else:
            parent[key.strip()] = scalar(rest)
    return root


def load(path):
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), path)
