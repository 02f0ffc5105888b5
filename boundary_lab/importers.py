r"""Import samples produced by other evaluation tools into a sample store.

Formats (``FORMATS``), each read the way its tool writes it:

- ``qwen-eval``: the paper's evaluation output (Qwen2.5-Math ``math_eval.py`` and the
  paper's own harness, limit-of-RLVR, which writes one file per seed): one line per problem
  with ``idx``, ``question``, a list ``code`` of generations, the list ``pred`` of extracted
  answers, the list ``score`` of verdicts (kept as they are) and, where the harness records
  it, the list ``finish_reason`` (kept; otherwise ``"unknown"``).
- ``lm-eval``: lm-evaluation-harness ``--log_samples`` output: one line per document with
  ``doc_id``, ``doc``, ``target`` and ``resps`` (a list of lists of generations); files
  written before 0.4.3 are one JSON array of those objects, and are read too. With several
  filters the harness writes one line per (document, filter) with the same generations;
  those lines fold into one, quietly. The harness stores one metric per document, not per
  generation, so every generation is regraded with :func:`boundary_lab.verify.math.grade_math`.
- ``evalplus``: EvalPlus samples, a JSONL file (``task_id`` and ``solution`` or
  ``completion``) or a samples directory (``<task_id with / as _>/<i>.py``, whole
  programs, as ``evalplus.codegen`` writes it). Verdicts come from an EvalPlus
  ``eval_results.json`` (a sample is correct only when ``base_status`` and ``plus_status``
  are both ``"pass"``: HumanEval+ needs both), otherwise the generations are run against
  the registered benchmark's tests in the sandbox.
- ``livecodebench``: LiveCodeBench's ``*_eval_all.json`` (a JSON array, one object per
  problem with ``question_id``, ``question_content``, ``output_list``, ``code_list`` and
  ``graded_list``); ``graded_list`` holds the verdicts.
- ``verl``: verl validation dumps (``<step>.jsonl`` under ``trainer.validation_data_dir``):
  one line per generation with ``input`` (the prompt), ``output``, ``score`` and the reward
  function's extra keys. Lines with the same ``input`` are samples of one problem. The
  verdict is ``acc`` when the reward function reports it, else ``score > 0``.
- ``lighteval``: lighteval details (``details_<task>_<date>.parquet``), either schema:
  ``example``/``predictions``/``gold`` (up to 0.9) or ``doc``/``model_response`` (0.10 on).
  Rows are documents in order; every generation is regraded as a math answer against the gold.

Several files of one model (seed runs) concatenate: a problem's samples from the second file
follow those of the first, renumbered. The same file given twice is an error.

``benchmark`` maps imported ids to the registered benchmark's ids (``--benchmark math500``
turns qwen-eval's ``idx`` 0 into ``test/precalculus/807.json``): by problem text where the
format has it (exact after collapsing whitespace, else the benchmark problem whose text the
imported prompt contains), else by index. A text that matches several problems, none, or two
imported problems that map to one id are errors, never a guess.

Lines that cannot be read are skipped and reported with their line numbers; a file with no
readable line is an :class:`InputError`. Token counts are unknown for imported samples (-1).

>>> import json, tempfile
>>> path = tempfile.mktemp(suffix=".jsonl")
>>> _ = open(path, "w").write(json.dumps({"idx": 0, "code": ["a", "b"], "pred": ["1", "2"], "score": [True, False]})
...                          + "\n{broken\n")
>>> df, skipped = read_qwen_eval(path)
>>> df[["problem_id", "sample_id", "correct"]].values.tolist()
[['0', 0, True], ['0', 1, False]]
>>> [m.split(": ", 1)[1] for m in skipped]
["line 2: invalid JSON (Expecting property name enclosed in double quotes): '{broken'"]
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import pandas as pd

from .benchmarks.loaders import dataset_sha256, read_jsonl
from .errors import InputError
from .store import SampleStore
from .verify.code import grade_code_records

FORMATS = ("qwen-eval", "lm-eval", "evalplus", "livecodebench", "verl", "lighteval")
TEXT = "problem_text"  # a reader's column with each sample's problem text (for --benchmark); not stored
# Formats whose problem ids are indices into the benchmark (used when a record has no problem text).
_INDEXED = {"qwen-eval", "lm-eval", "lighteval"}


def _row(pid, j, completion, extracted=None, correct=None, finish_reason=None, text=None) -> dict:
    return {"problem_id": str(pid), "sample_id": j, "completion": completion, "n_tokens": -1,
            "finish_reason": finish_reason or "unknown",
            "extracted": None if extracted is None else str(extracted), "correct": correct, TEXT: text}


def _frame(rows: list[dict], path, skipped: list[str]) -> pd.DataFrame:
    if not rows:
        detail = f"; first problem: {skipped[0]}" if skipped else ""
        raise InputError(f"{path}: no readable samples{detail}")
    df = pd.DataFrame(rows)
    df["sample_id"] = df["sample_id"].astype("int32")
    df["n_tokens"] = df["n_tokens"].astype("int32")
    return df


def _json_array(path) -> list | None:
    """The records of a file that is one JSON array (old lm-eval, LiveCodeBench); None for JSONL."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(4096).lstrip()
            if not head.startswith("["):
                return None
            fh.seek(0)
            data = json.load(fh)
    except OSError as err:
        raise InputError(f"{path}: cannot open: {err.strerror or err}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a JSON array ({err})") from None
    return data if isinstance(data, list) else None


