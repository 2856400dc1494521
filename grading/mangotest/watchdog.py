"""The rubric timeout of a pytest-level test, on whatever thread runs it.

pytest-xdist on execnet 1.x (Debian 12) can run a worker's tests outside
the main thread: a race at worker start-up, seen once in CI under load,
where `signal.signal(SIGALRM, ...)` then raised "signal only works in main
thread" and a passing test was graded FAIL. So the timeout is not a signal.
A watchdog thread wakes when the budget may be spent and compares it with
the QEMU time (qemutime.py) of the test's machines; when that is used up,
or the wall-time cap is reached, it raises the TIMEOUT in the test's
thread (PyThreadState_SetAsyncExc). Machine waits poll at least once a
second, so the exception lands within a second of the verdict.

The verdict is also kept on the watchdog (`fired`), so the test's outcome
is TIMEOUT even when the exception lands somewhere that turns it into
something else.
"""
import ctypes
import threading
import time

from mangotest import verdict as V



def _set_async_exc(thread_id, exc_type):
    """Raise @exc_type in thread @thread_id at its next bytecode; None
    withdraws one not yet raised."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), None if exc_type is None else ctypes.py_object(exc_type))


class Watchdog:
    """Arm with start(); disarm with stop(), on the thread that runs the test.

    @timeout: seconds of QEMU time the test's machines may use (booting
    included); @machine_seconds(): what they have used; @wall_cap: seconds
    of wall time after which the test ends regardless (host-side waits,
    a machine never started)."""

    def __init__(self, timeout, machine_seconds, wall_cap):
        self.timeout = timeout
        self.machine_seconds = machine_seconds
        self.wall_cap = wall_cap
        self.fired = None            # the GradeFailure's message once it rang
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._target = None
        self._thread = None

    def start(self):
        self._target = threading.get_ident()
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._watch, name="mango-watchdog",
                                        daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        wait = min(self.timeout, self.wall_cap)
        while not self._stop.wait(max(wait, 0.05)):
            used = self.machine_seconds()
            wall = time.monotonic() - self._start
            if used < self.timeout - 0.1 and wall < self.wall_cap:
                # the machines waited for a CPU: give that time back
                wait = min(self.timeout - used, self.wall_cap - wall)
                continue
            self._ring()
            return

    def _ring(self):
        message = ("the test took longer than its %gs (rubric), booting included"
                   % self.timeout)

        class Timeout(V.GradeFailure):
            def __init__(self):
                super().__init__(V.TIMEOUT, message)

        with self._lock:
            if self._stop.is_set():
                return
            self.fired = message
            _set_async_exc(self._target, Timeout)

    def stop(self):
        """Disarm; a TIMEOUT raised but not yet delivered is withdrawn (the
        verdict stays in `fired`)."""
        with self._lock:
            self._stop.set()
            if self.fired is not None:
                _set_async_exc(self._target, None)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
