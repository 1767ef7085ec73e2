"""How the names ensemble's held-out NLL falls with the number of members, against the trigram baseline.

    ELMAN_DATA_DIR=../shared/data elman train names --members 12 --out runs/names
    ELMAN_DATA_DIR=../shared/data python benchmarks/names_ensemble.py runs/names

For k = 1 … K it scores the ensemble of the run's first k members (members 0 … k−1, the same networks a run with
``--members k`` trains) on dev and test, per character with <eos> included, and the relative improvement over the
character trigram tuned on dev.
"""

from __future__ import annotations

import argparse

from elman.data.names import encode_names
from elman.models.ensemble import GeneratorEnsemble
from elman.tasks.names import _splits, baseline, load_names_run, rnn_nll


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="a names run trained with --members K")
    args = parser.parse_args()
    model, vocab, config = load_names_run(args.run_dir)
    members = model.members if isinstance(model, GeneratorEnsemble) else [model]
    splits = _splits(config["train"]["seed"], config["train"].get("limit"))
    data = {s: encode_names(vocab, d) for s, d in splits.items()}
    tri, _ = baseline(vocab, data)
    trigram = {s: tri.nll(data[s]) for s in ("dev", "test")}
    print(
        f"{'members':>7}  {'dev NLL':>8}  {'test NLL':>8}  {'test gain':>9}    (trigram: dev {trigram['dev']:.4f}, "
        f"test {trigram['test']:.4f})"
    )
    for k in range(1, len(members) + 1):
        ensemble = GeneratorEnsemble(members[:k])
        dev, test = rnn_nll(ensemble, data["dev"]), rnn_nll(ensemble, data["test"])
        print(f"{k:>7}  {dev:8.4f}  {test:8.4f}  {100 * (1 - test / trigram['test']):8.2f} %")


if __name__ == "__main__":
    main()