def _lines(path) -> Iterator[tuple[int, object, str | None]]:
    """``read_jsonl``'s (number, value, problem), also for a file that is one JSON array (item numbers)."""
    array = _json_array(path)
    if array is None:
        yield from read_jsonl(path)
        return
    for i, obj in enumerate(array, 1):
        yield i, obj, None if isinstance(obj, dict) else f"expected a JSON object, got {type(obj).__name__}"


def _records(path, key: str, skipped: list[str], fold=None) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each line that is a JSON object with a new ``key``; the
    other lines go to ``skipped`` with the reason. ``fold(first, again)``: True when a repeated
    key is the same record written again (dropped quietly)."""
    seen: dict[str, tuple[int, dict]] = {}
    for lineno, record, err in _lines(path):
        where = f"{path}: line {lineno}"
        if err:  # invalid JSON, or not an object
            skipped.append(f"{where}: {err}")
        elif key not in record:
            skipped.append(f"{where}: missing field {key!r}")
        elif str(record[key]) in seen:
            first_line, first = seen[str(record[key])]
            if not (fold and fold(first, record)):
                skipped.append(f"{where}: duplicate {key} {record[key]!r} (first on line {first_line})")
        else:
            seen[str(record[key])] = (lineno, record)
            yield lineno, record


def _doc_text(doc) -> str | None:
    """The problem text of a harness's document (``problem``, ``question``, ...), if it has one."""
    if isinstance(doc, str):
        return doc
    if isinstance(doc, dict):
        for key in ("problem", "question", "Problem", "Question", "query", "input", "prompt"):
            if isinstance(doc.get(key), str):
                return doc[key]
    return None


# ---------------------------------------------------------------- readers

