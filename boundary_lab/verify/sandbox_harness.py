"""The trusted harness that runs *inside* the sandbox (stdlib only, never imported).

The launcher (:mod:`boundary_lab.verify.sandbox`) runs this file's text with
``python -I -S -B -c <text> CTRL_FD TOKEN_FD REPORT_FD``. It

1. reads the per-run secret token from TOKEN_FD inside a suspended generator
   (``_proof_keeper``), so no frame on the call stack and no global holds it;
2. reads the job (program, optional test code, stdin, limits; a ``marshal``
   dict from the same interpreter) from CTRL_FD;
3. sets rlimits, makes itself non-dumpable (no ``/proc/PID/mem`` or ptrace
   from a child process), compiles everything and reports ``R`` (ready) or
   ``S`` (syntax error) on REPORT_FD *before* any untrusted code runs;
4. installs an audit hook that refuses the in-process routes to the token:
   frame access (``sys._getframe`` except the keeper's own call, ``tb_frame``,
   ``gi_frame``...), ``gc`` object walks, tracing/profiling, ``ctypes``,
   opening ``/proc`` paths, further audit hooks;
5. executes the program (and then the test code with a private copy of the
   builtins, so monkeypatched builtins do not reach the asserts), and only if
   that returns normally resumes the keeper, which checks that it is resumed
   from this very harness frame in the original process and then writes
   ``P<token> done`` to REPORT_FD (in stdin/stdout "cases" mode: one
   ``P<token> case <i> <sha256 of normalised stdout>`` line per finished
   case). It flushes stdout/stderr first and leaves with ``os._exit`` (no
   ``atexit`` handlers or lingering threads of the program).

Exit codes, prints, ``sys.exit``/``os._exit``, ``atexit`` handlers, a redefined
``check`` or a killed parent therefore never produce the token.
"""

# Everything lives in one function so that the harness globals (reachable from
# untrusted code as sys.modules["__main__"]) hold no secrets and no capabilities.


def _install_audit_hook(keeper_code, harness_code):
    """Refuse the in-process routes to the proof keeper's token (see module docstring).

    Raised errors are the types stdlib callers already expect (namedtuple, enum and
    typing catch ValueError from ``sys._getframe``), so ordinary code keeps working.
    """
    import os
    import sys

    blocked_attrs = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
    blocked_events = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames",
                      "sys._current_exceptions", "sys.settrace", "sys.setprofile", "sys.addaudithook",
                      "cpython._PySys_ClearAuditHooks"})
    blocked_imports = frozenset({"ctypes", "_ctypes", "_testcapi", "_testinternalcapi", "_xxsubinterpreters"})
    realpath, fspath = os.path.realpath, os.fspath

    def audit(event, args):
        if event == "sys._getframe":
            # Only the proof keeper may see a frame, and only while the harness itself
            # drives it (a clone of the keeper's code called from elsewhere may not).
            frame = args[0]
            caller = frame.f_back
            if frame.f_code is not keeper_code or caller is None or caller.f_code is not harness_code:
                raise ValueError("sandbox: frame access is disabled")
        elif event == "object.__getattr__":
            if args[1] in blocked_attrs:
                raise AttributeError(f"sandbox: {args[1]} is disabled")
        elif event in blocked_events or event.startswith("ctypes."):
            raise RuntimeError(f"sandbox: {event} is disabled")
        elif event == "import" and args[0].split(".")[0] in blocked_imports:
            raise ImportError(f"sandbox: import of {args[0]} is disabled")
        elif event in ("open", "os.chdir", "os.listdir", "os.scandir") and args and args[0] is not None:
            target = args[0]
            if isinstance(target, int):
                return
            try:
                path = realpath(fspath(target))
            except Exception:
                return
            if path == "/proc" or path.startswith("/proc/"):
                raise PermissionError(f"sandbox: {path} is not accessible")

    sys.addaudithook(audit)


