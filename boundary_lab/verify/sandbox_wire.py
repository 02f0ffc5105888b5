"""Plain data across the sandbox boundary: tagged JSON (stdlib only).

This file's text also runs inside both sandboxes (the program's and the
oracle's): :mod:`.sandbox` prepends it to the harness and oracle sources, so it
must not import anything from ``boundary_lab``.

A value travels as one JSON document. ``None``, ``bool``, ``str``, small
``int`` and ``float`` (``NaN`` and ``Infinity`` included; Python's ``json``
writes and reads them exactly) are JSON scalars; every other value is a JSON
array whose first item is a tag:

=======  ===================================  ===============================
tag      encodes                              decoded as
=======  ===================================  ===============================
``l``    list                                 list
``t``    tuple (any tuple subclass)           tuple
``nt``   namedtuple: name, field names        a namedtuple class made here
``s``    set                                  set
``fs``   frozenset                            frozenset
``d``    dict (any other dict subclass)       dict
``C``    ``collections.Counter``              Counter
``od``   ``collections.OrderedDict``          OrderedDict
``dq``   ``collections.deque``                deque
``dk``   ``dict_keys``                        ``dict.fromkeys(items).keys()``
``dv``   ``dict_values``                      ``dict(enumerate(items)).values()``
``di``   ``dict_items``                       ``dict(pairs).items()``
``it``   iterator or generator (consumed)     ``iter(list)``
``lz``   iterator, lazily (a handle)          the ``lazy`` hook's object
``m``    exact built-in data (marshal,        the same data; decoded only by
         base64), trusted side only           the program's side (``marshal_ok``)
``i``    int of more than 1000 bits (hex)     int
``b``    bytes (hex)                          bytes
``ba``   bytearray (hex)                      bytearray
``c``    complex                              complex
``r``    range                                range
``fr``   ``fractions.Fraction``               Fraction
``dec``  ``decimal.Decimal`` (its str)        Decimal
=======  ===================================  ===============================

:func:`to_wire` (used on the untrusted side for results, on the trusted side
for arguments) turns values into that form and raises :class:`NotPlainData`
for anything else, e.g. an object of the program's own class. Iterators are
drained (``it``, at most ``MAX_DRAIN`` items), or, given a ``lazy`` hook,
sent as a handle (``lz``) whose items the other side pulls one at a time: an
infinite generator (``itertools.count()``) can cross.
:func:`from_wire` (used on the trusted side) accepts only the form above and
builds values of the trusted interpreter's own built-in types, so whatever the
untrusted side sends, the test sees plain data: no method of the program ever
runs in the trusted process.

>>> import math
>>> v = {"a": (1, 2.5, float("nan")), "b": {frozenset({1}), None}, 3: [b"x", 2**2000]}
>>> back = from_wire(loads(dumps(to_wire(v))))
>>> back["a"][:2], math.isnan(back["a"][2]), back[3][1] == 2**2000, back["b"] == {frozenset({1}), None}
((1, 2.5), True, True, True)
>>> from_wire(["dk", "a", "b"]) == {"b", "a"}, list(from_wire(["dk", "a", "b"]))
(True, ['a', 'b'])
"""

_BIG = 1000  # ints wider than this many bits travel as hex (decimal str() of huge ints is capped)
_MAX_DEPTH = 200  # nesting beyond this is refused on both sides
MAX_DRAIN = 1_000_000  # items drained from one iterator without a lazy hook (issue 25: itertools.count())
_SCALAR_TYPES = (str, float, bool, type(None))
_SMALL = 1 << _BIG


class NotPlainData(TypeError):
    """A value that cannot cross the boundary (not plain built-in data)."""


class WireError(ValueError):
    """A message that does not follow the wire format."""


# The C half of the json package, used directly: importing json costs ~10 ms of CPU
# (it compiles regular expressions), paid twice per graded program otherwise.
def _refuse(value):
    raise NotPlainData(f"not JSON data: {type(value).__name__}")


