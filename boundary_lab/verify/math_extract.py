r"""Final-answer extraction and string normalisation for math completions.

``extract_answer`` finds the final answer the way models and datasets write it,
most explicit first:

1. ``\boxed{...}`` / ``\fbox{...}`` (nested braces allowed; the last box wins,
   and a run of adjacent boxes is merged into one list when the gold answer has
   several parts: ``\boxed{2}, \boxed{4}`` against ``\{2,4\}``);
2. explicit end markers, the last one written: Minerva's "Final Answer: The
   final answer is $42$. I hope it is correct.", GSM8K's ``#### N`` and
   ``A: N`` lines, the ``<answer>`` tag;
3. the last display or inline math (``$$..$$``, ``\[..\]``, ``$..$``,
   ``\(..\)``), or "the answer is ..." when that sentence comes after it;
4. the last markdown bold ``**...**`` that holds a number;
5. the last number, only when nothing above is there.

A structured answer (fraction, interval, matrix, set, equation, tuple) is
always taken whole, never as one of its numbers. Prose after a marker is read
down to its value ("The area is 36." gives ``36``; "The largest $n$ is 34." gives
``34``: a plain number after a verb, at the end of the sentence, wins over the
math that only names what it measures). A "Final Answer" written after the last
box wins over the box. With no box and no marker, a concluding sentence after
the last math ("Therefore, there are 12 ways.") with one number gives that
number; a completion that is one bare formula (``\frac{10}{9}``) is read whole;
the last-number fallback reads ``2/3`` whole. Boxes joined by ``\quad
\text{and} \quad``, "and", commas or closing and reopening math are one run. ``extract_gold`` applies
the same reading to reference answers written in ``$...$`` or ``$$...$$``.

``normalize_answer`` rewrites an answer into a canonical string (dollar signs,
``\text{}``, units, ``^\circ``, ``\%``, ``\dfrac``, thousands separators,
labels such as ``x =`` or ``\frac{AB}{CD} =``, number words, relations such as
``-5 < a < 12`` as intervals), so that most equal answers are equal as strings.

>>> extract_answer(r"so $x = \boxed{\frac{1}{2}}$. Final: \boxed{\dfrac{3}{4}}")
'\\dfrac{3}{4}'
>>> extract_answer("She pays 3 * 6 = 18 dollars.\n#### 18")
'18'
>>> extract_answer(r"So the answer lies in $[2,5)$.")
'[2,5)'
>>> normalize_answer(r"\$1,000.50")
'1000.50'
>>> normalize_answer(r"-5 < a \le 12")
'(-5,12]'
"""
from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Extraction", "extract_answer", "extract_boxed", "extract_candidates", "extract_gold",
           "gold_parts", "normalize_answer", "write_out_boxes"]

_BOX_COMMANDS = ("\\boxed", "\\fbox")
_BRACE = re.compile(r"[{}]")


def _brace_matches(text: str) -> dict[int, int]:
    """Index of each '{' -> index of its matching '}' (unclosed ones absent). One linear pass."""
    matches, stack = {}, []
    for m in _BRACE.finditer(text):
        i = m.start()
        if text[i] == "{":
            stack.append(i)
        elif stack:
            matches[stack.pop()] = i
    return matches


def _close_brace(text: str, open_at: int, limit: int) -> int | None:
    """Index of the '}' matching the '{' at ``open_at``, searching no further than ``limit``."""
    depth = 0
    for m in _BRACE.finditer(text, open_at, limit):
        depth += 1 if text[m.start()] == "{" else -1
        if depth == 0:
            return m.start()
    return None


_BOX_START = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])\s*")
_BOX_TOKEN = re.compile(r"[^\s$.,]+")
# What may stand between two boxes of one answer: "\boxed{2}, \boxed{4} and \boxed{6}", "$\boxed{1}$ or $\boxed{2}$".
# Several joiners may follow each other ("\boxed{(2,2)} \quad \text{and} \quad \boxed{(6,2)}"), math delimiters
# may close and reopen between boxes ("\boxed{a} \) and \( y_2 = \boxed{b}"), and a \text{} between boxes
# may only end in "and"/"or" ("\boxed{(3,3)} \text{ for part (a) and } \boxed{(1,1)}").
_BOX_JOINER = re.compile(r"[\s,;$.]*(?:(?:and|or|\\text\{[^{}$]{0,40}?\b(?:and|or)\s*\}|\\quad|\\qquad|\\,|&|\\\\"
                         r"|\\[()\[\]])[\s,;$.]*)*"
                         r"(?:[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*)?")


def _box_commands_backwards(text: str):
    """Starts of ``\\boxed`` and ``\\fbox`` commands, last first (each part of the text searched once)."""
    last = {cmd: text.rfind(cmd) for cmd in _BOX_COMMANDS}
    while True:
        cmd = max(last, key=last.get)
        pos = last[cmd]
        if pos < 0:
            return
        yield pos
        last[cmd] = text.rfind(cmd, 0, pos)


