"""What a phrase pattern needs: the literal text every match holds, and how far into a match.

Used by ``monitor.facts_match`` to run a pattern only on texts holding one of its literals,
from a little before the first one, and by ``monitor.phrases`` to check patterns at load time
and keep what parsing found (see ``knowledge_cache``). Also builds one trie-shaped regular
expression for many plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The standard library's own regular-expression parser tells which literals a pattern needs.
from re import _constants, _parser  # type: ignore[attr-defined]


def trie_pattern(words: Iterable[str]) -> str:
    """One regular expression for many plain words, shaped as a trie: at each place the
    engine follows one branch per character instead of trying every word, longest first."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_branch(root)


def _trie_branch(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    branches = [re.escape(char) + _trie_branch(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # A word ending here is tried after the longer ones through it (greedy ``?``).
    return f"(?:{body})?" if "" in node else body


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` contains, if it can tell."""
    try:
        return pattern_literals(pattern)
    except re.error:
        return None


def literal_reach(pattern: str) -> int | None:
    """How many characters a match of ``pattern`` may have before the required literal it
    holds; None when unbounded or when the pattern has no literals."""
    try:
        return _analysis(pattern)[1]
    except re.error:
        return None


def pattern_literals(pattern: str) -> tuple[str, ...] | None:
    """``required_literals``, raising ``re.error`` for a pattern that does not parse.

    Parsing is the cheap half of compiling: it checks a pattern at load time, once.
    """
    return _analysis(pattern)[0]


# A pattern's required literals and how far into a match (at most) they start.
Analysis = tuple[tuple[str, ...] | None, int | None]


def _analysis(pattern: str) -> Analysis:
    if pattern in _LITERALS:
        return _LITERALS[pattern]
    parsed = _parser.parse(pattern, re.IGNORECASE)
    found, reach = _required(list(parsed), parsed.state)
    literals = None if not found or min(len(literal) for literal in found) < 2 else tuple(sorted(found))
    analysis = (literals, reach if literals else None)
    _LITERALS[pattern] = analysis
    return analysis


def known_literals(patterns: Iterable[str]) -> dict[str, Analysis]:
    """The literals of patterns already parsed, to be handed to ``remember_literals`` later."""
    return {pattern: _LITERALS[pattern] for pattern in patterns if pattern in _LITERALS}


def remember_literals(literals: dict[str, Analysis]) -> None:
    """Take the literals of patterns parsed by an earlier process (see ``knowledge_cache``)."""
    _LITERALS.update(literals)


_LITERALS: dict[str, Analysis] = {}
# A width the parser reports for a repeat without an upper bound, or beyond any phrase.
_UNBOUNDED = 10_000


def _plus(offset: int | None, more: int | None) -> int | None:
    return None if offset is None or more is None else offset + more


def _width(state: object, item: tuple[object, object]) -> int | None:
    widest = _parser.SubPattern(state, [item]).getwidth()[1]
    return widest if widest < _UNBOUNDED else None


def _required(items: list[tuple[object, object]], state: object) -> tuple[set[str] | None, int | None]:
    """The best literal set of a sequence, with how far into it (at most) that literal starts."""
    best: set[str] | None = None
    best_reach: int | None = None
    run: list[str] = []
    offset: int | None = 0  # where (at most) the current item starts
    run_at: int | None = 0

    def consider(candidate: set[str] | None, reach: int | None) -> None:
        nonlocal best, best_reach
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best, best_reach = candidate, reach

    for op, value in items:
        if op is _constants.LITERAL:
            if not run:
                run_at = offset
            run.append(chr(value).lower())  # type: ignore[arg-type]
            offset = _plus(offset, 1)
            continue
        prefix = "".join(run)
        consider({prefix} if run else None, run_at)
        run = []
        if op is _constants.SUBPATTERN:
            found, reach = _required(list(value[-1]), state)  # type: ignore[index]
            consider(found, _plus(offset, reach))
        elif op is _constants.BRANCH:
            # The parser turns "UK|U\.K\." into "U(?:K|\.K\.)": a prefix too short to look
            # for, before plain words.
            words = [_plain(list(branch)) for branch in value[1]]  # type: ignore[index]
            if len(prefix) == 1 and all(words):
                consider({prefix + word for word in words}, run_at)  # type: ignore[operator]
            branches = [_required(list(branch), state) for branch in value[1]]  # type: ignore[index]
            if all(found for found, _ in branches):
                reaches = [reach for _, reach in branches]
                widest = None if None in reaches else max(reaches)  # type: ignore[type-var]
                consider(set().union(*(found for found, _ in branches)), _plus(offset, widest))  # type: ignore[arg-type]
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and value[0] >= 1:  # type: ignore[index]
            found, reach = _required(list(value[2]), state)  # type: ignore[index]
            consider(found, _plus(offset, reach))
        offset = _plus(offset, _width(state, (op, value)))
    consider({"".join(run)} if run else None, run_at)
    return best, best_reach


def _plain(items: list[tuple[object, object]]) -> str | None:
    """The text of a branch made of literal characters only (lower case), else None."""
    if not all(op is _constants.LITERAL for op, _ in items):
        return None
    return "".join(chr(value).lower() for _, value in items)  # type: ignore[arg-type]