def read_qwen_eval(path) -> tuple[pd.DataFrame, list[str]]:
    """Samples of a Qwen2.5-Math (or limit-of-RLVR) evaluation file, and the messages of skipped lines."""
    rows, skipped = [], []
    for lineno, rec in _records(path, "idx", skipped):
        code, pred, score = rec.get("code"), rec.get("pred"), rec.get("score")
        finish = rec.get("finish_reason")
        if not (isinstance(code, list) and isinstance(pred, list) and isinstance(score, list)):
            skipped.append(f"{path}: line {lineno}: 'code', 'pred' and 'score' must be lists")
        elif not len(code) == len(pred) == len(score) > 0:
            skipped.append(f"{path}: line {lineno}: lengths differ: code {len(code)}, pred {len(pred)}, "
                           f"score {len(score)}")
        elif not all(isinstance(c, str) for c in code) or not all(isinstance(s, bool) for s in score):
            skipped.append(f"{path}: line {lineno}: 'code' must hold strings and 'score' booleans")
        elif finish is not None and not (isinstance(finish, list) and len(finish) == len(code)):
            skipped.append(f"{path}: line {lineno}: 'finish_reason' must be a list as long as 'code'")
        else:
            finish = finish or [None] * len(code)
            text = rec.get("question") if isinstance(rec.get("question"), str) else None
            rows += [_row(rec["idx"], j, c, p, s, f, text)
                     for j, (c, p, s, f) in enumerate(zip(code, pred, score, finish))]
    return _frame(rows, path, skipped), skipped


def _same_generations(first: dict, again: dict) -> bool:
    """lm-eval writes a document once per filter: same doc_id and generations, another filter."""
    return first.get("filter") != again.get("filter") and first.get("resps") == again.get("resps")