def _boxes(text: str) -> list[tuple[int, int, str]]:
    """The final run of complete boxes as (start, end, content), in text order; [] when none.

    Linear time even on hostile text (thousands of unclosed or nested boxes).
    """
    matches = None
    group: list[tuple[int, int, str]] = []
    # Walk back from the last box. Unclosed boxes at the end (a truncated completion) are skipped.
    for pos in _box_commands_backwards(text):
        m = _BOX_START.match(text, pos)
        box = None
        if m is not None:
            j = m.end()
            limit = len(text) if not group else group[0][0]
            if j < len(text) and text[j] == "{":
                if matches is not None:
                    close = matches.get(j)
                else:
                    close = text.find("}", j + 1, limit)
                    if close >= 0 and text.find("{", j + 1, close) >= 0:  # nested braces: count them
                        close = _close_brace(text, j, limit)
                if (close is None or close < 0) and matches is None and not group:
                    matches = _brace_matches(text)  # a nested or unclosed box: one linear pass decides
                    close = matches.get(j)
                if close is not None and close >= 0 and close < limit:
                    box = (pos, close + 1, text[j + 1:close].strip())
            elif j > pos + len(m.group(0).rstrip()) and j < len(text):  # "\\boxed 5": one token
                token = _BOX_TOKEN.match(text, j)
                if token and token.end() <= limit:
                    box = (pos, token.end(), token.group(0))
        if box is None:
            if group:
                break
        else:
            if group and not _BOX_JOINER.fullmatch(text, box[1], group[0][0]):
                break
            group.insert(0, box)
            if len(group) >= 64:
                break
    return group


def write_out_boxes(text: str) -> str:
    r"""The text with every complete box replaced by its content: a completion as if written without boxes.

    >>> write_out_boxes(r"so $x = \boxed{\frac{1}{2}}$, and \boxed{3} is checked")
    'so $x = \\frac{1}{2}$, and 3 is checked'
    """
    matches = None
    out, i = [], 0
    for m in _BOX_START.finditer(text):
        j = m.end()
        if m.start() < i or j >= len(text) or text[j] != "{":
            continue
        if matches is None:
            matches = _brace_matches(text)
        close = matches.get(j)
        if close is not None:
            out.append(text[i:m.start()] + text[j + 1:close])
            i = close + 1
    return "".join(out) + text[i:]


def extract_boxed(text: str) -> str | None:
    r"""Content of the last complete ``\boxed{}`` or ``\fbox{}`` (``\boxed 5`` too).

    >>> extract_boxed(r"\boxed{1} then \boxed{\frac{a}{b^{2}}}")
    '\\frac{a}{b^{2}}'
    >>> extract_boxed("no box") is None
    True
    """
    group = _boxes(text)
    return group[-1][2] if group else None


# ---------------------------------------------------------------- math spans

# Delimiters of inline and display math; "\$" is an escaped dollar, not a delimiter.
_DELIM = re.compile(r"\\\$|\$\$|\$|\\\(|\\\)|\\\[|\\\]|\\(?:begin|end)\{(?:align|equation|eqnarray|gather)\*?\}")
_CLOSER = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
_TRAILING_PUNCT = re.compile(r"(?:[\s.,;]|\\[,;:!]|\\quad|\\qquad)+$")


def _closer(opener: str) -> str | None:
    if opener.startswith("\\begin{"):
        return "\\end{" + opener[len("\\begin{"):]
    return _CLOSER.get(opener)
_PROSE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}")
_BARE_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}")
_TEXT_CMD_SPAN = re.compile(r"\\(?:text|mbox|mathrm|textbf|operatorname)\{[^{}]*\}")


def _math_spans(text: str) -> list[tuple[int, int, str]]:
    """Complete math spans as (start, end, content), in text order.

    A ``$...$`` pair that reads as prose or currency ("$18 and $5", "$5 + $6") is not math.
    """
    spans = []
    opener = None  # (delimiter, start, end)
    for m in _DELIM.finditer(text):
        tok, start, end = m.group(0), m.start(), m.end()
        if tok == "\\$":
            continue
        if opener is not None and opener[0] == "$" and tok == "$$":
            # "$x,$$y,$": an inline span closes and the next one opens at once
            tok, start, end = "$", start, start + 1
            opener = _close_inline(text, opener, start, end, spans)
            tok, start, end = "$", end, end + 1
        if opener is None:
            if _closer(tok) and not (tok == "$" and start and text[start - 1].isdigit()):
                opener = (tok, start, end)  # (a '$' right after a digit is a price: "15$ * 3")
            continue
        if tok == _closer(opener[0]):
            if tok == "$":
                opener = _close_inline(text, opener, start, end, spans)
            else:
                content = text[opener[2]:start]
                if opener[0].startswith("\\begin"):  # an aligned derivation: its last line
                    content = _last_line(content)
                spans.append((opener[1], end, _TRAILING_PUNCT.sub("", content.strip())))
                opener = None
        elif opener[0] == "$" and (tok in ("$$", "\\[", "\\(") or tok.startswith("\\begin")):
            opener = (tok, start, end)  # an unclosed '$' (a price) before a display: drop it
    return [s for s in spans if s[2]]


