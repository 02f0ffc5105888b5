"""The trusted test oracle: runs the tests in its own sandbox, never the program (stdlib only).

The launcher (:mod:`boundary_lab.verify.sandbox`) runs this file's text, after
the text of :mod:`boundary_lab.verify.sandbox_wire`, with
``python -I -S -B -c <text> CTRL_FD RESP_FD CALL_FD REPORT_FD`` in a sandbox of
its own. It

1. reads the job from CTRL_FD: the trusted ``helpers`` (HumanEval's prompt,
   MBPP's setup code), the ``test`` code and the ``entry_point``; the
   program's text never enters this process;
2. reads the program sandbox's first messages from RESP_FD: ``["R"]`` or
   ``["S", error]`` (written before any program code ran), then ``["L",
   names, modules]`` or ``["X", error]``;
3. runs ``helpers`` in a fresh namespace with this interpreter's own builtins
   and modules, binds the entry point (and every other name the test code
   uses that the program defines and neither the helpers nor the builtins do)
   to a *proxy*, and runs the test code;
4. writes the verdict to REPORT_FD: ``P`` (the test code returned), ``F<why>``,
   ``S<syntax error>`` or ``E<why the test itself could not run>``.

A proxy call sends ``[id, name, args, kwargs]`` to the program on CALL_FD and
reads the answer from RESP_FD with :func:`from_wire`, which builds only this
interpreter's built-in types. An exception the program raised comes back as
the built-in type it derives from (``StopIteration`` and non-``Exception``
types as :class:`CandidateError`, so a raised ``StopIteration`` cannot end a
test's ``map`` early). A result that is not plain data, a malformed answer, a
lost program or an argument the test passes that cannot cross the boundary
fails the run even if the test code catches the exception it raises.
"""


class CandidateError(Exception):
    """The program raised an exception that is not re-raised as its own type."""


class VerdictFailed(BaseException):
    """The run has failed whatever the test does (a BaseException: ``except Exception`` can't hide it)."""


