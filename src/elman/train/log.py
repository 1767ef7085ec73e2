"""What a run reports: a JSON-lines metrics file, and a progress bar (tqdm when installed)."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path


class MetricsLog:
    """One JSON object per line; appended to, so a resumed run continues the same file."""

    def __init__(self, path: Path, *, append: bool):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a" if append else "w", encoding="utf-8")  # noqa: SIM115

    def write(self, record: dict) -> None:
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}
        self._file.write(json.dumps(clean) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def read_metrics(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_text_atomically(path, text: str) -> None:
    """``text`` in ``path``, written beside it and renamed into place: a kill leaves the old file or the new one
    (and at worst a ``.NAME.*.tmp`` file, which the run directory's next start removes)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def truncate_metrics(path, last_step: int, key: str = "step") -> int:
    """Keep the records of ``path`` with ``key <= last_step`` (``key``: "step", or "epoch" for an epoch loop);
    returns how many were dropped.

    A resumed run continues from its checkpoint, so the records written after it (by the process that was
    stopped) would be written again: they go, and so does a last line cut short. The file is replaced atomically.
    """
    path = Path(path)
    if not path.is_file():
        return 0
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    whole = lines if not lines or lines[-1].endswith("\n") else lines[:-1]
    kept = [line for line in whole if json.loads(line).get(key, 0) <= last_step]
    write_text_atomically(path, "".join(kept))
    return len(lines) - len(kept)


class Progress:
    """tqdm's bar when tqdm is installed and enabled; otherwise a line on stderr every ``every`` updates."""

    def __init__(self, total: int | None, *, enabled: bool = True, initial: int = 0, every: int = 50):
        self.enabled, self.every, self.count = enabled, every, initial
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, file=sys.stderr)

    def update(self, **fields) -> None:
        self.count += 1
        if not self.enabled:
            return
        text = " ".join(f"{k}={v}" for k, v in fields.items())
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update(1)
        elif self.count % self.every == 0:
            print(f"step {self.count} {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
