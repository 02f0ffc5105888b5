r"""Equivalence of two math answers, in layers from fast to slow.

1. ``fast_verdict``: normalised strings equal -> True; both plain numbers
   (integers, decimals, ``a/b``, ``\frac{a}{b}``, scientific notation) ->
   exact ``Fraction`` comparison, True or False. No tolerance: 100001 != 100000,
   and no percent rescaling: 0.28 != 28. One exception, the way models write
   fractions and irrational values: a decimal with at least ``MIN_DECIMAL_DIGITS``
   (6) significant digits equals an exact value that it writes to all the digits
   it gives, rounded or cut off (``0.0833333333333333`` = ``1/12``, ``0.666667`` =
   ``2/3``, ``3.141592`` = ``\pi``; but ``0.33333`` != ``1/3``: five digits, and
   ``0.333334`` != ``1/3``: its last digit is wrong). See ``decimal_matches``. Two word answers (``\text{even}``,
   ``Evelyn``) compare as text, case aside. Returns None when it cannot decide.
2. ``symbolic_equal``: math-verify parses both answers to sympy and compares
   sets, intervals (open vs closed matters), tuples (order matters), equations
   and matrices, and equations up to a nonzero factor. Expressions with
   variables that differ only where a variable could be negative count as equal
   (radicals take their variables positive: ``\sqrt{1/n}`` = ``1/\sqrt{n}``).
   Labels are dropped first (``x =``, ``\frac{AB}{CD} =``); when both sides
   have an ``=`` the equations are also compared with their labels kept.
   When both sides are plain numbers we compare them ourselves,
   exactly for rationals and at 60 significant digits otherwise, because
   math-verify rounds floats (it calls 1/2004! equal to 1/2006!).

``symbolic_equal`` can hang on hostile input (``10^{10^{10^{10}}}``); call it
only in a worker process that can be killed (``math_pool``).

>>> fast_verdict("27.0", "27"), fast_verdict("0.28", "28"), fast_verdict("x+1", "1+x")
(True, False, None)
"""
from __future__ import annotations

import functools
import re
from fractions import Fraction

from .math_extract import normalize_answer

