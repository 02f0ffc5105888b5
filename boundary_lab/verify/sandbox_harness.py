"""The harness that runs *inside* the program's sandbox (stdlib only, never imported).

The launcher (:mod:`boundary_lab.verify.sandbox`) starts ``python -I -S -B -c
<bootstrap> FD FD FD CODE_FD``; the bootstrap executes the marshalled code of
this file (after :mod:`.sandbox_wire`) read from CODE_FD. The main thread reads
the job (a ``marshal`` dict from the same interpreter) from the first fd and
sets rlimits. Then, by mode:

**Function-call mode** (``job["serve"]``, used for grading with tests,
:func:`_serve`): the fds are CTRL_FD CALL_FD RESP_FD. The program runs as
module ``solution``; calls from the trusted oracle (another process, in another
sandbox) are answered with plain data. This process holds no secret and
decides nothing, so it installs no guards: frames, ``gc``, tracing, ``ctypes``
and signal handlers all work.

**Script mode** (scripts and stdin/stdout cases): the fds are CTRL_FD TOKEN_FD
REPORT_FD, and completion is proved *in process*:

1. the harness makes the process non-dumpable (ctypes ``prctl``), compiles the
   program and reports ``R`` (ready) or ``S`` (syntax error) on REPORT_FD
   before any untrusted code runs;
2. it installs an audit hook that refuses the in-process routes to other frames
   and objects: ``sys._getframe`` (except for the proof keeper, below),
   ``tb_frame``/``gi_frame``/``cr_frame``/``ag_frame``, ``gc`` object walks,
   tracing/profiling, ``ctypes`` imports, opening ``/proc`` paths, more audit
   hooks; and replaces ``signal.signal`` so no Python signal handler (which
   would be handed a frame) can be installed;
3. it starts the *run thread* (``_run_tests``) and blocks for good. The run
   thread primes the *proof keeper*, a generator that reads the per-run secret
   token from TOKEN_FD into its own locals, runs the program, and only if that
   returns normally resumes the keeper, which checks that it is resumed from
   that same frame in the original process and writes ``P<token> done`` to
   REPORT_FD (in "cases" mode: one ``P<token> case <i> <sha256 of normalised
   stdout>`` line per finished case), then leaves with ``os._exit``.

PEP 578 says audit hooks are no security boundary, and ``_ctypes`` classes stay
reachable through ``object.__subclasses__()`` once step 1 loaded ctypes: a
program that defeats these guards can forge the "finished" proof of a script.
That is why graded runs use function-call mode and a separate oracle; see the
threat model in :mod:`boundary_lab.verify.sandbox`.

Nothing here is a global that holds a secret or a capability: untrusted code
can reach this module's namespace as ``sys.modules["__main__"]`` (script mode).
"""


def _install_guards(keeper_code, run_tests_code):
    """Audit hook and signal guard (see the module docstring). Returns nothing, so the
    hook and its settings are referenced by the interpreter only.

    Raised errors are the types stdlib callers already expect (namedtuple, enum,
    typing and logging catch ValueError from ``sys._getframe``).
    """
    import os
    import signal
    import sys

    blocked_attrs = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
    blocked_events = frozenset({
        "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames",
        "sys._current_exceptions", "sys.settrace", "sys.setprofile", "sys.addaudithook",
        "cpython._PySys_ClearAuditHooks"})
    blocked_imports = frozenset({"ctypes", "_ctypes", "_testcapi", "_testinternalcapi", "_xxsubinterpreters"})
    realpath, fspath, fsdecode = os.path.realpath, os.fspath, os.fsdecode

    def exact_text(value):
        """An exact str copy of a str/bytes (subclass) value, without calling its methods."""
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, bytes):
            return fsdecode(bytes.__getitem__(value, slice(None)))
        return None

    def audit(event, args):
        if event == "sys._getframe":
            # Only the real keeper sees frames: keeper code called by the test-thread
            # entry point at the very bottom of a thread (a clone of the keeper driven
            # from elsewhere would leak a frame into the stack above it).
            frame = args[0]
            caller = frame.f_back
            if (frame.f_code is not keeper_code or caller is None or caller.f_code is not run_tests_code
                    or caller.f_back is not None):
                raise ValueError("sandbox: frame access is disabled")
        elif event == "object.__getattr__":
            if args[1] in blocked_attrs:
                raise AttributeError(f"sandbox: {args[1]} is disabled")
        elif event in blocked_events or event.startswith("ctypes."):
            raise RuntimeError(f"sandbox: {event} is disabled")
        elif event == "import" and str.split(exact_text(args[0]) or "", ".")[0] in blocked_imports:
            raise ImportError(f"sandbox: import of {exact_text(args[0])} is disabled")
        elif event in ("open", "os.chdir", "os.listdir", "os.scandir") and args and args[0] is not None:
            # Matters in the rlimit fallback only: bwrap mounts no /proc at all. Best
            # effort: realpath uses os functions a program can replace.
            target = args[0]
            if isinstance(target, int):
                return
            try:
                path = exact_text(target if isinstance(target, (str, bytes)) else fspath(target))
                path = realpath(path) if path is not None else None
            except Exception:
                return
            if path is not None and (path == "/proc" or str.startswith(path, "/proc/")):
                raise PermissionError(f"sandbox: {path} is not accessible")

    def no_handlers(signalnum, handler):
        """signal.signal in the sandbox: SIG_DFL/SIG_IGN are accepted and ignored."""
        if callable(handler):
            raise ValueError("sandbox: Python signal handlers are disabled")
        return signal.SIG_DFL

    signal.signal = no_handlers
    sys.addaudithook(audit)