def _harness(argv):
    import builtins
    import marshal  # built in: no import cost, unlike json
    import os
    import resource
    import sys

    # Captured before any untrusted code runs, which may replace module attributes and builtins.
    write, read, getpid, close, hard_exit = os.write, os.read, os.getpid, os.close, os._exit
    open_ = open
    ctrl_fd, token_fd, report_fd = (int(a) for a in argv[1:4])

    def read_all(fd):
        chunks = []
        while True:
            chunk = read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def report(kind, text=""):
        try:
            write(report_fd, kind + text.replace("\n", " ")[:2000].encode("utf-8", "replace") + b"\n")
        except OSError:
            pass

    def _proof_keeper(main_frame_code, getframe):
        # Copy every closure value into generator locals now: closure cells are
        # writable from outside, generator locals are not (gi_frame is blocked).
        token = read_all(token_fd)
        close(token_fd)
        pid, getpid_, write_, report_fd_ = getpid(), getpid, write, report_fd
        me = getframe(0)
        owner = me.f_back  # the harness frame that primed us
        del me
        poisoned = False
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
            legit = caller is owner and caller.f_code is main_frame_code and getpid_() == pid
            if not legit:
                poisoned = True  # resumed from untrusted code: refuse forever
            elif not poisoned and type(payload) is bytes:
                write_(report_fd_, b"P" + token + b" " + payload + b"\n")

    harness_code = sys._getframe(0).f_code
    keeper = _proof_keeper(harness_code, sys._getframe)
    next(keeper)
    keeper_code = keeper.gi_code

    job = marshal.loads(read_all(ctrl_fd))
    close(ctrl_fd)

    memory = job["memory_mb"] * 1024 * 1024
    limits = [(resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0),
              (resource.RLIMIT_FSIZE, job["max_file_bytes"]),
              (resource.RLIMIT_CPU, job["cpu_s"])]
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
        os.write(fd, stdin.encode())
        os.lseek(fd, 0, os.SEEK_SET)
        os.dup2(fd, 0)
        os.close(fd)
        sys.stdin = open(0, "r", closefd=False)
    if not hasattr(builtins, "exit"):  # normally added by `site`, which -S skips
        def exit(code=None):
            raise SystemExit(code)
        builtins.exit = builtins.quit = exit
    clean_builtins = dict(builtins.__dict__)
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

    cases = job.get("cases")
    if cases is not None:
        import hashlib
        dup, dup2, lseek, memfd, sha256 = os.dup, os.dup2, os.lseek, os.memfd_create, hashlib.sha256
        real_stdout = dup(1)
    _install_audit_hook(keeper_code, harness_code)  # returns nothing: the hook and its settings stay unreachable
    report(b"R")

    if cases is None:
        globals_ = {"__name__": "__main__", "__builtins__": builtins}
        finished = run(program, globals_)
        if finished and test is not None:
            test_globals = dict(globals_)
            test_globals["__builtins__"] = dict(clean_builtins)
            finished = run(test, test_globals)
        flush_streams()
        if finished:
            keeper.send(b"done")
        # Leave now: atexit handlers and lingering threads have nothing left to decide.
        hard_exit(0 if finished else 1)

    # stdin/stdout cases: one fresh namespace per case, stdin and stdout on memfds;
    # each case's normalised stdout is proved by its digest (expected outputs never
    # enter the sandbox; the launcher compares digests).
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
            hard_exit(1)
        lseek(out, 0, 0)
        text = read_all(out).decode("utf-8", "replace")
        close(out)
        normalised = "\n".join(line.rstrip() for line in text.rstrip().splitlines())  # = code.outputs_match
        digest = sha256(normalised.encode()).hexdigest()
        keeper.send(f"case {index} {digest}".encode())
    hard_exit(0)


if __name__ == "__main__":
    import sys as _sys
    _sys.exit(_harness(_sys.argv))
