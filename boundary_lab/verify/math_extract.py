r"""Final-answer extraction and string normalisation for math completions.

``extract_answer`` finds the final answer in a model completion, trying the
formats models and benchmarks use, most explicit first:

1. the last ``\boxed{...}`` / ``\fbox{...}`` (nested braces allowed),
2. GSM8K's ``#### N``,
3. "the answer is ...",
4. GSM8K example solutions' final ``A: N`` line,
5. the last markdown bold ``**...**`` that holds a number,
6. the last number in the text.

``normalize_answer`` rewrites an answer into a canonical string (dollar signs,
``\text{}``, units, ``^\circ``, ``\%``, ``\dfrac``, thousands separators, a
leading ``x =``), so that most equal answers are equal as strings.

>>> extract_answer(r"so $x = \boxed{\frac{1}{2}}$. Final: \boxed{\dfrac{3}{4}}")
'\\dfrac{3}{4}'
>>> extract_answer("She pays 3 * 6 = 18 dollars.\n#### 18")
'18'
>>> normalize_answer(r"\$1,000.50")
'1000.50'
>>> normalize_answer(r"90^\circ")
'90'
"""
from __future__ import annotations

import re

__all__ = ["extract_answer", "extract_boxed", "extract_gold", "normalize_answer"]

_BOX_COMMANDS = ("\\boxed", "\\fbox")


def _brace_matches(text: str) -> dict[int, int]:
    """Index of each '{' -> index of its matching '}' (unclosed ones absent). One linear pass."""
    matches, stack = {}, []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            matches[stack.pop()] = i
    return matches


_BOX_START = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])\s*")


def extract_boxed(text: str) -> str | None:
    r"""Content of the last complete ``\boxed{}`` or ``\fbox{}`` (``\boxed 5`` too).

    Linear time even on hostile text (thousands of unclosed boxes).

    >>> extract_boxed(r"\boxed{1} then \boxed{\frac{a}{b^{2}}}")
    '\\frac{a}{b^{2}}'
    >>> extract_boxed("no box") is None
    True
    """
    starts = list(_BOX_START.finditer(text))
    if not starts:
        return None
    matches = None
    # Walk back from the last box, skipping unclosed ones (a truncated completion).
    for m in reversed(starts):
        j = m.end()
        if j < len(text) and text[j] == "{":
            if matches is None:
                matches = _brace_matches(text)
            close = matches.get(j)
            if close is not None:
                return text[j + 1:close].strip()
        elif j > m.start() + len(m.group(0).rstrip()) and j < len(text):  # "\boxed 5": one token
            token = re.match(r"[^\s$.,]+", text[j:])
            if token:
                return token.group(0)
    return None


_NUMBER = r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+"
_HASHES = re.compile(r"####\s*(.+)")
# Inner parts stop at the next opening tag / '*', so hostile text cannot make these quadratic.
_ANSWER_TAG = re.compile(r"<answer>((?:(?!<answer>)[^<]|<(?!/?answer>))*)</answer>")  # the VeRL <think>/<answer> template
_ANSWER_IS = re.compile(r"(?:answer is|final answer(?: is)?)\s*[:：]?\s*(.+)", re.IGNORECASE)
_A_LINE = re.compile(r"(?m)^A:\s*(.+?)\s*$")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_LAST_NUMBER = re.compile(_NUMBER)


def _clean_tail(ans: str) -> str:
    """Trim sentence tails after an unboxed answer: '$5$.' -> '5', '18 dollars.' -> '18 dollars'."""
    ans = ans.strip()
    # An inline-math answer: keep what is inside the first $...$ pair.
    m = re.match(r"^\$+((?:\\\$|[^$])+)\$+", ans)  # "\$" inside is an escaped dollar
    if m:
        return m.group(1).strip()
    m = re.match(r"^\\\((.+?)\\\)", ans) or re.match(r"^\\\[(.+?)\\\]", ans, re.DOTALL)
    if m:
        return m.group(1).strip()
    ans = ans.split("\n")[0]
    ans = re.split(r"\.\s", ans, maxsplit=1)[0]  # "5. I hope it is correct." -> "5"
    return re.sub(r"[.\s]+$", "", ans).strip()