def read_lm_eval(path, progress: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Samples of an lm-evaluation-harness ``--log_samples`` file (JSONL, or a JSON array before
    0.4.3), regraded as math answers."""
    rows, golds, skipped = [], [], []
    for lineno, rec in _records(path, "doc_id", skipped, fold=_same_generations):
        resps, target = rec.get("resps"), rec.get("target")
        flat = _generations(resps)  # generate_until with repeats: resps = [[gen_1, ..., gen_n]]
        if flat is None:
            skipped.append(f"{path}: line {lineno}: 'resps' must be a non-empty list of lists of strings")
        elif not _is_gold(target):
            skipped.append(f"{path}: line {lineno}: 'target' must be a string or a number, got {target!r}")
        else:
            text = _doc_text(rec.get("doc"))
            rows += [_row(rec["doc_id"], j, g, text=text) for j, g in enumerate(flat)]
            golds += [target] * len(flat)
    df = _frame(rows, path, skipped)
    _regrade(df, golds, progress)
    return df, skipped


def _generations(value) -> list[str] | None:
    """A list (of lists) of generated strings, flattened; None when it is not one."""
    if not isinstance(value, list):
        return None
    flat = [g for group in value for g in (group if isinstance(group, list) else [group])]
    return flat if flat and all(isinstance(g, str) for g in flat) else None


def _is_gold(value) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _regrade(df: pd.DataFrame, golds: list, progress: bool) -> None:
    from .verify.math import grade_math

    grades = grade_math(list(zip(golds, df["completion"])), progress=progress)
    df["extracted"] = [g.extracted for g in grades]
    df["correct"] = [bool(g.correct) for g in grades]


def read_livecodebench(path) -> tuple[pd.DataFrame, list[str]]:
    """Samples of a LiveCodeBench ``*_eval_all.json``, with its ``graded_list`` verdicts."""
    rows, skipped = [], []
    if _json_array(path) is None:
        raise InputError(f"{path}: not a LiveCodeBench eval_all.json (a JSON array of problems)")
    for lineno, rec in _records(path, "question_id", skipped):
        codes, outputs, graded = rec.get("code_list"), rec.get("output_list"), rec.get("graded_list")
        outputs = outputs if outputs is not None else codes
        if not (isinstance(codes, list) and isinstance(outputs, list) and isinstance(graded, list)):
            skipped.append(f"{path}: item {lineno}: 'code_list', 'output_list' and 'graded_list' must be lists")
        elif not len(codes) == len(outputs) == len(graded) > 0:
            skipped.append(f"{path}: item {lineno}: lengths differ: code_list {len(codes)}, "
                           f"output_list {len(outputs)}, graded_list {len(graded)}")
        elif not all(isinstance(g, bool) for g in graded) or not all(isinstance(c, str) for c in codes + outputs):
            skipped.append(f"{path}: item {lineno}: 'graded_list' must hold booleans and the lists strings")
        else:
            text = rec.get("question_content") if isinstance(rec.get("question_content"), str) else None
            rows += [_row(rec["question_id"], j, out, code, ok, text=text)
                     for j, (out, code, ok) in enumerate(zip(outputs, codes, graded))]
    return _frame(rows, path, skipped), skipped


def read_verl(path) -> tuple[pd.DataFrame, list[str]]:
    """Samples of a verl validation dump; lines with one ``input`` are samples of one problem."""
    rows, skipped, ids, counter = [], [], {}, defaultdict(int)
    for lineno, rec, err in read_jsonl(path):
        where = f"{path}: line {lineno}"
        if err:
            skipped.append(f"{where}: {err}")
            continue
        prompt, output, acc, score = rec.get("input"), rec.get("output"), rec.get("acc"), rec.get("score")
        verdict = acc if acc is not None else score
        if not (isinstance(prompt, str) and isinstance(output, str)):
            skipped.append(f"{where}: 'input' and 'output' must be strings")
        elif not isinstance(verdict, (bool, int, float)):
            skipped.append(f"{where}: need a number 'score' (or 'acc'), got {verdict!r}")
        else:
            pid = ids.setdefault(prompt, str(len(ids)))
            correct = bool(acc) if acc is not None else score > 0
            pred = rec.get("pred")
            rows.append(_row(pid, counter[pid], output, pred if isinstance(pred, str) else None, correct,
                             text=prompt))
            counter[pid] += 1
    return _frame(rows, path, skipped), skipped


def read_lighteval(path, progress: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Samples of a lighteval details parquet (either schema), regraded as math answers."""
    import pyarrow

    try:
        table = pd.read_parquet(path)
    except (OSError, pyarrow.ArrowException, ValueError) as err:
        raise InputError(f"{path}: not a lighteval details parquet ({type(err).__name__}: {err})") from None
    rows, golds, skipped = [], [], []
    new = "model_response" in table.columns and "doc" in table.columns
    if not new and not {"predictions", "gold"} <= set(table.columns):
        raise InputError(f"{path}: not a lighteval details file: columns {sorted(table.columns)}, need "
                         "'predictions' and 'gold' (lighteval <= 0.9) or 'doc' and 'model_response'")
    for i, rec in enumerate(table.to_dict("records")):
        if new:
            doc, response = _plain(rec["doc"]), _plain(rec["model_response"])
            texts = response.get("text") if isinstance(response, dict) else None
            gold = _lighteval_gold(doc)
            query = doc.get("query") if isinstance(doc, dict) else None
        else:
            texts, gold, query = _plain(rec["predictions"]), _plain(rec["gold"]), rec.get("example")
            gold = gold[0] if isinstance(gold, list) and gold else gold
        flat = _generations(texts)
        if flat is None:
            skipped.append(f"{path}: row {i}: no generations (a list of strings)")
        elif not _is_gold(gold):
            skipped.append(f"{path}: row {i}: no gold answer, got {gold!r}")
        else:
            rows += [_row(i, j, t, text=query if isinstance(query, str) else None) for j, t in enumerate(flat)]
            golds += [gold] * len(flat)
    df = _frame(rows, path, skipped)
    _regrade(df, golds, progress)
    return df, skipped


def _plain(value):
    """Parquet's nested values as plain Python: numpy arrays become lists, recursively."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _lighteval_gold(doc) -> str | None:
    """A lighteval ``Doc``'s gold: ``choices[gold_index]`` (a math task has one choice, the answer)."""
    if not isinstance(doc, dict):
        return None
    choices, index = doc.get("choices"), doc.get("gold_index")
    if isinstance(index, list) and index:
        index = index[0]
    if isinstance(choices, list) and isinstance(index, int) and 0 <= index < len(choices):
        return choices[index]
    return None


def read_evalplus(path, results=None, benchmark: str = "humaneval") -> tuple[pd.DataFrame, list[str]]:
    """Samples of an EvalPlus sample file or samples directory, with verdicts from ``results``
    (base and plus must both pass) or from the sandbox."""
    rows, skipped = (_evalplus_dir(path) if Path(path).is_dir() else _evalplus_file(path))
    df = _frame(rows, path, skipped)
    if results is not None:
        verdicts = _evalplus_verdicts(results)
        missing = [(t, j) for t, j in zip(df["problem_id"], df["sample_id"]) if (t, j) not in verdicts]
        if missing:
            raise InputError(f"{results}: no verdict for {missing[0][0]} sample {missing[0][1]} "
                             f"({len(missing)} samples lack one)")
        df["correct"] = [verdicts[(t, j)] for t, j in zip(df["problem_id"], df["sample_id"])]
    else:
        from . import benchmarks

        problems = {p["problem_id"]: p for p in benchmarks.load_benchmark(benchmark)}
        unknown = sorted(set(df["problem_id"]) - set(problems))
        if unknown:
            raise InputError(f"{path}: task_id {unknown[0]!r} is not in benchmark {benchmark!r}")
        records = [{"prompt": "" if sol else problems[t]["prompt"], "completion": c,
                    "test": problems[t]["test"], "entry_point": problems[t]["entry_point"]}
                   for t, c, sol in zip(df["problem_id"], df["completion"], df["is_solution"])]
        df["correct"] = [bool(r["passed"]) for r in grade_code_records(records)]
    df["extracted"] = df["completion"]
    return df.drop(columns="is_solution"), skipped


def _evalplus_file(path) -> tuple[list[dict], list[str]]:
    rows, skipped, counter = [], [], defaultdict(lambda: -1)
    for lineno, rec, err in read_jsonl(path):
        where = f"{path}: line {lineno}"
        if err and rec is None:  # invalid JSON
            skipped.append(f"{where}: {err}")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("task_id"), str):
            skipped.append(f"{where}: need a JSON object with a string 'task_id'")
            continue
        code = rec.get("solution", rec.get("completion"))
        if not isinstance(code, str):
            skipped.append(f"{where}: need a string 'solution' or 'completion'")
            continue
        tid = rec["task_id"]
        counter[tid] += 1
        rows.append({**_row(tid, counter[tid], code), "is_solution": "solution" in rec})
    return rows, skipped


