"""Thread-local state: grad mode, inference mode and the stack of active transforms."""
import threading


class _State(threading.local):
    def __init__(self):
        self.grad_enabled = True
        self.inference = False
        self.stack = []          # active transform interpreters, innermost last


STATE = _State()