__all__ = ["decimal_matches", "fast_verdict", "parse_number", "symbolic_equal"]

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_SCI = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(?:e|E|\\times10\^\{?|\*10\^\{?|\\cdot10\^\{?)([+-]?\d+)\}?")
_FRAC = re.compile(r"([+-]?)\\frac\{([+-]?\d+\.?\d*)\}\{([+-]?\d+\.?\d*)\}")
_SLASH = re.compile(r"([+-]?\d+\.?\d*)/([+-]?\d+\.?\d*)")
# Exponents beyond this go to the killable worker: Fraction("1e999999999") would hang here.
_MAX_EXPONENT = 400


def parse_number(s: str) -> Fraction | None:
    r"""Exact value of a normalised plain number, or None if it is not one.

    >>> parse_number("-\\frac{3}{4}"), parse_number("4.5e3"), parse_number("025")
    (Fraction(-3, 4), Fraction(4500, 1), Fraction(25, 1))
    >>> parse_number("2^{10}") is None
    True
    """
    if len(s) > 200:
        return None
    try:
        if _DECIMAL.fullmatch(s):
            return Fraction(s)
        m = _SCI.fullmatch(s)
        if m:
            exponent = int(m.group(2))
            if abs(exponent) > _MAX_EXPONENT:
                return None
            return Fraction(m.group(1)) * Fraction(10) ** exponent
        m = _FRAC.fullmatch(s) or _SLASH.fullmatch(s)
        if m:
            sign, num, den = (m.group(1), m.group(2), m.group(3)) if m.re is _FRAC else ("", *m.groups())
            value = Fraction(num) / Fraction(den)
            return -value if sign == "-" else value
    except (ValueError, ZeroDivisionError):
        return None
    return None


MIN_DECIMAL_DIGITS = 6  # significant digits a decimal must give to stand for a fraction or an irrational value
_LONG_DECIMAL = re.compile(r"[+-]?(\d*)\.(\d+)")


def decimal_matches(decimal: str, exact) -> bool:
    r"""True when the normalised ``decimal`` writes the exact value ``exact`` to all the digits it gives.

    The decimal must give at least ``MIN_DECIMAL_DIGITS`` significant digits, and equal ``exact``
    rounded or cut off after its last digit. ``exact`` is a ``Fraction`` (or anything ``Fraction``
    takes); a decimal equal to it is handled by the exact comparison, not here.

    >>> from fractions import Fraction
    >>> decimal_matches("0.0833333333333333", Fraction(1, 12)), decimal_matches("0.666667", Fraction(2, 3))
    (True, True)
    >>> decimal_matches("0.666666", Fraction(2, 3)), decimal_matches("0.66667", Fraction(2, 3))
    (True, False)
    >>> decimal_matches("0.0833333333333334", Fraction(1, 12)), decimal_matches("-0.333333", Fraction(1, 3))
    (False, False)
    """
    m = _LONG_DECIMAL.fullmatch(decimal)
    if m is None:
        return False
    significant = (m.group(1) + m.group(2)).lstrip("0")
    if len(significant) < MIN_DECIMAL_DIGITS:
        return False
    value, exact = Fraction(decimal), Fraction(exact)
    if (value < 0) != (exact < 0) or value == exact:
        return value == exact
    scale = 10 ** len(m.group(2))
    target = abs(value) * scale  # an integer
    shifted = abs(exact) * scale
    return target in (shifted.__floor__(), (shifted + Fraction(1, 2)).__floor__())


def _decimal_unit(norm: str) -> float:
    """One unit in the last place of a decimal that ``decimal_matches`` may accept, else 0."""
    m = _LONG_DECIMAL.fullmatch(norm)
    if m is None or len((m.group(1) + m.group(2)).lstrip("0")) < MIN_DECIMAL_DIGITS:
        return 0.0
    return 10.0 ** -len(m.group(2))


_WORD = re.compile(r"[A-Za-z]{3,}")
_TEXT_WRAPPED = re.compile(r"^\\(?:text|mathrm|textbf|mbox|textit|textnormal)\{")


def _is_text_answer(raw: str, norm: str) -> bool:
    r"""A word answer ('\text{even}', 'Evelyn'): compared as text, not as a product of symbols."""
    return bool(_WORD.fullmatch(norm)) and (len(norm) >= 4 or bool(_TEXT_WRAPPED.match(raw.strip().strip("$"))))


def fast_verdict(gold: str, pred: str) -> bool | None:
    """Decide cheaply (no sympy) where possible: True, False, or None for 'undecided'."""
    g, p = normalize_answer(gold), normalize_answer(pred)
    if not p:
        return False
    if g == p:
        return True
    gv, pv = parse_number(g), parse_number(p)
    if gv is not None and pv is not None:
        return gv == pv or decimal_matches(p, gv) or decimal_matches(g, pv)
    g_text, p_text = _is_text_answer(str(gold), g), _is_text_answer(str(pred), p)
    if _WORD.fullmatch(g) and _WORD.fullmatch(p) and (g_text or p_text):
        return g.lower() == p.lower()  # text answers: 'Even' is 'even', and never 'odd'
    if (g_text and not _WORD.fullmatch(p)) or (p_text and not _WORD.fullmatch(g)):
        return False  # a word is never a number or a formula ('six' was read as 6 already)
    # Closed forms (3\sqrt{13}, 6-5i, \frac{\pi}{6}, 2k+2, (a+5)(b+2)) that take different values at
    # one point are different; equal values decide nothing (the exact layers do that).
    # A long decimal may stand for an irrational value ('3.141592' for \pi): the worker decides that.
    slack = max(_decimal_unit(g), _decimal_unit(p))
    for point in (None, 0, 1):
        a, b = approx_value(g, point), approx_value(p, point)
        if a is None or b is None:
            continue
        if abs(a - b) > max(1e-7 * max(1.0, abs(a), abs(b)), 1.01 * slack):
            return False
    if (approx_value(g, 0) is not None and _is_many(p)) or (approx_value(p, 0) is not None and _is_many(g)):
        return False  # one value is never a matrix, an interval, a tuple, a set or a list of values
    return None


def _is_many(norm: str) -> bool:
    r"""A matrix, interval, tuple, set, list of distinct values or a \pm pair of distinct values."""
    if "=" in norm:
        return False  # an equation: its right-hand side may be the value ('\\det(A)^2 = 144')
    if (norm.startswith("\\begin{") and norm.endswith("matrix}")) or _is_collection(norm):
        return True
    if "," in norm and not re.search(r"[()\[\]{}]", norm):
        items = norm.split(",")
        return len(items) == len(set(items)) and all(items)
    if norm.count("\\pm") == 1:
        plus, minus = approx_value(norm.replace("\\pm", "+"), 0), approx_value(norm.replace("\\pm", "-"), 0)
        return plus is not None and minus is not None and abs(plus - minus) > 1e-7 * max(1.0, abs(plus))
    return False


_TOKEN = re.compile(r"\d+\.?\d*|\.\d+|\\frac|\\sqrt|\\pi|\\cdot|\\times|[-+*/^{}()\[\]a-zA-Z]")
# Two points at which single-letter variables are evaluated: each letter gets its own value in [0.5, 2).
_POINTS = (0.5772156649015329, 1.3247179572447460)
_MAX_APPROX_LEN = 120
_SCIENTIFIC = re.compile(r"\de[-+]?\d|\dE[-+]?\d")  # 1e5 is scientific notation, not 1*e*5


def approx_value(s: str, point: int | None = None) -> complex | None:
    r"""Value of a normalised closed form (integers, decimals, \frac, \sqrt, \pi, e, i, + - * / ^),
    as a complex float, or None when ``s`` is anything else. With ``point`` (0 or 1), single-letter
    variables are allowed and take that point's values. Used only to tell values apart.

    >>> approx_value(r"\frac{3\sqrt{3}}{4}"), approx_value("6-5i"), approx_value("x+1")
    ((1.299038105676658+0j), (6-5j), None)
    >>> approx_value("2k+2", 0) != approx_value("2k+2", 1)
    True
    """
    if len(s) > _MAX_APPROX_LEN or _SCIENTIFIC.search(s):
        return None
    tokens = _TOKEN.findall(s)
    if "".join(tokens) != s:
        return None
    parser = _Approx(tokens, point)
    try:
        value = parser.sum()
    except (ValueError, ZeroDivisionError, OverflowError, IndexError):
        return None
    return value if parser.pos == len(tokens) else None


class _Approx:
    """Recursive descent over the tokens of a closed-form number."""

    def __init__(self, tokens: list[str], point: int | None = None):
        self.tokens, self.pos, self.point = tokens, 0, point

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.tokens[self.pos]
        if expected is not None and tok != expected:
            raise ValueError(tok)
        self.pos += 1
        return tok

    def sum(self) -> complex:
        value = self.product()
        while self.peek() in ("+", "-"):
            value = value + self.product() if self.take() == "+" else value - self.product()
        return value

    def product(self) -> complex:
        if self.peek() in ("+", "-"):
            return self.product() if self.take() == "+" else -self.product()
        value = self.power()
        while self.peek() is not None and self.peek() not in ("+", "-", "}", ")", "]"):
            if self.peek() in ("*", "\\cdot", "\\times"):
                self.take()
                value *= self.power()
            elif self.peek() == "/":
                self.take()
                value /= self.power()
                if self.peek() is not None and self.peek() not in ("+", "-", "}", ")", "]", "*", "/", "\\cdot",
                                                                  "\\times"):
                    raise ValueError("a/bc: a/(bc) or (a/b)c")
            else:  # implicit product: 3\sqrt{2}, 2\pi, 5i (but 1\frac{1}{2} may be a mixed number)
                if self.peek() == "\\frac" and self.tokens[self.pos - 1][0].isdigit():
                    raise ValueError("a mixed number or a product")
                value *= self.power()
        return value

    def power(self) -> complex:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.group() if self.peek() == "{" else complex(int(self.take()))
            if exponent.imag or exponent.real != int(exponent.real) or abs(exponent.real) > 12:
                raise ValueError("exponent")
            return base ** int(exponent.real)
        return base

    def group(self) -> complex:
        self.take("{")
        value = self.sum()
        self.take("}")
        return value

    def atom(self) -> complex:
        tok = self.take()
        if tok[0].isdigit() or tok[0] == ".":
            if len(tok) > 15:
                raise ValueError("too many digits for a float")
            return complex(float(tok))
        if tok == "\\pi":
            return complex(3.141592653589793)
        if tok == "i":
            return 1j
        if tok == "e":
            return complex(2.718281828459045)
        if tok.isalpha():  # a single-letter variable
            if self.point is None:
                raise ValueError("a variable")
            return complex(_POINTS[self.point] + (ord(tok) * 0.6180339887498949) % 1.0)
        if tok == "\\frac":
            return self.group() / self.group()
        if tok == "\\sqrt":
            value = self.group()
            if value.imag or value.real < 0:
                raise ValueError("root of a negative number")
            return complex(value.real ** 0.5)
        if tok in ("(", "["):
            value = self.sum()
            self.take(")" if tok == "(" else "]")
            return value
        if tok == "{":
            self.pos -= 1
            return self.group()
        raise ValueError(tok)


_COLLECTION = re.compile(r"^(?:\\\{|[(\[]).*,.*(?:\\\}|[)\]])$")


def _is_collection(norm: str) -> bool:
    r"""An interval, tuple or set with two or more entries: '(2,\infty)', '[1,2)', '\{1,2\}'."""
    return bool(_COLLECTION.match(norm)) and "\\begin" not in norm


# ---------------------------------------------------------------- symbolic layer (worker only)

_DIGITS = 60  # significant digits when irrational numbers must be compared numerically


def _exact_numbers_equal(a, b) -> bool:
    """Compare two sympy numbers without float rounding."""
    import sympy

    def exact(x):
        # A parsed decimal like 0.28 becomes the rational 28/100, not a binary float.
        return x.xreplace({f: sympy.Rational(str(f)) for f in x.atoms(sympy.Float)})

    # math-verify builds unevaluated trees (1/2004! stays Mul(1, 1/2004!)); evaluate them.
    a, b = exact(a).doit(), exact(b).doit()
    if a.is_Rational and b.is_Rational:
        return bool(a == b)
    diff = sympy.N(a - b, _DIGITS)
    scale = max(abs(sympy.N(a, _DIGITS)), abs(sympy.N(b, _DIGITS)), sympy.Integer(1))
    if not (diff.is_number and scale.is_number):
        return False
    # abs() also covers complex numbers (both parts must agree).
    return bool(abs(diff) <= sympy.Float(10) ** (10 - _DIGITS) * scale)


def _decimal_stands_for(decimal: str, value) -> bool:
    """``decimal_matches`` for a sympy number (an irrational one is evaluated to 60 digits first)."""
    import sympy

    if _LONG_DECIMAL.fullmatch(decimal) is None:
        return False
    value = value.doit()
    if not value.is_real:
        return False
    return decimal_matches(decimal, value if value.is_Rational else Fraction(str(sympy.N(value, _DIGITS))))


@functools.lru_cache(maxsize=4096)  # a gold answer is compared with several predictions
def _parse(answer: str):
    import logging

    from math_verify import parse

    # Its "timeout is disabled" warning is expected: the worker's hard kill is our timeout.
    logging.getLogger("math_verify").setLevel(logging.ERROR)

    return parse(f"${answer}$", parsing_timeout=None)


def symbolic_equal(gold: str, pred: str) -> bool:
    r"""Full check with math-verify/sympy. May be slow or hang: run it in a killable worker.

    >>> symbolic_equal(r"\frac{1}{2004!}", r"\frac{1}{2006!}")
    False
    >>> symbolic_equal(r"[1,2)", r"[1,2]"), symbolic_equal(r"\{1,2\}", r"\{2,1\}")
    (False, True)
    """
    import sympy
    from math_verify import verify

    verdict = fast_verdict(gold, pred)
    if verdict is not None:
        return verdict
    readings = [(normalize_answer(gold), normalize_answer(pred))]
    if "=" in str(gold) and "=" in str(pred):  # a label may be part of an equation: 'y = 2x+3' vs '2y = 4x+6'
        readings.append((normalize_answer(gold, labels=False), normalize_answer(pred, labels=False)))
    for g_text, p_text in dict.fromkeys(readings):
        g_parsed, p_parsed = _parse(g_text), _parse(p_text)
        if not g_parsed or not p_parsed:
            continue
        g, p = g_parsed[0], p_parsed[0]
        if isinstance(g, sympy.Expr) and isinstance(p, sympy.Expr):
            if g.is_number and p.is_number:
                return _exact_numbers_equal(g, p) or _decimal_stands_for(p_text, g) or _decimal_stands_for(g_text, p)
            if _differ_at_a_point(g, p):
                continue  # different values somewhere: not equal, skip the slow simplification
        if verify(list(g_parsed), list(p_parsed), timeout_seconds=None):
            return True
        if (isinstance(g, sympy.Expr) and isinstance(p, sympy.Expr) and (_has_root(g) or _has_root(p))
                and _equal_for_positive_symbols(g, p)):
            return True
    return False


_PROBES = (0.5772156649015329, 1.3247179572447460)  # two arbitrary positive points


def _differ_at_a_point(a, b) -> bool:
    """True when the expressions take different values at a positive point (so they are not equal).

    False means 'not shown different', never 'equal'. Variables are positive, as for radicals.
    """
    import sympy

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if not symbols or not all(isinstance(s, sympy.Symbol) for s in symbols):
        return False
    for base in _PROBES:
        point = {s: sympy.Float(base + 0.1 * i, 40) for i, s in enumerate(symbols)}
        try:
            va, vb = sympy.N(a.xreplace(point), 40), sympy.N(b.xreplace(point), 40)
            if not (va.is_number and vb.is_number) or va.has(sympy.zoo, sympy.nan) or vb.has(sympy.zoo, sympy.nan):
                return False
            diff, scale = abs(va - vb), max(abs(va), abs(vb), sympy.Integer(1))
            if not (diff.is_comparable and scale.is_comparable):
                return False
            if diff > sympy.Float(10) ** -25 * scale:
                return True
        except (TypeError, ValueError, AttributeError, ZeroDivisionError, RecursionError, OverflowError):
            return False
    return False


def _has_root(expr) -> bool:
    """A power with a non-integer exponent (a radical), where the sign of a variable matters."""
    import sympy

    return any(not power.exp.is_integer for power in expr.atoms(sympy.Pow))


def _equal_for_positive_symbols(a, b) -> bool:
    r"""Equal when every variable is positive, the convention for radicals: \sqrt{1/n} = 1/\sqrt{n}."""
    import sympy

    symbols = a.free_symbols | b.free_symbols
    if not symbols or not all(isinstance(s, sympy.Symbol) for s in symbols):
        return False
    positive = {s: sympy.Symbol(s.name, positive=True) for s in symbols}
    try:
        return sympy.simplify(a.xreplace(positive) - b.xreplace(positive)) == 0
    except (TypeError, ValueError, AttributeError, RecursionError):
        return False