def _close_inline(text: str, opener: tuple[str, int, int], start: int, end: int, spans: list):
    """Close an inline '$' span at ``start``; return the next opener (None, or this '$' when it was a price)."""
    content = text[opener[2]:start]
    if _inline_is_math(content):
        spans.append((opener[1], end, _TRAILING_PUNCT.sub("", content.strip())))
        return None
    # Currency: this '$' may open the next real span.
    return ("$", start, end) if not text[start - 1].isdigit() else None


def _inline_is_math(content: str) -> bool:
    stripped = content.strip()
    if not stripped or stripped[-1] in "+-*/=(":
        return False  # "$5+$6": prices, not math
    if "\n" in content or content[-1].isspace() and not content[0].isspace() or "<<" in content:
        return False  # "$18 and $5", "$3.00.\nIn total, she received $", GSM8K's "$<<6*20=120>>120 in $"
    content = _TEXT_CMD_SPAN.sub("", content)
    if content[:1].isdigit() and _BARE_WORD.search(content):
        return False  # "$5/day - $", "$<<6/2=3>>3 per tooth$"
    return not _PROSE.search(content)




_ALIGN_MARK = re.compile(r"^\s*&|(?<!\\)&(?=\s*(?:=|<|>|\\le|\\ge|\\approx|\\equiv))")
_MOD = re.compile(r"\s*(?:\\pmod\s*\{[^{}]*\}|\\pmod\s*\d+|\\mod\s*\d+|\(\s*\\mod\s*\d+\s*\))\s*$")


_LIST_MARK = re.compile(r";|\bor\b|\band\b|\\quad|\\text\{")
_THOUSANDS_COMMA = re.compile(r",(?:\\!)?\s?(?=\d{3}(?:\D|$))|\{,\}")


_ENV_OR_BREAK = re.compile(r"\\begin\{|\\end\{|\\\\(?:\[[^\]]*\])?")


def _last_line(content: str) -> str:
    """The last non-empty line of an align/equation body (line breaks inside a matrix do not count)."""
    depth, cuts = 0, [(0, 0)]
    for m in _ENV_OR_BREAK.finditer(content):
        tok = m.group(0)
        if tok == "\\begin{":
            depth += 1
        elif tok == "\\end{":
            depth = max(0, depth - 1)
        elif depth == 0:
            cuts.append((m.start(), m.end()))
    cuts.append((len(content), len(content)))
    lines = [content[a[1]:b[0]] for a, b in zip(cuts, cuts[1:])]
    lines = [line for line in lines if line.strip()]
    return _ALIGN_MARK.sub(" ", lines[-1]).strip() if lines else ""


def _final_side(math: str) -> str:
    r"""A derivation's result: '2+3 = 5' -> '5', 'a = b = 1+274i' -> '1+274i', '24 \equiv 3 \pmod{7}' -> '3'.

    A single equation with letters on its left ('y = 2x + 3', 'x + 2y = 3') stays whole.
    """
    if "\\equiv" in math:
        last = _MOD.sub("", math.rsplit("\\equiv", 1)[1]).strip()
        return last or math
    if "\\approx" in math and not _has_variables(math.split("\\approx", 1)[0]):
        math = math.rsplit("\\approx", 1)[1].strip()  # '\$24,000 \cdot 1.01^{30} \approx \$32,348'
    if "=" not in math or "\\begin" in math and "\\end" not in math.rsplit("=", 1)[1]:
        return math
    if _LIST_MARK.search(math) or _top_level_commas(_THOUSANDS_COMMA.sub("", math)):
        return math  # 'x = 2, y = 3', 'x = 1 or x = 2': a list of assignments stays whole
    sides = math.split("=")
    last = sides[-1].strip()
    if not last:
        return math
    if len(sides) > 2 and sides[0].strip():  # a chain a = b = c: its end
        return last
    if not sides[0].strip():  # '&= p - q', the continuation line of a derivation
        return last
    if not _has_variables(sides[0]):  # '7! \times 2! = 10080', 'i(7+2i) = -2+7i': a computed value
        return last
    return math


_COMMAND = re.compile(r"\\[a-zA-Z]+")


def _has_variables(s: str) -> bool:
    """Letters outside LaTeX commands, other than the imaginary unit i."""
    return bool(re.search(r"[a-hj-zA-Z]", _COMMAND.sub("", s)))


# ---------------------------------------------------------------- markers

