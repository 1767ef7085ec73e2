"""The README's three set-up commands stay true: CI runs the README's test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Set up\n\n```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert len(block) == 3
    install, main, test = block
    assert "pip install torch==2.13.0" in install and ".[dev,torch]" in install
    assert main.startswith("elman ")
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test


def test_readme_python_example_runs():
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["output"].shape == (32, 50, 256)