def _flush_streams():
    import sys
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _run_tests(keeper, job, program, report, hard_exit):
    """Test-thread entry point: the bottom frame of the only thread that runs untrusted code."""
    import builtins
    import os
    import sys

    next(keeper)  # before any untrusted code: binds the keeper to this frame
    write, read, close, open_ = os.write, os.read, os.close, open
    lenient_exit = job.get("lenient_exit", False)

    def run(code, globals_):
        """Execute untrusted code; True if it returned normally (or exited cleanly, if allowed)."""
        try:
            exec(code, globals_)
            return True
        except SystemExit as exc:
            code = exc.code  # compared by type, so an object with a lying __eq__ is no "0"
            if lenient_exit and (code is None or (type(code) is int and code == 0)):
                return True
            report(b"X", f"SystemExit: {exc.code!r}"[:200])
        except BaseException as exc:
            report(b"X", failure_text(exc))
        return False

    flush_streams = _flush_streams

    finished = False
    try:
        cases = job.get("cases")
        if cases is None:
            finished = run(program, {"__name__": "__main__", "__builtins__": builtins})
            flush_streams()
            if finished:
                keeper.send(b"done")
            return
        # stdin/stdout cases: a fresh namespace per case, stdin and stdout on memfds;
        # each case's normalised stdout is proved by its digest (expected outputs
        # never enter the sandbox: the launcher compares digests).
        import hashlib
        dup2, lseek, memfd, sha256 = os.dup2, os.lseek, os.memfd_create, hashlib.sha256
        real_stdout = os.dup(1)
        for index, data in enumerate(cases):
            fd = memfd("stdin")
            write(fd, data.encode())
            lseek(fd, 0, 0)
            dup2(fd, 0)
            close(fd)
            out = memfd("stdout")
            dup2(out, 1)
            sys.stdin = open_(0, "r", closefd=False)
            sys.stdout = open_(1, "w", closefd=False)
            finished = run(program, {"__name__": "__main__", "__builtins__": builtins})
            flush_streams()
            dup2(real_stdout, 1)
            if not finished:
                return
            lseek(out, 0, 0)
            chunks = []
            while chunk := read(out, 1 << 16):
                chunks.append(chunk)
            close(out)
            text = b"".join(chunks).decode("utf-8", "replace")
            normalised = "\n".join(line.rstrip() for line in text.rstrip().splitlines())  # = stdout_digest
            keeper.send(f"case {index} {sha256(normalised.encode()).hexdigest()}".encode())
    finally:
        hard_exit(0 if finished else 1)


def _add_exit_builtins():
    """``exit``/``quit``, normally added by ``site`` (which ``-S`` skips)."""
    import builtins
    if not hasattr(builtins, "exit"):
        def exit(code=None):
            raise SystemExit(code)
        builtins.exit = builtins.quit = exit