def _constant(name):
    return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[name]


class _ScanContext:
    strict = True
    object_hook = object_pairs_hook = None
    parse_float, parse_int, parse_constant = float, int, staticmethod(_constant)
    memo = {}


def dumps(obj):
    """One line of compact JSON (ASCII only, NaN and Infinity allowed).

    >>> dumps([1, "a", float("inf"), None])
    '[1,"a",Infinity,null]'
    """
    import _json
    encode = _json.make_encoder({}, _refuse, _json.encode_basestring_ascii, None, ":", ",", False, False, True)
    return "".join(encode(obj, 0))


def loads(text):
    """Parse one JSON document (str or bytes, surrounding whitespace allowed); WireError if it is not JSON.

    >>> loads(b'[1,"a",NaN]\\n')[:2], loads("[[]]")
    ([1, 'a'], [[]])
    """
    import _json
    try:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8")
        start = len(text) - len(text.lstrip())
        value, end = _json.make_scanner(_ScanContext)(text, start)
    except StopIteration:
        raise WireError("not JSON: no value") from None
    except Exception as exc:  # ValueError, RecursionError, or SystemError on some truncated input
        raise WireError(f"not JSON: {type(exc).__name__}") from None
    if text[end:].strip():
        raise WireError("not JSON: extra data after the value")
    return value


def _plain_items(value):
    """Whether every item of a list is a plain JSON scalar sent as itself (the fast path: a list of
    10^6 ints crossed in 0.8 s item by item, issue 25)."""
    kinds = set(map(type, value))
    if kinds == {int}:
        return not value or (-_SMALL < min(value) and max(value) < _SMALL)
    if not kinds & {int, list, tuple, dict, set, frozenset} and kinds <= {str, float, bool, type(None)}:
        return True
    for x in value:
        kind = type(x)
        if kind is int:
            if not -_SMALL < x < _SMALL:
                return False
        elif kind not in _SCALAR_TYPES:
            return False
    return True


def to_wire(value, depth=0, lazy=None):
    """The JSON-able form of ``value``; NotPlainData for other types.

    Subclasses of the built-in types travel as their base type (a namedtuple as
    ``nt``). Iterators are consumed (at most MAX_DRAIN items), or with a
    ``lazy`` hook (iterator -> int handle) sent as ``["lz", handle]``. The
    result contains only JSON types.

    >>> to_wire(iter(range(3)))
    ['it', 0, 1, 2]
    >>> to_wire([iter("ab")], lazy=lambda it: 7)
    ['l', ['lz', 7]]
    """
    if depth > _MAX_DEPTH:
        raise NotPlainData("data nested too deeply")
    d = depth + 1
    if type(value) is list and _plain_items(value):
        return ["l", *value]
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        value = int.__index__(value)
        if value.bit_length() > _BIG:
            return ["i", int.__format__(value, "x")]
        return value
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (bytes, bytearray)):
        return ["ba" if isinstance(value, bytearray) else "b", bytes(value).hex()]
    if isinstance(value, complex):
        return ["c", complex.__complex__(value).real, complex.__complex__(value).imag]
    if isinstance(value, tuple):
        fields = getattr(type(value), "_fields", None)
        items = [to_wire(x, d, lazy) for x in tuple.__iter__(value)]
        if isinstance(fields, tuple) and all(type(f) is str for f in fields) and len(fields) == len(items):
            return ["nt", str(type(value).__name__), list(fields), *items]
        return ["t", *items]
    if isinstance(value, list):
        return ["l", *[to_wire(x, d, lazy) for x in list.__iter__(value)]]
    if isinstance(value, (set, frozenset)):
        return ["fs" if isinstance(value, frozenset) else "s", *[to_wire(x, d, lazy) for x in value]]
    if isinstance(value, dict):
        import sys
        collections = sys.modules.get("collections")  # not imported: no Counter exists
        tag = "d"
        if collections is not None and isinstance(value, collections.Counter):
            tag = "C"
        elif collections is not None and isinstance(value, collections.OrderedDict):
            tag = "od"
        flat = []
        for k, v in dict.items(value):
            flat += [to_wire(k, d, lazy), to_wire(v, d, lazy)]
        return [tag, *flat]
    if isinstance(value, range):
        return ["r", value.start, value.stop, value.step]
    kind = type(value)
    view = {type({}.keys()): "dk", type({}.values()): "dv", type({}.items()): "di"}.get(kind)
    if view:
        return [view, *[to_wire(x, d, lazy) for x in value]]
    from _collections import deque
    if isinstance(value, deque):
        return ["dq", *[to_wire(x, d, lazy) for x in value]]
    module = getattr(kind, "__module__", "")
    if module == "fractions" and kind.__name__ == "Fraction":
        return ["fr", to_wire(value.numerator, d), to_wire(value.denominator, d)]
    if module == "decimal" and kind.__name__ == "Decimal":
        return ["dec", str(value)]
    if hasattr(value, "__next__") and hasattr(value, "__iter__"):
        if lazy is not None:
            return ["lz", lazy(value)]
        items = []
        for x in value:
            if len(items) >= MAX_DRAIN:
                raise NotPlainData(f"an iterator of more than {MAX_DRAIN} items")
            items.append(to_wire(x, d))
        return ["it", *items]
    raise NotPlainData(f"a {kind.__name__!r}, not plain built-in data")


