"""What a phrase pattern needs: the literal text every match holds, and how far into a match.

Used by ``monitor.facts_match`` to run a pattern only on texts holding one of its literals
(and one of a second required set, when it has one), from a little before the first one, and by ``monitor.phrases`` to check patterns at load time
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


def literal_terms(pattern: str) -> Terms | None:
    """What else every match of ``pattern`` holds besides one of its ``required_literals``.

    Each term is a pair of literal sets; a match holds a literal of both sets of at least one
    term. A pattern that is one required sequence has one term: its required literals and a
    second required part ("customi" in "customi[sz]e (?:the|your) (?:content|service)"), the
    most selective one those literals do not imply. An alternation has a term per alternative.
    None: no second part is known.
    """
    try:
        return _analysis(pattern)[2]
    except re.error:
        return None


def pattern_literals(pattern: str) -> tuple[str, ...] | None:
    """``required_literals``, raising ``re.error`` for a pattern that does not parse.

    Parsing is the cheap half of compiling: it checks a pattern at load time, once.
    """
    return _analysis(pattern)[0]


# Pairs of literal sets (see ``literal_terms``).
Terms = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
# A pattern's required literals, how far into a match (at most) they start, and its terms.
Analysis = tuple[tuple[str, ...] | None, int | None, Terms | None]


def _analysis(pattern: str) -> Analysis:
    if pattern in _LITERALS:
        return _LITERALS[pattern]
    parsed = _parser.parse(pattern, re.IGNORECASE)
    found, reach = _required(list(parsed), parsed.state)
    literals = None if not found or min(len(literal) for literal in found) < 2 else tuple(sorted(found))
    analysis = (literals, reach if literals else None, _terms(list(parsed), parsed.state) if literals else None)
    _LITERALS[pattern] = analysis
    return analysis


def known_literals(patterns: Iterable[str]) -> dict[str, Analysis]:
    """The literals of patterns already parsed, to be handed to ``remember_literals`` later."""
    return {pattern: _LITERALS[pattern] for pattern in patterns if pattern in _LITERALS}


def remember_literals(literals: dict[str, Analysis]) -> None:
    """Take the literals of patterns parsed by an earlier process (see ``knowledge_cache``)."""
    _LITERALS.update(literals)


_LITERALS: dict[str, Analysis] = {}
# The shortest second part (see ``literal_terms``) worth looking for.
_SELECTIVE = 4
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


def _terms(items: list[tuple[object, object]], state: object) -> Terms | None:
    if len(items) == 1 and items[0][0] is _constants.BRANCH:
        alternatives = [list(branch) for branch in items[0][1][1]]  # type: ignore[index]
    else:
        alternatives = [items]
    terms = []
    for alternative in alternatives:
        ranked = _ranked(_conjuncts(alternative, state))
        if not ranked:
            return None  # an alternative without literals: anything may match
        # A second part of a few letters ("an", "the ") is in most texts: not worth looking for.
        second = ranked[1] if len(ranked) > 1 and min(map(len, ranked[1])) >= _SELECTIVE else set()
        terms.append((tuple(sorted(ranked[0])), tuple(sorted(second))))
    return tuple(terms) if any(second for _, second in terms) else None


def _usable(group: set[str] | None) -> bool:
    return bool(group) and min(map(len, group)) >= 2  # type: ignore[arg-type]


def _second(groups: list[set[str]], first: set[str]) -> set[str] | None:
    """The most selective of ``groups`` (longest shortest literal, the earliest of equals)
    that ``first`` does not imply: a text holding one of ``first`` need not hold one of it."""
    best: set[str] | None = None
    for group in groups:
        # Every literal of ``first`` containing one of the group's: the group tells nothing.
        implied = bool(first) and all(any(literal in known for literal in group) for known in first)
        if _usable(group) and not implied and (best is None or min(map(len, group)) > min(map(len, best))):
            best = group
    return best


def _conjuncts(items: list[tuple[object, object]], state: object) -> list[set[str]]:
    """Literal sets of a sequence every match of it holds one literal of, each of them: the
    parts the sequence must go through (runs of literals, groups, alternatives, repeats
    taken at least once). Optional parts and lookarounds are not required, so not here."""
    groups: list[set[str]] = []
    run: list[str] = []
    for op, value in items:
        if op is _constants.LITERAL:
            run.append(chr(value).lower())  # type: ignore[arg-type]
            continue
        prefix = "".join(run)
        if run:
            groups.append({prefix})
        run = []
        if op is _constants.SUBPATTERN:
            groups += _conjuncts(list(value[-1]), state)  # type: ignore[index]
        elif op is _constants.BRANCH:
            words = [_plain(list(branch)) for branch in value[1]]  # type: ignore[index]
            if len(prefix) == 1 and all(words):
                groups.append({prefix + word for word in words})  # type: ignore[operator]
            # A match goes through one alternative: a set that each alternative requires, or
            # the union of one such set per alternative, is required. Each alternative gives
            # its best and its second best, so that the union of seconds may be a second part.
            ranked = [_ranked(_conjuncts(list(branch), state)) for branch in value[1]]  # type: ignore[index]
            for place in (0, 1):
                if all(len(sets) > place for sets in ranked):
                    groups.append(set().union(*(sets[place] for sets in ranked)))
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and value[0] >= 1:  # type: ignore[index]
            groups += _conjuncts(list(value[2]), state)  # type: ignore[index]
    if run:
        groups.append({"".join(run)})
    return groups


def _ranked(groups: list[set[str]]) -> list[set[str]]:
    """An alternative's best usable set and, if there is one it does not imply, its next."""
    best = _second(groups, set())
    if best is None:
        return []
    second = _second([group for group in groups if group is not best], best)
    return [best] if second is None else [best, second]