def _serve(job, call_fd, resp_fd):
    """Function-call mode: run the program as module ``solution``, then answer calls.

    Runs in the program's sandbox, which holds no secret and decides nothing:
    the trusted oracle (:mod:`boundary_lab.verify.sandbox_oracle`, in another
    sandbox) sends requests on CALL_FD and reads replies on RESP_FD, one line
    of :mod:`boundary_lab.verify.sandbox_wire` JSON each:

    - ``[id, "call", name, args, kwargs, extras]`` calls the program's
      ``name``; ``[id, "next", handle]`` pulls the next item of an iterator the
      program returned (sent lazily as ``["lz", handle]``);
    - the reply is ``[id, "ok", value, extras]``, ``[id, "stop", extras]``,
      ``[id, "exc", builtin exception name, message, args, extras]`` or
      ``[id, "bad", why]``; ``extras`` holds what the call printed (``out``,
      ``err``: the test's ``redirect_stdout`` sees it) and, when the oracle
      sent its ``random`` state (``rs``: the test seeded ``random``), the
      state after the call;
    - during a call the program may ask the oracle ``["cb", "next", handle]``
      (an iterator the test passed, pulled lazily), ``["cb", "input",
      prompt]`` (the test's, possibly patched, ``input``) or ``["cb", "stdin",
      method, size]`` (the test's ``sys.stdin``); the oracle answers
      ``["cbr", "ok", value]``, ``["cbr", "stop"]`` or ``["cbr", "exc", name,
      message]``, and may send nested calls before it does.

    Before any program code runs it sends ``["R"]`` (compiled) or ``["S",
    error]``; after the program ran, ``["L", names of its top-level callables,
    {name: module name} of the modules it imported]`` or ``["X", error]``. The
    program may write anything to RESP_FD itself: to the oracle that is just
    what the candidate answered, checked as plain data.
    """
    import builtins
    import os
    import sys

    write, hard_exit = os.write, os._exit
    capture_cap = 1 << 20  # characters of a call's stdout/stderr forwarded to the test

    def send(message):
        data = (dumps(message) + "\n").encode()
        while data:
            data = data[write(resp_fd, data):]

    flush_streams = _flush_streams

    def describe(exc):
        cls, message = builtin_exception(exc)  # sandbox_wire's text runs before this file's
        try:
            args = to_wire(tuple(exc.args)) if cls is type(exc) else None
            if args is not None and len(dumps(args)) > 4000:
                args = None
        except BaseException:
            args = None
        return cls.__name__, message, args

    try:
        program = compile(job["program"], "<program>", "exec")
    except BaseException as exc:  # SyntaxError, ValueError (null bytes), RecursionError, MemoryError
        send(["S", f"{type(exc).__name__}: {exc}"[:2000]])
        hard_exit(2)
    _add_exit_builtins()
    # A real module, registered under its name and as __main__: pickling by reference
    # (multiprocessing.Pool) and doctest.testmod() find the program's functions.
    module = type(sys)("solution")
    module.__builtins__ = builtins
    sys.modules["solution"] = sys.modules["__main__"] = module
    calls = os.fdopen(call_fd, "rb", buffering=1 << 20)
    handles = {}  # handle -> iterator the program returned, pulled by the oracle
    depth = [0]
    stop = object()

    def receive():
        line = calls.readline()
        if not line:
            flush_streams()
            hard_exit(0)
        message = loads(line)
        if type(message) is not list or not message:
            raise WireError("not a request")
        return message

    serving_pid = os.getpid()

    def callback(request):
        """Ask the oracle (during a call); serve nested calls until its reply comes. A forked
        child (a process pool started during the call) gets end-of-file: it shares no channel."""
        if os.getpid() != serving_pid:
            return "" if request[0] == "stdin" else stop
        send(["cb", *request])
        while True:
            message = receive()
            if message[0] != "cbr":
                dispatch(message)
                continue
            if message[1] == "ok":
                return from_wire(message[2], 0, Pull, True)
            if message[1] == "stop":
                return stop
            cls = getattr(builtins, str(message[2]), None)
            if not (isinstance(cls, type) and issubclass(cls, Exception)):
                cls = RuntimeError
            raise cls(message[3])

    class Pull:
        """An iterator the test passed: its items come from the oracle, one per ``next``."""

        def __init__(self, handle):
            self._handle, self._done = handle, False

        def __iter__(self):
            return self

        def __next__(self):
            if self._done:
                raise StopIteration
            item = callback(["next", self._handle])
            if item is stop:
                self._done = True
                raise StopIteration
            return item

    class Stdin:
        """``sys.stdin`` during a call: reads the test's ``sys.stdin`` (a patched ``io.StringIO``)."""

        encoding, closed, mode, name = "utf-8", False, "r", "<stdin>"

        def read(self, size=-1):
            return callback(["stdin", "read", size if type(size) is int else -1])

        def readline(self, size=-1):
            return callback(["stdin", "readline", size if type(size) is int else -1])

        def readlines(self, hint=-1):
            return callback(["stdin", "readlines", hint if type(hint) is int else -1])

        def __iter__(self):
            return self

        def __next__(self):
            line = self.readline()
            if not line:
                raise StopIteration
            return line

        def isatty(self):
            return False

        def readable(self):
            return True

        def close(self):
            pass

        def fileno(self):
            raise OSError("the test's stdin has no file descriptor")

    class Tee:
        """``sys.stdout``/``sys.stderr`` during a call: writes through, and keeps what was written."""

        def __init__(self, stream):
            self._stream, self._parts, self._size = stream, [], 0

        def write(self, text):
            if self._size < capture_cap and type(text) is str:
                self._parts.append(text[:capture_cap - self._size])
                self._size += len(self._parts[-1])
            return self._stream.write(text)

        def flush(self):
            return self._stream.flush()

        def text(self):
            return "".join(self._parts)

        def __getattr__(self, name):
            return getattr(self._stream, name)

    real_input = builtins.input

    def input(prompt=None):
        if depth[0] > 0:  # during a call: the test's input (mock.patch('builtins.input') included)
            line = callback(["input", None if prompt is None else str(prompt)])
            if line is stop:
                raise EOFError("EOF when reading a line")
            return line
        return real_input() if prompt is None else real_input(prompt)

    builtins.input = input
    stdin_proxy = Stdin()

    def lazy_result(iterator):
        handle = len(handles) + 1
        handles[handle] = iterator
        return handle

    def dispatch(message):
        call_id = message[0]
        try:
            if message[1:2] == ["next"] and len(message) == 3:
                target, args, kwargs, extras = handles[message[2]].__next__, [], {}, {}
            elif message[1:2] == ["call"] and len(message) == 6:
                name, extras = message[2], message[5]
                target = module.__dict__[name]
                args, kwargs = from_wire(message[3], 0, Pull, True), from_wire(message[4], 0, Pull, True)
            else:
                raise WireError("unknown request")
        except BaseException as exc:
            send([call_id, "bad", f"cannot decode the call: {type(exc).__name__}: {exc}"[:500]])
            return
        state = extras.get("rs") if type(extras) is dict else None
        what = "its iterator" if message[1] == "next" else name
        saved = sys.stdout, sys.stderr, sys.stdin
        out, err = Tee(saved[0]), Tee(saved[1])
        sys.stdout, sys.stderr, sys.stdin = out, err, stdin_proxy
        depth[0] += 1
        try:
            if state is not None:
                import random
                random.setstate(from_wire(state))
            result = target(*args, **kwargs)
            reply = [call_id, "ok", to_wire(result, 0, lazy_result)]
        except StopIteration as exc:
            reply = [call_id, "stop"] if message[1] == "next" else [call_id, "exc", *describe(exc)]
        except NotPlainData as exc:
            reply = [call_id, "bad", f"{what} returned {exc}"[:2000]]
        except BaseException as exc:
            reply = [call_id, "exc", *describe(exc)]
        finally:
            depth[0] -= 1
            flush_streams()
            sys.stdout, sys.stderr, sys.stdin = saved
        if reply[1] != "bad":
            back = {"out": out.text(), "err": err.text()}
            if state is not None:
                import random
                try:
                    back["rs"] = to_wire(random.getstate())
                except BaseException:
                    pass
            reply.append(back)
        try:
            send(reply)
        except (ValueError, TypeError, RecursionError) as exc:  # e.g. an int too big for JSON
            send([call_id, "bad", f"{what} returned data that cannot be sent: {exc}"[:500]])

    send(["R"])
    try:
        exec(program, module.__dict__)
    except BaseException as exc:
        name, message, _ = describe(exc)
        flush_streams()
        send(["X", f"{name}: {message}"[:2000]])
        hard_exit(1)
    flush_streams()
    items = list(module.__dict__.items())
    names = [k for k, v in items if type(k) is str and callable(v)]
    modules = {k: v.__name__ for k, v in items
               if type(k) is str and type(v) is type(sys) and type(getattr(v, "__name__", None)) is str}
    send(["L", names, ["d", *[x for pair in modules.items() for x in pair]]])
    while True:
        try:
            message = receive()
        except BaseException as exc:
            send([None, "bad", f"cannot decode the call: {type(exc).__name__}"])
            continue
        dispatch(message)


