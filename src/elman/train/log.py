"""What a run reports: a JSON-lines metrics file, and a progress bar (tqdm when installed)."""

from __future__ import annotations

import json
import math
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