_ANSWER_TAG = re.compile(r"<answer>((?:(?!<answer>)[^<]|<(?!/?answer>))*)</answer>")  # the VeRL template
_HASHES = re.compile(r"####[ \t]*([^\n]*)")
_FINAL = re.compile(r"final\s+answer(?:\s*(?:is|:|=)\s*(?:that\s+)?)?\s*[:：]?", re.IGNORECASE)
_ANSWER_IS = re.compile(r"\banswer(?:\s+is|\s*[:：=])\s*[:：]?", re.IGNORECASE)
_A_LINE = re.compile(r"(?m)^A:[ \t]*(\S[^\n]*?)[ \t]*$")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_NUMBER = r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+"
# "The largest $n$ is 34.", "the volume of $ABCDEFGH$ is 120": after the last math of a sentence, a verb and a
# plain number that ends the sentence. The number is the value, the math only named what it measures.
_VERB_NUMBER = re.compile(r"\s(?:is|are|was|were|equals|becomes|be|gives|by)\s+"
                          r"(?:therefore\s+|thus\s+|then\s+)?(?:\\?\$)?(" + _NUMBER + r")\s*(?:\\?%|percent)?[\s.!]*$",
                          re.IGNORECASE)
# A marker's value in words with one number in it: "Jane started growing Sphere 3 hours ago."
_ONE_NUMBER_PROSE = re.compile(r"[A-Za-z][A-Za-z' ]*?\s(" + _NUMBER + r")(?:\s+[A-Za-z][A-Za-z' ]*)?")
# A concluding sentence after the last math, with one number and no math: "Therefore, there are 12 distinct
# sequences that meet the three given conditions.", "Therefore, the error increases by 100%."
_CONCLUSION = re.compile(r"(?:^\s*|[.!\n]\s*)(?:therefore|thus|hence|so|finally),?\s+([^$\\.\n]*?)\.?\s*$",
                         re.IGNORECASE)
_CHAT_END = re.compile(r"\s*<\|[a-z_]+\|>\s*(?:user|assistant)?\s*$")
# The last-number fallback reads "a/b" whole ("the probability is 2/3." is 2/3, not 3).
_LAST_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+(?![\d.,]\d))?|-?\.\d+")
_HOPE = re.compile(r"\s*I hope it is correct.*$", re.IGNORECASE | re.DOTALL)
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n")
_LEAD_WORDS = re.compile(r"^(?:(?:the|our|my)\s+)?(?:final\s+)?answer\s*(?:is|:)\s*", re.IGNORECASE)
# "The area is 36", "the total number of apples is therefore 12", "x equals 7"
_PROSE_VALUE = re.compile(r"^[A-Za-z][A-Za-z'(),\s]*?\s(?:is|are|was|were|equals|becomes|gives)\s+"
                          r"(?:therefore\s+|thus\s+|then\s+)?(.+)$",
                          re.IGNORECASE)


def _read_value(tail: str) -> str | None:
    """The value written at the start of ``tail`` (the text after an answer marker)."""
    tail = _HOPE.sub("", tail).lstrip(" \t:：")
    if not tail.strip():
        return None
    end = _SENTENCE_END.search(tail)
    first = tail[:end.start()] if end else tail
    # Math that starts in the first sentence (display math may span lines).
    spans = _math_spans(tail[: (end.start() if end else len(tail)) + 2000])
    spans = [s for s in spans if s[0] <= len(first)]
    if spans and spans[-1][1] < len(first):
        after = _VERB_NUMBER.search(first[spans[-1][1]:])
        if after:
            return after.group(1)
    if spans:
        contents = [s[2] for s in spans]
        if len(contents) > 1 and all(re.fullmatch(r"[\s,;]*(?:and|or)?[\s,;]*", tail[a[1]:b[0]])
                                     for a, b in zip(spans, spans[1:])):
            return ", ".join(_final_side(c) for c in contents)
        return _final_side(contents[0])
    value = _LEAD_WORDS.sub("", first.strip())
    m = _PROSE_VALUE.match(value)
    if m and re.search(r"[\d\\]|^[A-Za-z]+$", m.group(1).strip()):
        value = m.group(1)
    elif not m:
        one = _ONE_NUMBER_PROSE.fullmatch(re.sub(r"[\s.;,:!]+$", "", value.strip()))
        if one:
            return one.group(1)
    value = re.sub(r"[\s.;,:!]+$", "", value.strip())
    return value or None


def _last_marker(text: str) -> tuple[int, str] | None:
    """(position, value) of the last explicit end marker: Final Answer, ####, A:, <answer>."""
    best = None
    for pattern, reader in ((_FINAL, None), (_HASHES, 1), (_A_LINE, 1), (_ANSWER_TAG, 1)):
        last = None
        for last in pattern.finditer(text):
            pass
        if last is None:
            continue
        value = _read_value(text[last.end():]) if reader is None else _read_value(last.group(1))
        if value and (best is None or last.start() > best[0]):
            best = (last.start(), value)
    return best


_LONE_SYMBOL = re.compile(r"[a-zA-Z](?:_\{?\w+\}?)?")


