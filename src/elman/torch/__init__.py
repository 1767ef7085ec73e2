"""elman's models in PyTorch, to take a run beyond one CPU and bring it back.

``elman.torch.models`` holds the torch twin of each model the lab trains (the language model and the sequence
classifier), with elman's parameter names, so a state dict moves across unchanged; ``elman.torch.runs`` reads
an elman run directory into a twin and writes one back; ``python -m elman.torch.train_lm`` (under ``torchrun``)
continues an ``elman train lm`` run with DistributedDataParallel, step for step as elman would, with the
optimiser state carried across by ``elman.torch.optim``.

Needs the torch extra (``pip install 'elman[torch]'``); the rest of elman never imports this package.
"""

try:
    import torch  # noqa: F401  (absolute import: the top-level PyTorch package, not this one)
except ImportError as err:  # pragma: no cover - the extra is installed wherever the tests run
    raise ImportError("elman.torch needs PyTorch: pip install 'elman[torch]' (or pip install torch)") from err