def _harness(argv):
    import _thread
    import marshal  # built in: no import cost, unlike json
    import os
    import resource
    import sys

    # Captured before any untrusted code runs, which may replace module attributes and builtins.
    write, read, getpid, close, hard_exit = os.write, os.read, os.getpid, os.close, os._exit
    ctrl_fd, token_fd, report_fd = (int(a) for a in argv[1:4])

    def read_all(fd):
        chunks = []
        while chunk := read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)

    def report(kind, text=""):
        try:
            write(report_fd, kind + text.replace("\n", " ")[:2000].encode("utf-8", "replace") + b"\n")
        except OSError:
            pass

    def _proof_keeper(owner_code, getframe):
        # Copy every closure value into generator locals now: closure cells are
        # writable from outside, generator locals are not (gi_frame is refused).
        token = read_all(token_fd)
        close(token_fd)
        pid, getpid_, write_, report_fd_ = getpid(), getpid, write, report_fd
        me = getframe(0)
        owner = me.f_back  # the test thread's bottom frame, which primed us
        del me
        poisoned = owner.f_code is not owner_code
        while True:
            try:
                payload = yield
            except GeneratorExit:  # closed (interpreter exit, or sabotage): no proof
                return
            except BaseException:  # thrown in by someone: never prove anything afterwards
                poisoned = True
                continue
            me = getframe(0)
            caller = me.f_back
            del me
            if caller is not owner or getpid_() != pid:
                poisoned = True  # resumed from untrusted code, or in a forked child: refuse forever
            elif not poisoned and type(payload) is bytes:
                write_(report_fd_, b"P" + token + b" " + payload + b"\n")

    job = marshal.loads(read_all(ctrl_fd))
    close(ctrl_fd)

    # The address-space rlimit stands in for the memory cgroup only where there is none: it
    # also counts thread stacks and malloc arenas, which made 80 idle threads fail.
    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, job["max_file_bytes"]),
              (resource.RLIMIT_CPU, job["cpu_s"])]
    if job.get("memory_rlimit"):
        limits.append((resource.RLIMIT_AS, job["memory_mb"] * 1024 * 1024))
    if job.get("max_procs_rlimit"):
        limits.append((resource.RLIMIT_NPROC, job["max_procs_rlimit"]))
    for which, value in limits:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    if job.get("serve"):  # function-call mode: no secret in this process, so no guards either
        _serve(job, int(argv[2]), int(argv[3]))

    try:  # PR_SET_DUMPABLE=0: a spawned process of the same uid can't read our memory
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except Exception:
        pass
    for name in [m for m in sys.modules if m == "ctypes" or m.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]

    try:
        program = compile(job["program"], "<program>", "exec")
        if job.get("test"):  # compiled only to report its syntax error before anything runs
            compile(job["test"], "<test>", "exec")
    except BaseException as exc:  # SyntaxError, ValueError (null bytes), RecursionError, MemoryError
        report(b"S", f"{type(exc).__name__}: {exc}")
        hard_exit(2)

    stdin = job.get("stdin")
    if stdin is not None:  # a memfd on fd 0, so input(), sys.stdin and open(0) all see it
        fd = os.memfd_create("stdin")
        write(fd, stdin.encode())
        os.lseek(fd, 0, os.SEEK_SET)
        os.dup2(fd, 0)
        close(fd)
        sys.stdin = open(0, "r", closefd=False)
    _add_exit_builtins()
    keeper = _proof_keeper(_run_tests.__code__, sys._getframe)
    _install_guards(keeper.gi_code, _run_tests.__code__)
    report(b"R")
    _thread.start_new_thread(_run_tests, (keeper, job, program, report, hard_exit))
    del keeper, job, program
    forever = _thread.allocate_lock()
    forever.acquire()
    forever.acquire()  # the test thread ends the process with os._exit


if __name__ == "__main__":
    _harness(__import__("sys").argv)
