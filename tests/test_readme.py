"""The README's quick start runs and prints what it says it prints."""
import contextlib
import io
import os
import re

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def test_quick_start_runs_and_prints_its_comments(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", open(README).read(), re.S)
    quick = next(b for b in blocks if "Quick start" in open(README).read() and "backward()" in b)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(quick, "README quick start", "exec"), {})
    printed = out.getvalue().splitlines()
    comments = [line.split("# ", 1)[1] for line in quick.splitlines()
                if line.startswith("print(") and "# " in line]
    expected = [c[c.index("tensor("):] if "tensor(" in c else c[c.index("torch.Size"):]
                for c in comments if "tensor(" in c or "torch.Size" in c]
    assert len(expected) == 3
    for want in expected:
        assert any(want in p for p in printed), (want, printed)
    assert (tmp_path / "model.pt").exists()