def _drop_asy(text: str) -> str:
    """The text without its [asy]...[/asy] drawing code (its labels are written in $...$)."""
    out, i = [], 0
    while True:
        start = text.find("[asy]", i)
        if start < 0:
            break
        end = text.find("[/asy]", start)
        out.append(text[i:start])
        if end < 0:
            return "".join(out)
        i = end + len("[/asy]")
    return "".join(out) + text[i:]


class Extraction(NamedTuple):
    """What a completion answers: ``answer``, and ``parts`` when it ends with several boxes."""

    answer: str | None
    parts: tuple[str, ...] | None = None


def extract_candidates(text: str | None) -> Extraction:
    r"""The final answer of a completion, with the contents of a final run of boxes.

    >>> extract_candidates(r"So $\boxed{2}$, $\boxed{4}$ and $\boxed{6}$.")
    Extraction(answer='6', parts=('2', '4', '6'))
    """
    if not text:
        return Extraction(None)
    group = _boxes(text)
    if group:
        final = None
        for final in _FINAL.finditer(text, group[-1][1]):
            pass
        if final is not None:  # "... \boxed{255} ... Final Answer: The final answer is $10,455$."
            value = _read_value(text[final.end():])
            if value and re.search(r"\d", value):
                return Extraction(value)
        return Extraction(group[-1][2], tuple(b[2] for b in group) if len(group) > 1 else None)
    marker = _last_marker(text)
    if marker is not None:
        return Extraction(marker[1])
    if "[asy]" in text:
        text = _drop_asy(text)
    spans = _math_spans(text)
    answer_is = None
    for answer_is in _ANSWER_IS.finditer(text):
        pass
    if answer_is is not None and (not spans or answer_is.start() > spans[-1][0]):
        value = _read_value(text[answer_is.end():])
        if value:
            return Extraction(value)
    if spans:
        last = spans[-1]
        conclusion = _CONCLUSION.search(_HOPE.sub("", _CHAT_END.sub("", text[last[1]:])))
        if conclusion:
            numbers = _LAST_NUMBER.findall(conclusion.group(1))
            if len(numbers) == 1:
                return Extraction(numbers[0].rstrip(","))
        if len(spans) > 1 and _LONE_SYMBOL.fullmatch(last[2]):
            # "so there are $7$ possible values of $n$": the value, not the variable it counts
            before = spans[-2]
            gap = text[before[1]:last[0]]
            value = _LEADING_LABEL.sub("", _final_side(before[2])).strip()
            if len(gap) < 80 and "\n" not in gap and value and "=" not in value and not _has_variables(value):
                return Extraction(value)
        return Extraction(_final_side(last[2]))
    bold = [b.strip() for b in _BOLD.findall(text) if re.search(r"\d", b)]
    if bold:
        return Extraction(_read_value(bold[-1]) or bold[-1])
    bare = text.strip()
    prose = _BARE_WORD.search(_COMMAND.sub("", bare))
    if len(bare) <= 200 and "\n" not in bare and _COMMAND.search(bare) and not prose:
        return Extraction(_final_side(bare))  # a formula with no prose: '\frac{10}{9}', '-\frac{10}{9}'
    numbers = _LAST_NUMBER.findall(text)
    if numbers:
        return Extraction(numbers[-1].rstrip(",") or None)
    return Extraction(None)


def extract_answer(text: str | None, gold: str | None = None) -> str | None:
    r"""The final answer in a completion, or None when there is none.

    With ``gold``, a final run of several boxes is read as one answer when the
    gold answer has several parts.

    >>> extract_answer("Thus, the answer is $\\frac{3}{4}$.")
    '\\frac{3}{4}'
    >>> extract_answer("Final Answer: The final answer is $42$. I hope it is correct.")
    '42'
    >>> extract_answer("He has 5 apples, then 7.")
    '7'
    >>> extract_answer(r"\boxed{(3,1)}, \boxed{(-2,5)}", gold="(3,1),(-2,5)")
    '(3,1), (-2,5)'
    """
    return choose(extract_candidates(text), gold_parts(gold) if gold is not None else 1)


def choose(extraction: Extraction, n_gold_parts: int) -> str | None:
    """The answer to grade: the merged boxes when the gold answer has several parts."""
    if extraction.parts and n_gold_parts > 1:
        return ", ".join(extraction.parts)
    return extraction.answer


def _top_level_commas(s: str) -> int:
    depth, count = 0, 0
    for m in re.finditer(r"\\[{}]|[{}()\[\]]|,", s):
        tok = m.group(0)
        if tok == ",":
            count += depth == 0
        elif tok in ("{", "(", "[", "\\{"):
            depth += 1
        else:
            depth = max(0, depth - 1)
    return count


