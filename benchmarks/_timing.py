"""Timing helpers: best-of-repeats per call, auto-scaled so each measurement takes ~0.2 s."""
import gc
import time


def measure(fn, min_time=0.2, repeat=5, max_number=100000):
    """Seconds per call of ``fn`` (the minimum over ``repeat`` measurements)."""
    fn()
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / 5 or number >= max_number:
            break
        number *= 10 if dt < min_time / 50 else 2
    best = float("inf")
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - t0) / number)
    finally:
        if gc_was:
            gc.enable()
    return best


def fmt(sec):
    if sec is None:
        return "—"
    if sec < 1e-6:
        return f"{sec * 1e9:.0f} ns"
    if sec < 1e-3:
        return f"{sec * 1e6:.1f} µs"
    if sec < 1:
        return f"{sec * 1e3:.2f} ms"
    return f"{sec:.2f} s"


def ratio(a, b):
    if a is None or b is None:
        return "—"
    return f"{a / b:.2f}x"
