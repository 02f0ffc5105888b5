"""The trusted harness that runs *inside* the sandbox (stdlib only, never imported).

The launcher (:mod:`boundary_lab.verify.sandbox`) runs this file's text with
``python -I -S -B -c <text> CTRL_FD TOKEN_FD REPORT_FD``. The main thread

1. reads the job (program, optional test code, stdin or stdin cases, limits;
   a ``marshal`` dict from the same interpreter) from CTRL_FD;
2. sets rlimits, makes the process non-dumpable (a spawned process can't read
   its memory via ``/proc/PID/mem`` or ptrace), compiles everything and
   reports ``R`` (ready) or ``S`` (syntax error) on REPORT_FD *before* any
   untrusted code runs;
3. installs an audit hook that refuses the in-process routes to other frames
   and objects: ``sys._getframe`` (except for the proof keeper, below),
   ``tb_frame``/``gi_frame``/``cr_frame``/``ag_frame``, ``gc`` object walks,
   tracing/profiling, ``ctypes``, opening ``/proc`` paths, more audit hooks;
   and replaces ``signal.signal`` so no Python signal handler (which would be
   handed a frame) can be installed;
4. starts the *test thread* and blocks for good. All untrusted code runs in
   the test thread, never in the main thread.

The test thread (``_run_tests``) first primes the *proof keeper*, a generator
that reads the per-run secret token from TOKEN_FD into its own locals (only
reachable through its ``gi_frame``, which is refused) and remembers the frame
that primed it. Then it executes the program (and the test code, with a private
copy of the builtins, so monkeypatched builtins do not reach the asserts). Only
if that returns normally does it resume the keeper, which checks that it is
resumed from that same frame in the original process and writes
``P<token> done`` to REPORT_FD (in stdin/stdout "cases" mode: one
``P<token> case <i> <sha256 of normalised stdout>`` line per finished case).
The thread flushes stdout/stderr and leaves with ``os._exit`` (no ``atexit``
handlers, no lingering threads). Any other resumption poisons the keeper.

Exit codes, prints, ``sys.exit``/``os._exit``, ``atexit`` handlers, a redefined
``check``, patched builtins, a forked child finishing the test, or a killed
parent therefore never produce the token.

Nothing here is a global that holds a secret or a capability: untrusted code
can reach this module as ``sys.modules["__main__"]``.
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


def _plain_data_guard():
    """A wrapper for the function under test: its results must be plain built-in data.

    An object whose ``__eq__`` always returns True (or an int subclass whose
    ``__sub__`` returns 0...) would pass ``assert candidate(x) == y``. Only values
    of the built-in types below count, nested in built-in containers; iterators
    are passed on with each item checked. The type set is fixed before untrusted
    code runs, so a program can't add look-alike classes to it.
    """
    import collections

    # Types are compared by id(): `in` on types would call a metaclass's __eq__,
    # which a program could define to claim it is int.
    containers = frozenset(map(id, (list, tuple, set, frozenset, collections.deque)))
    mappings = frozenset(map(id, (dict, collections.Counter, collections.OrderedDict, collections.defaultdict)))
    scalars = frozenset(map(id, (int, float, complex, bool, str, bytes, bytearray, type(None), range)))
    allowed = scalars | containers | mappings
    iterators = frozenset(id(type(x)) for x in (
        (i for i in ()), iter([]), iter(()), iter(""), iter(b""), iter(range(0)), iter(set()), iter({}),
        iter({}.values()), iter({}.items()), map(int, ()), filter(None, ()), zip(), enumerate(()), reversed([])))

    def plain(value):
        stack, seen = [value], set()
        while stack:
            x = stack.pop()
            kind = id(type(x))
            if kind not in allowed:
                return False
            if kind in containers or kind in mappings:
                if id(x) in seen:
                    continue
                seen.add(id(x))
                stack.extend(x)
                if kind in mappings:
                    stack.extend(dict.values(x))
        return True

    def checked(items, name):
        for item in items:
            if not plain(item):
                raise TypeError(f"sandbox: {name} yielded a {type(item).__name__!r}, not plain built-in data")
            yield item

    def guard(function):
        name = getattr(function, "__name__", "the function")

        def candidate(*args, **kwargs):
            result = function(*args, **kwargs)
            if id(type(result)) in iterators:
                return checked(result, name)
            if not plain(result):
                raise TypeError(f"sandbox: {name} returned a {type(result).__name__!r}, not plain built-in data")
            return result
        return candidate

    return guard


def _run_tests(keeper, job, program, test, report, hard_exit):
    """Test-thread entry point: the bottom frame of the only thread that runs untrusted code."""
    import builtins
    import os
    import sys

    next(keeper)  # before any untrusted code: binds the keeper to this frame
    write, read, close, open_ = os.write, os.read, os.close, open
    lenient_exit = job.get("lenient_exit", False)
    clean_builtins = dict(builtins.__dict__)

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
            line = 0
            tb = exc.__traceback__
            while tb is not None:
                line = tb.tb_lineno
                tb = tb.tb_next
            try:
                message = f"{type(exc).__name__} at line {line}: {exc}"
            except BaseException:
                message = f"{type(exc).__name__} at line {line}"
            report(b"X", message)
        return False

    def flush_streams():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass

    if job.get("plain_results_of"):
        plain_data_guard = _plain_data_guard()  # built before untrusted code can fake its types
    finished = False
    try:
        cases = job.get("cases")
        if cases is None:
            globals_ = {"__name__": "__main__", "__builtins__": builtins}
            finished = run(program, globals_)
            if finished and test is not None:
                test_globals = dict(globals_)
                test_globals["__builtins__"] = dict(clean_builtins)
                entry = job.get("plain_results_of")
                if entry and callable(globals_.get(entry)):
                    test_globals[entry] = plain_data_guard(globals_[entry])
                finished = run(test, test_globals)
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


def _harness(argv):
    import _thread
    import builtins
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

    memory = job["memory_mb"] * 1024 * 1024
    limits = [(resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0),
              (resource.RLIMIT_FSIZE, job["max_file_bytes"]), (resource.RLIMIT_CPU, job["cpu_s"])]
    if job.get("max_procs_rlimit"):
        limits.append((resource.RLIMIT_NPROC, job["max_procs_rlimit"]))
    for which, value in limits:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    try:  # PR_SET_DUMPABLE=0: a spawned process of the same uid can't read our memory
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except Exception:
        pass
    for name in [m for m in sys.modules if m == "ctypes" or m.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]

    try:
        program = compile(job["program"], "<program>", "exec")
        test = compile(job["test"], "<test>", "exec") if job.get("test") else None
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
    if not hasattr(builtins, "exit"):  # normally added by `site`, which -S skips
        def exit(code=None):
            raise SystemExit(code)
        builtins.exit = builtins.quit = exit

    keeper = _proof_keeper(_run_tests.__code__, sys._getframe)
    _install_guards(keeper.gi_code, _run_tests.__code__)
    report(b"R")
    _thread.start_new_thread(_run_tests, (keeper, job, program, test, report, hard_exit))
    del keeper, job, program, test
    forever = _thread.allocate_lock()
    forever.acquire()
    forever.acquire()  # the test thread ends the process with os._exit


if __name__ == "__main__":
    _harness(__import__("sys").argv)