def gold_parts(gold: str) -> int:
    r"""How many parts a gold answer lists: '(3,1),(-2,5)' -> 2, '\{2,4,6\}' -> 3, '\pm 7' -> 2.

    >>> gold_parts("(3,1),(-2,5)"), gold_parts(r"\{2,4,6\}"), gold_parts("12,345"), gold_parts("5")
    (2, 3, 1, 1)
    """
    s = normalize_answer(gold)
    if "\\pm" in s or "\\mp" in s:
        return 2
    labelled = normalize_answer(gold, labels=False)
    if labelled.count("=") >= 2 and not labelled.startswith(("(", "\\{")):  # 'k = 45, n = 2': one part each
        return _top_level_commas(labelled) + labelled.count(";") + 1
    if s.startswith("\\{") and s.endswith("\\}"):
        inner = s[2:-2]
    elif s.startswith("{") and s.endswith("}") and _close_brace(s, 0, len(s)) == len(s) - 1:
        inner = s[1:-1]  # '{1,2,3}': a set written without backslashes
    else:
        inner = s
    return _top_level_commas(inner) + inner.count(";") + 1


def extract_gold(answer: str | float | int | list) -> str:
    r"""The reference answer as a string, read like a prediction when it is written as text.

    >>> extract_gold("16 - 3 = 13\n#### 13")
    '13'
    >>> extract_gold(27.0)
    '27.0'
    >>> extract_gold(["$69$", "$84$"])
    '69,84'
    >>> extract_gold("$$\\frac{7}{3}$$"), extract_gold("$(3,1)$, $(-2,5)$")
    ('\\frac{7}{3}', '(3,1),(-2,5)')
    """
    if isinstance(answer, list) and answer and all(
            isinstance(a, (str, int, float)) and not isinstance(a, bool) for a in answer):
        # OlympiadBench-style lists of answers ('$69$', '$84$'): one set-like answer.
        return ",".join(extract_gold(a) for a in answer)
    if isinstance(answer, bool) or not isinstance(answer, (str, int, float)):
        raise TypeError(f"answer must be a string, a number or a list of them, got {type(answer).__name__}")
    answer = str(answer).strip()
    if "####" in answer:
        return _read_value(answer.rsplit("####", 1)[1]) or answer
    if any(cmd in answer for cmd in _BOX_COMMANDS) and answer.rstrip().endswith("}"):
        boxed = extract_boxed(answer)
        if boxed is not None:
            return boxed
    if "$" in answer or "\\(" in answer or "\\[" in answer:
        spans = _math_spans(answer)
        if spans:
            ends = [0] + [b for _, b, _ in spans]
            rest = "".join(answer[e:a] for e, (a, _, _) in zip(ends, spans)) + answer[spans[-1][1]:]
            if re.fullmatch(r"[\s,;.]*(?:(?:and|or)[\s,;.]*)*", rest):  # only math: '$69$,$84$', '$$x$$'
                return ",".join(s[2] for s in spans)
            return extract_answer(answer) or answer
    return answer


# ---------------------------------------------------------------- normalisation

_UNIT_WORDS = (
    "degrees?", "cm", "centimeters?", "m", "meters?", "km", "kilometers?", "mm", "inches?", "inch",
    "feet", "foot", "ft", "yards?", "miles?", "units?", "square", "sq", "cubic", "dollars?", "cents?",
    "hours?", "minutes?", "seconds?", "days?", "weeks?", "years?", "mph", "kg", "g", "grams?",
    "pounds?", "lbs?", "ounces?", "liters?", "gallons?", "people", "students?", "marbles?", "points?",
    "ways?", "percent", "p\\.m\\.", "a\\.m\\.",
)
# A unit after a number: "\text{ cm}^2", "\mathrm{~m}", "5 inches". A bare one-letter \mathrm{e}
# (Euler's number) is not a unit, so text units need two letters or a leading space.
_SQUARED = r"(?:\s*\^\s*\{?[23]\}?)?"
_TRAILING_UNITS = re.compile(
    r"(?<=[\d}])\s*(?:(?:\\(?:text|mbox|mathrm|textbf)\{(?:[\s~][^{}]*|[^{}]{2,})\}" + _SQUARED
    + r")|(?:\b(?:" + "|".join(_UNIT_WORDS) + r")\b" + _SQUARED + r"\s*))+$"
)
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?$")
# Labels before '=' that name the answer rather than constrain it: x, x_1, \theta, AB, \frac{AB}{CD},
# S_1:S_2, f(x), \angle ABC, m\angle A, \overline{AB}, |AB|.
_SYMBOL = (r"(?:[a-zA-Z](?:_\{?\w+\}?|')?"
           r"|\\(?:alpha|beta|gamma|delta|theta|phi|varphi|lambda|mu|omega|rho|sigma|tau|pi)(?![a-zA-Z])(?:_\{?\w+\}?)?)")