_SAMPLE_FILE = re.compile(r"(\d+)\.py")


def _evalplus_dir(path) -> tuple[list[dict], list[str]]:
    """``evalplus.codegen``'s directory: ``HumanEval_0/0.py``, ... (whole programs); ids keep their order."""
    rows, skipped = [], []
    for task_dir in sorted(p for p in Path(path).iterdir() if p.is_dir()):
        files = {}
        for f in task_dir.iterdir():
            m = _SAMPLE_FILE.fullmatch(f.name)
            if m and f.is_file():
                files[int(m.group(1))] = f
            else:
                skipped.append(f"{f}: not a sample file <number>.py")
        tid = task_dir.name.replace("_", "/")  # evalplus writes task_id with '/' as '_'
        for j, number in enumerate(sorted(files)):
            try:
                code = files[number].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                skipped.append(f"{files[number]}: cannot read ({err})")
                continue
            rows.append({**_row(tid, j, code), "is_solution": True})
    return rows, skipped


def _evalplus_verdicts(results) -> dict[tuple[str, int], bool]:
    """(task_id, sample) -> correct, from EvalPlus's eval_results.json: base AND plus must pass."""
    try:
        data = json.loads(Path(results).read_text(encoding="utf-8"))
        out = {}
        for tid, samples in data["eval"].items():
            for j, s in enumerate(samples):
                if s.get("plus_status") is None:
                    raise InputError(f"{results}: {tid} sample {j} has no plus_status: HumanEval+/MBPP+ "
                                     "verdicts need both the base and the plus tests (run evalplus.evaluate "
                                     "without --base-only)")
                out[(str(tid), j)] = s["base_status"] == "pass" and s["plus_status"] == "pass"
        return out
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"{results}: not an EvalPlus eval_results.json ({type(err).__name__}: {err})") from None