def _oracle(argv):
    import _thread
    import builtins
    import os
    import resource
    import sys

    ctrl_fd, resp_fd, call_fd, report_fd = (int(a) for a in argv[1:5])
    write = os.write

    def report(kind, text=""):
        """Write the verdict and end the oracle (the test's prints are flushed first)."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            write(report_fd, kind + text.replace("\n", " ")[:2000].encode("utf-8", "replace") + b"\n")
        except OSError:
            pass
        os._exit(0)

    with os.fdopen(ctrl_fd, "rb") as handle:
        job = loads(handle.read())
    if job.get("nondumpable"):  # rlimit mode: the program has our uid; this stops its ptrace
        import ctypes  # trusted process: ctypes here is no hole
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    for which, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_CPU, job["cpu_s"])):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
    for name in ("helpers", "test"):
        try:
            job[name] = compile(job[name], f"<{name}>", "exec")
        except BaseException as exc:
            report(b"E", f"the {name} code does not compile: {type(exc).__name__}: {exc}")
    helpers, test = job["helpers"], job["test"]

    answers = os.fdopen(resp_fd, "rb", buffering=1 << 16)
    max_bytes = job["max_message_bytes"]
    failed = []  # reasons the run fails whatever the test code does

    def receive():
        line = answers.readline(max_bytes + 1)
        if not line:
            failed.append("the program exited or closed its channel")
            raise VerdictFailed(failed[-1])
        if len(line) > max_bytes:
            failed.append(f"an answer of more than {max_bytes} bytes")
            raise VerdictFailed(failed[-1])
        if not line.endswith(b"\n"):
            failed.append("the program exited in the middle of an answer")
            raise VerdictFailed(failed[-1])
        try:
            message = loads(line)
        except WireError as exc:
            failed.append(f"malformed answer: {exc}")
            raise VerdictFailed(failed[-1]) from None
        if type(message) is not list or not message:
            failed.append("malformed answer")
            raise VerdictFailed(failed[-1])
        return message

    try:
        first = receive()
        if first[:1] == ["S"] and len(first) == 2 and type(first[1]) is str:
            report(b"S", first[1])
        if first != ["R"]:
            report(b"F", "the program's sandbox did not start")
        loaded = receive()
    except VerdictFailed:
        report(b"F", failed[-1])
    if loaded[:1] == ["X"] and len(loaded) == 2 and type(loaded[1]) is str:
        report(b"F", f"the program raised {loaded[1]}")
    try:
        if loaded[:1] != ["L"] or len(loaded) != 3 or type(loaded[1]) is not list:
            raise WireError("not a load message")
        imported = from_wire(loaded[2])
        if type(imported) is not dict or not all(type(k) is str and type(v) is str for k, v in imported.items()):
            raise WireError("bad module list")
    except WireError:
        report(b"F", "malformed load message from the program")
    defined = {n for n in loaded[1] if type(n) is str and n.isidentifier()}

    calls = [0]
    exception_types = {
        name: cls for name, cls in vars(builtins).items()
        if isinstance(cls, type) and issubclass(cls, Exception)
        and not issubclass(cls, (StopIteration, StopAsyncIteration))}

    channel = _thread.allocate_lock()  # one call at a time, even from a test's threads

    def make_proxy(name):
        def candidate(*args, **kwargs):
            with channel:
                return call(name, args, kwargs)
        candidate.__name__ = candidate.__qualname__ = name
        return candidate

    def call(name, args, kwargs):
        if failed:
            raise VerdictFailed(failed[0])
        calls[0] += 1
        call_id = calls[0]
        try:
            request = dumps([call_id, name, to_wire(list(args)), to_wire(dict(kwargs))])
        except (NotPlainData, ValueError, RecursionError) as exc:
            failed.append(f"E:the test passed {name} an argument that cannot cross the boundary: {exc}")
            raise VerdictFailed(failed[-1]) from None
        data = (request + "\n").encode()
        try:
            while data:
                data = data[write(call_fd, data):]
        except OSError:
            failed.append("the program exited or closed its channel")
            raise VerdictFailed(failed[-1]) from None
        answer = receive()
        if len(answer) < 3 or answer[0] != call_id or type(answer[1]) is not str:
            failed.append("malformed answer from the program")
            raise VerdictFailed(failed[-1])
        kind = answer[1]
        if kind == "ok" and len(answer) == 3:
            try:
                return from_wire(answer[2])
            except WireError as exc:
                failed.append(f"{name} returned a malformed value: {exc}")
                raise VerdictFailed(failed[-1]) from None
        if kind == "exc" and len(answer) == 4 and type(answer[2]) is str and type(answer[3]) is str:
            cls = exception_types.get(answer[2])
            try:
                error = cls(answer[3]) if cls is not None else None
            except Exception:
                error = None
            raise error or CandidateError(f"{answer[2]}: {answer[3]}")
        if kind == "bad" and len(answer) == 3 and type(answer[2]) is str:
            failed.append(answer[2])
        else:
            failed.append("malformed answer from the program")
        raise VerdictFailed(failed[-1])

    def used_names(code):
        names = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, type(used_names.__code__)):
                names |= used_names(const)
        return names

    namespace = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(helpers, namespace)
    except BaseException as exc:
        report(b"E", f"the trusted helpers raised {type(exc).__name__}: {exc}")
    entry = job.get("entry_point")
    proxied = {n for n in used_names(test) & defined
               if n not in namespace and not hasattr(builtins, n) and not n.startswith("__")}
    if entry:
        if entry not in defined:
            report(b"F", f"the program defines no function {entry!r}")
        proxied.add(entry)
    # A module the test uses without importing it, relying on the program's `import math`
    # (MBPP's `math.isclose` asserts): the oracle imports its own, trusted module of that very
    # name (never an alias the program chose, which could swap in a laxer module).
    for name in used_names(test) & set(imported):
        if imported[name] == name and name not in namespace and not hasattr(builtins, name):
            try:
                namespace[name] = __import__(name)
            except Exception:
                pass
    for name in proxied:
        namespace[name] = make_proxy(name)
    try:
        exec(test, namespace)
    except BaseException as exc:
        if not failed:
            report(b"F", failure_text(exc, "<test>", "test line"))
    if failed:
        reason = failed[0]
        report(b"E", reason[2:]) if reason.startswith("E:") else report(b"F", reason)
    report(b"P")


if __name__ == "__main__":
    _oracle(__import__("sys").argv)