_SEGMENT = r"(?:[A-Z]{1,4}|\\overline\{[A-Z]{1,4}\}|\|[A-Z]{1,4}\||(?:m\s*)?\\angle\s*[A-Z]{1,3})"
_LABEL = (r"(?:" + _SYMBOL + r"(?:\s*\(\s*[a-zA-Z0-9]\s*\))?|" + _SEGMENT
          + r"|\\frac\{" + _SEGMENT + r"\}\{" + _SEGMENT + r"\}|" + _SEGMENT + r"\s*/\s*" + _SEGMENT
          + r"|" + _SYMBOL + r"\s*:\s*" + _SYMBOL + r"(?:\s*:\s*" + _SYMBOL + r")*)")
_LEADING_LABEL = re.compile(r"^" + _LABEL + r"\s*=\s*(?=[^=]+$)")
_CHOICE_FIRST = re.compile(r"^\(([A-E])\)\s+\S.*$")
_TEXT_COMMAND = re.compile(r"\\(?:text|mbox|textbf|mathrm|mathbf|textit|textnormal)\{")

_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_NUMBER_WORDS = {w: i for i, w in enumerate(_SMALL)} | _TENS | {"hundred": 100, "a hundred": 100,
                                                                "one hundred": 100}
for _t, _v in _TENS.items():
    for _u in range(1, 10):
        _NUMBER_WORDS[f"{_t}-{_SMALL[_u]}"] = _NUMBER_WORDS[f"{_t} {_SMALL[_u]}"] = _v + _u