def _hashable(x):
    hash(x)  # TypeError for lists, dicts, sets
    return x


def marshalled(value):
    """``["m", base64 of marshal.dumps(value)]`` for data of exact built-in types (the trusted side's
    arguments: 10^6 ints cross in ~30 ms instead of ~400), else None (subclasses, iterators, objects).

    >>> from_wire(marshalled([1, (2, 3.5), {"a": {4}}]), marshal_ok=True)
    [1, (2, 3.5), {'a': {4}}]
    >>> marshalled(iter([])) is None
    True
    """
    import binascii
    import marshal
    try:
        return ["m", binascii.b2a_base64(marshal.dumps(value), newline=False).decode("ascii")]
    except (ValueError, TypeError, RecursionError):
        return None


def from_wire(data, depth=0, lazy=None, marshal_ok=False):
    """Build a value of this interpreter's built-in types from its wire form.

    Accepts only what :func:`to_wire` writes; anything else raises WireError
    (whatever went wrong: issue 25's namedtuple whose field names NFKC-normalise
    to the same identifier raised SyntaxError). ``["lz", handle]`` becomes
    ``lazy(handle)``, and is refused without a ``lazy`` hook; ``["m", ...]``
    (marshal, which is no parser for hostile data) only with ``marshal_ok``,
    which only the program's side passes. Never calls code that came from the
    other side.

    >>> from_wire(["l", ["lz", 3]], lazy=lambda h: ("pull", h))
    [('pull', 3)]
    """
    if depth > _MAX_DEPTH:
        raise WireError("nested too deeply")
    kind = type(data)
    if data is None or kind is bool or kind is int or kind is float or kind is str:
        return data
    if kind is not list or not data or type(data[0]) is not str:
        raise WireError(f"not a tagged value: {type(data).__name__}")
    tag, rest = data[0], data[1:]
    d = depth + 1
    if tag == "l" and _plain_items(rest):
        return rest
    if tag == "lz" and lazy is not None and len(rest) == 1 and type(rest[0]) is int:
        return lazy(rest[0])
    if tag == "m" and marshal_ok and len(rest) == 1 and type(rest[0]) is str:
        import binascii
        import marshal
        return marshal.loads(binascii.a2b_base64(rest[0]))
    try:
        if tag in ("l", "t", "s", "fs", "dq", "dk", "dv", "it"):
            items = [from_wire(x, d, lazy, marshal_ok) for x in rest]
            if tag == "l":
                return items
            if tag == "t":
                return tuple(items)
            if tag == "s":
                return {_hashable(x) for x in items}
            if tag == "fs":
                return frozenset(_hashable(x) for x in items)
            if tag == "dk":
                return dict.fromkeys(_hashable(x) for x in items).keys()
            if tag == "dv":
                return dict(enumerate(items)).values()
            if tag == "it":
                return iter(items)
            from _collections import deque
            return deque(items)
        if tag in ("d", "C", "od", "di"):
            if tag == "di":
                pairs = [from_wire(x, d, lazy, marshal_ok) for x in rest]
                if not all(type(p) is tuple and len(p) == 2 for p in pairs):
                    raise WireError("dict_items needs (key, value) pairs")
                return dict((_hashable(k), v) for k, v in pairs).items()
            if len(rest) % 2:
                raise WireError("a dict needs key, value pairs")
            items = [from_wire(x, d, lazy, marshal_ok) for x in rest]
            out = {_hashable(k): v for k, v in zip(items[0::2], items[1::2])}
            if tag == "d":
                return out
            import collections
            return collections.Counter(out) if tag == "C" else collections.OrderedDict(out)
        if tag == "nt":
            import collections
            name, fields, items = rest[0], rest[1], [from_wire(x, d, lazy, marshal_ok) for x in rest[2:]]
            if (type(name) is not str or type(fields) is not list or len(fields) > 1000
                    or not all(type(f) is str and len(f) < 200 for f in fields) or len(name) > 200):
                raise WireError("namedtuple needs a name and at most 1000 field names")
            cls = collections.namedtuple(name, fields, rename=True)  # validates the names
            return cls(*items)
        if tag == "i" and len(rest) == 1 and type(rest[0]) is str:
            return int(rest[0], 16)
        if tag in ("b", "ba") and len(rest) == 1 and type(rest[0]) is str:
            raw = bytes.fromhex(rest[0])
            return raw if tag == "b" else bytearray(raw)
        if tag == "c" and len(rest) == 2 and all(type(x) in (int, float) for x in rest):
            return complex(rest[0], rest[1])
        if tag == "r" and len(rest) == 3 and all(type(x) is int for x in rest):
            return range(*rest)
        if tag == "fr" and len(rest) == 2:
            import fractions
            num, den = from_wire(rest[0], d), from_wire(rest[1], d)
            if type(num) is not int or type(den) is not int:
                raise WireError("a Fraction needs two ints")
            return fractions.Fraction(num, den)
        if tag == "dec" and len(rest) == 1 and type(rest[0]) is str and len(rest[0]) < 5000:
            import decimal
            return decimal.Decimal(rest[0])
    except WireError:
        raise
    except Exception as exc:  # any failure to rebuild is a malformed value (namedtuple: SyntaxError too)
        raise WireError(f"bad {tag!r} value: {type(exc).__name__}") from None
    raise WireError(f"unknown or malformed tag {tag!r}")


def builtin_exception(exc, swallow=BaseException):
    """``(cls, text)``: the nearest built-in type an exception derives from, and its text (at most
    2,000 characters; ``""`` when ``str(exc)`` raises ``swallow``). What crosses the boundary of
    an exception the other side raised.

    >>> class Odd(KeyError):
    ...     def __str__(self):
    ...         raise RuntimeError
    >>> builtin_exception(Odd("x"))
    (<class 'KeyError'>, '')
    """
    import builtins

    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            break
    try:
        text = str(exc)[:2000]
    except swallow:
        text = ""
    return cls, text


def failure_text(exc, filename=None, where="line"):
    """``"Type at line N: message"`` for an exception, N the last traceback line (in ``filename``
    if given); never raises, even when ``str(exc)`` does."""
    line, tb = 0, exc.__traceback__
    while tb is not None:
        if filename is None or tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    try:
        return f"{type(exc).__name__} at {where} {line}: {exc}"
    except BaseException:
        return f"{type(exc).__name__} at {where} {line}"
