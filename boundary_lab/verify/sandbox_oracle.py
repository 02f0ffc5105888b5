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
    job["helpers_text"], job["test_text"] = job["helpers"], job["test"]
    for name in ("helpers", "test"):
        try:
            job[name] = compile(job[name], f"<{name}>", "exec")
        except BaseException as exc:
            report(b"E", f"the {name} code does not compile: {type(exc).__name__}: {exc}")
    helpers, test = job["helpers"], job["test"]

    answers = os.fdopen(resp_fd, "rb", buffering=1 << 20)
    max_bytes = job["max_message_bytes"]
    # (kind, reason) pairs: the run fails whatever the test code does. Kind "E" (the test itself
    # cannot run) is only ever recorded by the oracle; a reason the program sends is always "F".
    failed = []

    def receive():
        line = answers.readline(max_bytes + 1)
        why = None
        if not line:
            why = "the program exited or closed its channel"
        elif len(line) > max_bytes:
            why = f"an answer of more than {max_bytes} bytes"
        elif not line.endswith(b"\n"):
            why = "the program exited in the middle of an answer"
        else:
            try:
                message = loads(line)
            except WireError as exc:
                why = f"malformed answer: {exc}"
            else:
                if type(message) is list and message:
                    return message
                why = "malformed answer"
        failed.append(("F", why))
        raise VerdictFailed(why)

    try:
        first = receive()
        if first[:1] == ["S"] and len(first) == 2 and type(first[1]) is str:
            report(b"S", first[1])
        if first != ["R"]:
            report(b"F", "the program's sandbox did not start")
        loaded = receive()
    except VerdictFailed:
        report(b"F", failed[-1][1])
    if loaded[:1] == ["X"] and len(loaded) == 2 and type(loaded[1]) is str:
        report(b"F", f"the program raised {loaded[1]}")
    try:  # anything wrong with the load message is the program's failure, never a crash of the oracle
        if loaded[:1] != ["L"] or len(loaded) != 3 or type(loaded[1]) is not list:
            raise WireError("not a load message")
        imported = from_wire(loaded[2])
        if type(imported) is not dict or not all(type(k) is str and type(v) is str for k, v in imported.items()):
            raise WireError("bad module list")
        defined = {n for n in loaded[1] if type(n) is str and n.isidentifier()}
    except Exception:
        report(b"F", "malformed load message from the program")

    calls = [0]
    exception_types = {
        name: cls for name, cls in vars(builtins).items()
        if isinstance(cls, type) and issubclass(cls, Exception)
        and not issubclass(cls, (StopIteration, StopAsyncIteration))}

    # One exchange at a time, even from a test's threads; reentrant, because serving the program's
    # callbacks (pulling a generator the test passed) may call the program again from this thread.
    channel = _thread.RLock()
    stop = object()
    arg_iterators = {}  # handle -> iterator the test passed, pulled by the program

    def fail(text, kind="F"):
        """Record why the run fails (kind "E": the test itself cannot run) and raise VerdictFailed."""
        failed.append((kind, text))
        raise VerdictFailed(text)

    def lazy_argument(iterator):
        handle = len(arg_iterators) + 1
        arg_iterators[handle] = iterator
        return handle

    # random shared with the program: once the test seeds it (random.seed / setstate), each call
    # carries the oracle's state to the program and brings the advanced state back, so the
    # candidate draws what it would draw in the test's process (issue 25). The state that comes
    # back is adopted only if it continues the stream that was sent (at most 2**20 words on).
    random_shared = [False]
    rng = None
    if "random" in job["test_text"] or "random" in job["helpers_text"]:
        import random as rng
        for hook in ("seed", "setstate"):
            def shared(*args, __original=getattr(rng, hook), **kwargs):
                random_shared[0] = True
                return __original(*args, **kwargs)
            setattr(rng, hook, shared)

    def continues(sent, back):
        """Whether state ``back`` is ``sent`` advanced by a whole number of 32-bit words (<= 2**20)."""
        if (type(back) is not tuple or len(back) != 3 or back[0] != sent[0] or type(back[1]) is not tuple
                or len(back[1]) != len(sent[1]) or not all(type(x) is int for x in back[1])
                or not (back[2] is None or type(back[2]) is float)):
            return False
        probe = rng.Random()
        probe.setstate(sent)
        for _ in range(625):  # reach the word position of `back`...
            state = probe.getstate()
            if state[1][-1] == back[1][-1]:
                break
            probe.getrandbits(32)
        for _ in range((1 << 20) // 624):  # ...then whole turns of the generator
            if state[1] == back[1]:
                return True
            probe.getrandbits(32 * 624)
            state = probe.getstate()
        return False

    def service(message):
        """Answer the program's callback ``["cb", kind, ...]`` (trusted test code runs here)."""
        kind = message[1] if len(message) > 1 else None
        try:
            if kind == "next" and len(message) == 3 and message[2] in arg_iterators:
                reply = ["cbr", "ok", to_wire(next(arg_iterators[message[2]]), 0, lazy_argument)]
            elif kind == "input" and len(message) == 3 and (message[2] is None or type(message[2]) is str):
                line = builtins.input() if message[2] is None else builtins.input(message[2])
                reply = ["cbr", "ok", to_wire(line, 0, lazy_argument)]
            elif (kind == "stdin" and len(message) == 4 and message[2] in ("read", "readline", "readlines")
                  and type(message[3]) is int):
                reply = ["cbr", "ok", to_wire(getattr(sys.stdin, message[2])(message[3]), 0, lazy_argument)]
            else:
                fail("malformed callback from the program")
        except StopIteration:
            reply = ["cbr", "stop"]
        except NotPlainData as exc:
            fail(f"the test passed an item that cannot cross the boundary: {exc}", "E")
        except Exception as exc:  # the test's code raised: the candidate sees it, as in one process
            cls, text = builtin_exception(exc, swallow=Exception)  # sandbox_wire's text runs first
            reply = ["cbr", "exc", cls.__name__, text]
        send(reply)

    def send(message):
        data = (dumps(message) + "\n").encode()
        try:
            while data:
                data = data[write(call_fd, data):]
        except OSError:
            fail("the program exited or closed its channel")

    def exchange(request, name, state):
        """Send a request, serve callbacks until its reply, and return the rebuilt result."""
        if failed:
            raise VerdictFailed(failed[0][1])
        send(request)
        while True:
            answer = receive()
            if answer[0] == "cb":
                service(answer)
                continue
            break
        call_id = request[0]
        if len(answer) < 3 or answer[0] != call_id or type(answer[1]) is not str:
            fail("malformed answer from the program")
        kind = answer[1]
        if kind == "bad" and len(answer) == 3 and type(answer[2]) is str:
            fail(answer[2])  # kind "F": a reason the program writes is never an "E"
        shapes = {"ok": 4, "stop": 3, "exc": 6}
        if shapes.get(kind) != len(answer) or type(answer[-1]) is not dict:
            fail("malformed answer from the program")
        try:  # any exception while rebuilding or checking the answer: a malformed answer, a failure
            extras = answer[-1]
            for key, stream in (("out", sys.stdout), ("err", sys.stderr)):
                text = extras.get(key, "")
                if type(text) is not str:
                    raise WireError(f"bad {key}")
                if text:
                    stream.write(text)
            if state is not None:
                back = from_wire(extras["rs"]) if "rs" in extras else None
                if continues(state, back):
                    rng.setstate(back)
            if kind == "ok":
                return from_wire(answer[2], 0, lambda handle: RemoteIterator(handle, name))
            if kind == "stop":
                return stop
            if type(answer[2]) is not str or type(answer[3]) is not str:
                raise WireError("bad exception")
            cls = exception_types.get(answer[2])
            error = None
            if cls is not None:
                args = from_wire(answer[4]) if answer[4] is not None else None
                for attempt in ((args,) if type(args) is tuple else ()) + ((answer[3],),):
                    try:
                        error = cls(*attempt)
                        break
                    except Exception:
                        continue
        except VerdictFailed:
            raise
        except BaseException as exc:
            fail(f"{name} sent a malformed answer: {type(exc).__name__}")
        raise error or CandidateError(f"{answer[2]}: {answer[3]}")

    class RemoteIterator:
        """An iterator the program returned: each ``next`` pulls one item across the boundary."""

        def __init__(self, handle, name):
            self._handle, self._name, self._done = handle, name, False

        def __iter__(self):
            return self

        def __next__(self):
            if self._done:
                raise StopIteration
            with channel:
                calls[0] += 1
                item = exchange([calls[0], "next", self._handle], self._name, None)
            if item is stop:
                self._done = True
                raise StopIteration
            return item

        def __repr__(self):
            return f"<iterator returned by {self._name}>"

    def make_proxy(name):
        def candidate(*args, **kwargs):
            try:  # serialised before the channel is taken: a generator argument may call the program too
                wire_args = ["l", *[marshalled(a) or to_wire(a, 0, lazy_argument) for a in args]]
                wire_kwargs = ["d", *[x for k, v in kwargs.items()
                                      for x in (k, marshalled(v) or to_wire(v, 0, lazy_argument))]]
            except (NotPlainData, ValueError, RecursionError) as exc:
                fail(f"the test passed {name} an argument that cannot cross the boundary: {exc}", "E")
            with channel:
                calls[0] += 1
                state = rng.getstate() if random_shared[0] else None
                extras = {"rs": to_wire(state)} if state is not None else {}
                return exchange([calls[0], "call", name, wire_args, wire_kwargs, extras], name, state)
        candidate.__name__ = candidate.__qualname__ = name
        return candidate

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
        kind, reason = failed[0]
        report(kind.encode(), reason)
    report(b"P")


if __name__ == "__main__":
    _oracle(__import__("sys").argv)
