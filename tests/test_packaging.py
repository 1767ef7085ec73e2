"""The wheel carries every file the package needs at run time: each non-Python file git tracks under src/elman.

The wheel is built from a copy of the tracked files (not the working tree, whose build/ may hold stale files),
the way `pip install .` builds it, and its file list is compared with git's: a data file that packaging misses
(as the chapter's model weights once were) fails here.
"""

import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _tracked(under: str) -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    out = subprocess.run(["git", "ls-files", "-z", "--", under], cwd=ROOT, capture_output=True, check=True)
    return [name for name in out.stdout.decode().split("\0") if name]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in _tracked("."):
        if (ROOT / name).is_file():  # a tracked file deleted in the working tree is not part of the build
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("elman-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_wheel_holds_every_tracked_data_file_of_the_package(wheel_files):
    expected = {name.removeprefix("src/") for name in _tracked("src/elman") if not name.endswith(".py")}
    shipped = {name for name in wheel_files if name.startswith("elman/") and not name.endswith(".py")}
    assert expected, "git tracks no data file under src/elman"
    assert sorted(expected - shipped) == [], "tracked under src/elman but left out of the wheel"
    assert sorted(shipped - expected) == [], "in the wheel but not tracked (a build leftover?)"


def test_wheel_holds_the_chapters_models_and_vendored_licenses(wheel_files):
    for name in ("sentiment", "vectors", "names", "pos", "translate", "word_lm", "char_lm", "glove"):
        assert f"elman/chapter/models/weights/{name}.safetensors" in wheel_files
        assert f"elman/chapter/models/weights/{name}.json" in wheel_files
    assert "elman/chapter/static/vendor/katex/LICENSE" in wheel_files
    assert "elman/chapter/models/weights/glove.LICENSE.md" in wheel_files
    assert "elman/chapter/static/icons/LICENSE" in wheel_files
