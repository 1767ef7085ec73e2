"""The README's set-up stays true: two commands, the chapter's (no torch) and the tests', and CI installs what the
second installs and ends with its test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def set_up() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.search(r"## Set up\n\n```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()


def test_set_up_is_two_commands_each_complete_on_a_fresh_clone():
    chapter, tests = set_up()
    for command in (chapter, tests):
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
    assert '".[chapter]"' in chapter and "torch" not in chapter and chapter.endswith(" && elman chapter")
    assert "pip install torch==2.13.0 && " in tests and '".[dev,torch]"' in tests


def test_ci_installs_what_the_readme_test_command_installs_and_runs_it_last():
    install, _, test = set_up()[1].rpartition(" && ")
    ci = (ROOT / ".ci" / "run").read_text()
    for requirement in re.findall(r"pip install ([^&]+?)\s*(?:&&|$)", install):
        assert f"python -m pip install -q {requirement}\n" in ci
    assert ci.strip().splitlines()[-1] == test


def test_readme_python_example_runs():
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["output"].shape == (32, 50, 256)