def extract_answer(text: str | None) -> str | None:
    r"""The final answer in a completion, or None when there is none.

    >>> extract_answer("Thus, the answer is $\\frac{3}{4}$.")
    '\\frac{3}{4}'
    >>> extract_answer("He has 5 apples, then 7.")
    '7'
    >>> extract_answer("So the total is **$1,250**.")
    '$1,250'
    """
    if not text:
        return None
    boxed = extract_boxed(text)
    if boxed is not None:
        return boxed
    for pattern in (_ANSWER_TAG, _HASHES, _ANSWER_IS, _A_LINE):
        hits = pattern.findall(text)
        if hits:
            ans = _clean_tail(hits[-1])
            if ans:
                return ans
    bold = [b.strip() for b in _BOLD.findall(text) if re.search(r"\d", b)]
    if bold:
        return _clean_tail(bold[-1]) or bold[-1]
    numbers = _LAST_NUMBER.findall(text)
    if numbers:
        return numbers[-1].rstrip(",") or None
    return None


def extract_gold(answer: str | float | int | list) -> str:
    r"""The reference answer as a string: GSM8K's '... #### 18' and boxed solutions reduce to the answer.

    >>> extract_gold("16 - 3 = 13\n#### 13")
    '13'
    >>> extract_gold(27.0)
    '27.0'
    >>> extract_gold(["$69$", "$84$"])
    '69,84'
    """
    if isinstance(answer, list) and answer and all(
            isinstance(a, (str, int, float)) and not isinstance(a, bool) for a in answer):
        # OlympiadBench-style lists of answers ('$69$', '$84$'): one set-like answer.
        return ",".join(str(a).replace("$", "").strip() for a in answer)
    if isinstance(answer, bool) or not isinstance(answer, (str, int, float)):
        raise TypeError(f"answer must be a string, a number or a list of them, got {type(answer).__name__}")
    answer = str(answer).strip()
    if "####" in answer:
        return _clean_tail(answer.rsplit("####", 1)[1])
    if any(cmd in answer for cmd in _BOX_COMMANDS) and answer.rstrip().endswith("}"):
        boxed = extract_boxed(answer)
        if boxed is not None:
            return boxed
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
_LEADING_VAR = re.compile(r"^[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*(?=[^=]+$)")


_TEXT_COMMAND = re.compile(r"\\(?:text|mbox|textbf|mathrm|mathbf|textit)\{")


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


def normalize_answer(ans: str | None) -> str:
    r"""Canonical string form of an answer; equal strings mean equal answers.

    >>> normalize_answer(r"\left( 3, \dfrac{\pi}{2} \right)")
    '(3,\\frac{\\pi}{2})'
    >>> normalize_answer(r"x = 5\text{ cm}")
    '5'
    >>> normalize_answer(r"28\%")
    '28'
    """
    if ans is None:
        return ""
    s = str(ans).strip()
    s = s.replace("\n", " ").replace("\\displaystyle", "")
    s = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])", "", s)
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    # Degrees, percent and currency never change the value (we never rescale 28% to 0.28).
    s = re.sub(r"\^\s*\{?\\circ\}?|\\circ|°", "", s)
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace("\\$", "").replace("$", "")
    s = _TRAILING_UNITS.sub("", s.strip())
    s = _unwrap_text(s)
    s = re.sub(r"\\(?:[,;:]|quad|qquad)|~", " ", s)
    s = s.strip().rstrip(".").strip()
    # A number followed by plain words ("12 apples", "3 hours per day") is the number.
    s = re.sub(r"^(-?[\d.,]*\d)\s+[A-Za-z][A-Za-z' ]*$", r"\1", s)
    s = _LEADING_VAR.sub("", s)
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