# ---------------------------------------------------------------- ids and several files

def _norm_text(text: str) -> str:
    return " ".join(str(text).split())


def map_to_benchmark(df: pd.DataFrame, benchmark: str, by_index: bool, where) -> pd.DataFrame:
    """``df`` with its problem ids replaced by ``benchmark``'s: by problem text (column ``TEXT``)
    where there is one, else by index (when ``by_index``). Ambiguous or missing matches are errors.

    >>> df = pd.DataFrame({"problem_id": ["1", "0"], TEXT: [None, None]})
    >>> map_to_benchmark(df, "gsm8k", True, "f.jsonl")["problem_id"].tolist()
    ['1', '0']
    """
    from . import benchmarks

    problems = benchmarks.load_benchmark(benchmark)
    ids = [str(p["problem_id"]) for p in problems]
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(problems):
        text = _doc_text(p)
        if text:
            by_text[_norm_text(text)].append(i)
    mapping: dict[str, str] = {}
    firsts = df.drop_duplicates("problem_id")
    texts = firsts[TEXT] if TEXT in firsts.columns else [None] * len(firsts)
    for pid, text in zip(firsts["problem_id"], texts):
        index = int(pid) if by_index and re.fullmatch(r"\d+", str(pid)) else None
        candidates = _text_matches(by_text, text) if isinstance(text, str) and text.strip() else None
        if candidates is None:
            if index is None or index >= len(ids):
                raise InputError(f"{where}: problem {pid!r}: no problem text, and {pid!r} is not an index of "
                                 f"{benchmark} (0..{len(ids) - 1})")
            chosen = index
        elif not candidates:
            raise InputError(f"{where}: problem {pid!r}: its text matches no problem of {benchmark}: "
                             f"{_norm_text(text)[:80]!r}")
        elif len(candidates) == 1:
            chosen = candidates[0]
        elif index in candidates:
            chosen = index  # the same text twice in the benchmark: the index decides
        else:
            raise InputError(f"{where}: problem {pid!r}: its text matches {len(candidates)} problems of "
                             f"{benchmark} ({', '.join(ids[i] for i in candidates[:3])}): ambiguous")
        mapping[str(pid)] = ids[chosen]
    clash = pd.Series(mapping).duplicated(keep=False)
    if clash.any():
        twins = sorted(pd.Series(mapping)[clash].items(), key=lambda kv: kv[1])[:2]
        raise InputError(f"{where}: problems {twins[0][0]!r} and {twins[1][0]!r} both map to {benchmark} "
                         f"problem {twins[0][1]!r}")
    return df.assign(problem_id=df["problem_id"].astype(str).map(mapping))


def _text_matches(by_text: dict[str, list[int]], text: str) -> list[int]:
    """Benchmark problems whose text is the imported text, else the longest ones it contains."""
    norm = _norm_text(text)
    if norm in by_text:
        return by_text[norm]
    inside = [key for key in by_text if key in norm]
    if not inside:
        return []
    longest = max(len(key) for key in inside)
    return sorted(i for key in inside if len(key) == longest for i in by_text[key])