def _unwrap_text(s: str) -> str:
    r"""Replace ``\text{X}`` (and mbox/textbf/mathrm...) by X, nested ones too, in linear time."""
    commands = list(_TEXT_COMMAND.finditer(s))
    if not commands:
        return s
    matches = _brace_matches(s)
    drop = bytearray(len(s))
    for m in commands:
        close = matches.get(m.end() - 1)
        if close is not None:
            drop[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            drop[close] = 1
    return "".join(ch for ch, d in zip(s, drop) if not d)


# Relations read as intervals: "x \in [a,b]", "a < x < b", "x \ge a", "x < -1 or x > 2".
_REL = re.compile(r"(<=|>=|\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt)(?![a-zA-Z])|<|>|≤|≥)")
_VAR = re.compile(r"(?:[a-zA-Z](?:_\{?\w+\}?)?|\\(?:theta|alpha|beta|phi|lambda|mu|omega|sigma|tau)(?![a-zA-Z]))")
_IN = re.compile(r"^" + _VAR.pattern + r"\s*\\in\s*(.+)$")
_OR = re.compile(r"\s*(?:\bor\b|\\lor|\\vee|\\cup)\s*")


def _op(op: str) -> tuple[bool, bool]:
    """(is 'less than', is closed) for a relation symbol."""
    less = op in ("<", "<=", "≤") or op.startswith("\\l")
    return less, op in ("<=", ">=", "≤", "≥") or op.startswith(("\\le", "\\ge"))


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _relation_as_interval(s: str) -> str:
    r"""'-5 < a < 12' -> '(-5,12)', 'x \ge 3' -> '[3,\infty)', 'x \in [1,2)' -> '[1,2)'; else ``s``."""
    m = _IN.match(s)
    if m:
        return m.group(1).strip()
    if not _REL.search(s):
        return s
    pieces = _OR.split(s)
    if len(pieces) > 1:
        parts = [_relation_as_interval(p) for p in pieces]
        return "\\cup".join(parts) if all(p != q for p, q in zip(parts, pieces)) else s
    bits = [b.strip() for b in _REL.split(s)]
    if len(bits) == 5 and _VAR.fullmatch(bits[2]) and bits[0] and bits[4]:
        (less1, closed1), (less2, closed2) = _op(bits[1]), _op(bits[3])
        if less1 != less2:
            return s
        lo, hi, lo_closed, hi_closed = ((bits[0], bits[4], closed1, closed2) if less1
                                        else (bits[4], bits[0], closed2, closed1))
        return ("[" if lo_closed else "(") + f"{lo},{hi}" + ("]" if hi_closed else ")")
    if len(bits) != 3 or not bits[0] or not bits[2]:
        return s
    less, closed = _op(bits[1])
    negated = re.fullmatch(r"-\s*(" + _VAR.pattern + r")", bits[0])
    if negated and _PLAIN_NUMBER.fullmatch(bits[2]):  # '-x > -1' is 'x < 1'
        bound = bits[2][1:] if bits[2].startswith("-") else "-" + bits[2]
        bits, less = [negated.group(1), bits[1], bound], not less
    if _VAR.fullmatch(bits[0]) and _VAR.fullmatch(bits[2]):
        return s  # 'a > b': a relation between two variables, not an interval
    if _VAR.fullmatch(bits[0]):
        bound = bits[2]
    elif _VAR.fullmatch(bits[2]):
        bound, less = bits[0], not less  # "3 < x" is "x > 3"
    else:
        return s
    if less:
        return "(-\\infty," + bound + ("]" if closed else ")")
    return ("[" if closed else "(") + bound + ",\\infty)"


_GROUP_SPLIT = re.compile(r"\s*(?:;|\bor\b|\\text\{\s*or\s*\})\s*")
_ITEM_SPLIT = re.compile(r"\s*(?:,|\band\b|\\quad|\\qquad)\s*")
_ASSIGNMENT = re.compile(r"^(" + _LABEL + r")\s*=\s*([^=]+)$")


def _assignments_as_values(s: str) -> str:
    r"""'a=1,b=3; a=2,b=5' -> '(1,3),(2,5)'; 'x=2 or x=3' -> '\{2,3\}'; else ``s``."""
    if s.count("=") < 2:
        return s
    groups = []
    for group in _GROUP_SPLIT.split(s):
        items = [_ASSIGNMENT.match(item) for item in _ITEM_SPLIT.split(group) if item]
        if not items or not all(items):
            return s
        groups.append([(m.group(1).replace(" ", ""), m.group(2).strip()) for m in items])
    names = [tuple(name for name, _ in g) for g in groups]
    if len({name for g in names for name in g}) == 1:  # one variable, several values
        return "\\{" + ",".join(v for g in groups for _, v in g) + "\\}"
    if len(set(names)) == 1 and len(names[0]) == len(set(names[0])):  # same variables in each group
        return ",".join("(" + ",".join(v for _, v in g) + ")" for g in groups)
    return s


_WORD_NUMBER = re.compile(r"[a-z]+(?:[\s-][a-z]+)?")


def normalize_answer(ans: str | None, labels: bool = True) -> str:
    r"""Canonical string form of an answer; equal strings mean equal answers.

    >>> normalize_answer(r"\left( 3, \dfrac{\pi}{2} \right)")
    '(3,\\frac{\\pi}{2})'
    >>> normalize_answer(r"x = 5\text{ cm}")
    '5'
    >>> normalize_answer(r"28\%"), normalize_answer("six"), normalize_answer(r"\frac{AB}{CD} = 2")
    ('28', '6', '2')

    With ``labels=False`` a label before ``=`` is kept (to compare equations).
    """
    if ans is None:
        return ""
    key = (ans, labels) if isinstance(ans, str) else None
    if key is not None:
        cached = _NORMALIZED.get(key)
        if cached is not None:
            return cached
    s = _normalize(str(ans), labels)
    if key is not None:
        if len(_NORMALIZED) >= 1 << 16:
            _NORMALIZED.clear()
        _NORMALIZED[key] = s
    return s


_NORMALIZED: dict[tuple[str, bool], str] = {}  # answers repeat across samples and layers


def _normalize(s: str, labels: bool) -> str:
    s = s.strip()
    s = s.replace("\n", " ").replace("\\displaystyle", "")
    s = re.sub(r"\s*\{\s*,\s*\}\s*", "{,}", s)  # '14 {, }916': a spaced-out thousands separator
    s = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])", "", s)
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    # Degrees, percent and currency never change the value (we never rescale 28% to 0.28).
    s = re.sub(r"\^\s*\{?\\circ\}?|\\circ|°", "", s)
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace("\\$", "").replace("$", "")
    s = _TRAILING_UNITS.sub("", s.strip())
    s = _unwrap_text(s)
    s = _CHOICE_FIRST.sub(r"\1", s)  # '(B) 3(1 + r/10)^x = 7': the choice is the answer
    s = re.sub(r"\\(?:[,;:]|quad|qquad)|~", " ", s)
    s = s.strip().rstrip(".").strip()
    # A number word, alone: "six", "Twenty-one", "\text{five}".
    low = s.lower()
    if low in _NUMBER_WORDS and _WORD_NUMBER.fullmatch(low):
        s = str(_NUMBER_WORDS[low])
    # A number followed by plain words ("12 apples", "3 hours per day") is the number.
    s = re.sub(r"^(-?[\d.,]*\d)\s+[A-Za-z][A-Za-z' ]*$", r"\1", s)
    if labels:
        s = _assignments_as_values(s)
        s = _LEADING_LABEL.sub("", s)
    s = _relation_as_interval(s)
    # Thousands separators: "1,000", "1{,}000", MATH's "11,\! 111". A comma then a space without
    # "\!" ("8, 221") is a list: written as a set so that removing spaces cannot make it 8221.
    marked = re.sub(r",\\!\s*", ",", s)
    if _THOUSANDS.match(marked):
        s = marked.replace("{,}", "").replace(",", "")
    elif re.search(r",\s", s) and _THOUSANDS.match(re.sub(r"\s+", "", s)):
        s = "\\{" + re.sub(r"\s+", "", s) + "\\}"
    s = s.replace("\\!", "")
    # \frac12 -> \frac{1}{2}, \sqrt2 -> \sqrt{2}
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\sqrt\s*(\d+)", r"\\sqrt{\1}", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"(?<![\d}])\.(\d)", r"0.\1", s)  # .5 -> 0.5
    # A choice letter in parentheses: (B) -> B
    m = re.fullmatch(r"\(([A-Ea-e])\)", s)
    return m.group(1).upper() if m else s