def concatenate(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Samples of several files (seed runs) of one model: each problem's samples renumbered in file order.

    >>> a = pd.DataFrame({"problem_id": ["0", "0", "1"], "sample_id": [0, 1, 0]})
    >>> concatenate([a, a.copy()]).values.tolist()
    [['0', 0], ['0', 1], ['1', 0], ['0', 2], ['0', 3], ['1', 1]]
    """
    out, offset = [], defaultdict(int)
    for df in frames:
        df = df.copy()
        base = df["problem_id"].map(lambda p: offset[p])
        df["sample_id"] = (base + df.groupby("problem_id").cumcount()).astype("int32")
        for pid, size in df.groupby("problem_id").size().items():
            offset[pid] += int(size)
        out.append(df)
    return pd.concat(out, ignore_index=True)


def read_file(fmt: str, path, benchmark: str | None = None, results=None,
              progress: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """One file (or EvalPlus directory) of format ``fmt``, as samples, and the skipped-line messages."""
    if fmt == "qwen-eval":
        return read_qwen_eval(path)
    if fmt == "lm-eval":
        return read_lm_eval(path, progress=progress)
    if fmt == "evalplus":
        return read_evalplus(path, results, benchmark or "humaneval")
    if fmt == "livecodebench":
        return read_livecodebench(path)
    if fmt == "verl":
        return read_verl(path)
    if fmt == "lighteval":
        return read_lighteval(path, progress=progress)
    raise InputError(f"unknown import format {fmt!r}; known: {', '.join(FORMATS)}")


def _source_digest(path) -> str:
    p = Path(path)
    if p.is_dir():
        import hashlib

        digest = hashlib.sha256()
        for f in sorted(p.rglob("*.py")):
            digest.update(str(f.relative_to(p)).encode() + b"\0" + f.read_bytes())
        return digest.hexdigest()
    return dataset_sha256(p)


def import_samples(fmt: str, path, out, model: str, benchmark: str | None = None, results=None,
                   progress: bool = False) -> tuple[SampleStore, list[str]]:
    """Read ``path`` (one file, or a list of files of one model: seed runs) in format ``fmt``
    and write it as a new sample store ``out``.

    Returns the store (read-only) and the messages of skipped lines. ``benchmark``: the
    registered benchmark whose ids the problems get (evalplus: whose tests to run; its task
    ids are the benchmark's already).
    """
    from . import benchmarks

    paths = [path] if isinstance(path, (str, Path)) else list(path)
    if not paths:
        raise InputError("import: no input files")
    digests = {}
    for p in paths:
        if not Path(p).exists():
            raise InputError(f"{p}: no such file")
        digest = _source_digest(p)
        if digest in digests:
            raise InputError(f"{p}: the same samples as {digests[digest]} (a file given twice would duplicate them)")
        digests[digest] = p
    if results is not None and len(paths) > 1:
        raise InputError("results: one eval_results.json belongs to one samples file; import the files one by one")
    frames, skipped = [], []
    for p in paths:
        df, lines = read_file(fmt, p, benchmark=benchmark, results=results, progress=progress)
        if benchmark and fmt != "evalplus":
            df = map_to_benchmark(df, benchmark, fmt in _INDEXED, p)
        frames.append(df)
        skipped += lines
    df = concatenate(frames).drop(columns=[TEXT], errors="ignore")
    sizes = df.groupby("problem_id").size()
    described = benchmark and fmt != "livecodebench"
    info = benchmarks.benchmark_info(benchmark) if described else {
        "name": benchmark or Path(paths[0]).name, "path": str(Path(paths[0]).resolve()),
        "sha256": _source_digest(paths[0])}
    manifest = {"model": model, "template": "imported", "benchmark": info,
                # What is known of the sampling: the source format and the samples per problem.
                "sampling": {"imported_from": fmt, "n": int(sizes.max()) if sizes.nunique() == 1 else None},
                "imported": {"format": fmt, "sources": [{"path": str(p), "sha256": digests_key}
                                                        for digests_key, p in digests.items()],
                             "results": str(results) if results else None, "skipped_lines": len(skipped)}}
    with SampleStore.create(out, manifest) as store:
        store.write_shard(df)
    return SampleStore.open(out), skipped
