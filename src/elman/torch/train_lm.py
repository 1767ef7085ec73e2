"""Continue an ``elman train lm`` run with PyTorch DistributedDataParallel, and leave it where elman continues it.

    python -m elman.torch.train_lm RUN --nproc-per-node 2 --steps 2000       # checks, then torchrun on this machine
    torchrun --standalone --nproc_per_node 2 -m elman.torch.train_lm RUN --steps 2000       # the same, by hand
    torchrun --nnodes 2 --node_rank 0 --rdzv_endpoint HOST:29500 --nproc_per_node 4 -m elman.torch.train_lm RUN ...

The run's B streams of text are shared out: process r of W reads streams [r·B/W, (r+1)·B/W) of every window and
carries their hidden state; DDP averages the gradients, and since every process holds the same number of
targets the average is elman's mean over all B streams. Everything else is elman's own ``LMTrainer``, which this
trainer extends: the same windows (k1, k2, random lengths, boundary restarts), clipping (the exact global-norm
rule, not torch's ε-shifted one), learning-rate schedule, evaluation, early stopping, metrics and checkpoint
format. The optimiser state (Adam's moments and step count, or SGD's, RMSprop's, Adagrad's) is carried over in
both directions, so the first step here is the step elman would take, and ``elman train lm --resume`` and
``elman sample`` read what this writes. Process 0 writes every file, atomically; ``--steps`` is the run's new
total, as in ``elman train lm --resume --steps``.

gloo on CPU; NCCL and one GPU per process (``LOCAL_RANK``) when CUDA is present. Dropout between RNN layers
uses torch's random numbers, so a run with dropout continues correctly but not bit for bit. A Ctrl-C that
reaches the processes is handled as in elman (the update finishes, a checkpoint is written), agreed by all of
them; a process killed outright leaves the last periodic checkpoint (``--checkpoint-every``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from elman.arguments import add_options
from elman.errors import ElmanError, InvalidInput, MissingFile, RunError
from elman.models.language_model import LanguageModel
from elman.torch.models import TorchLanguageModel
from elman.torch.optim import load_optimizer_state, optimizer_state, torch_optimizer
from elman.torch.runs import to_elman
from elman.train.commands import RESUMABLE, TRAIN_OPTIONS, open_lm_run, resume_overrides
from elman.train.config import TrainConfig
from elman.train.loop import CHECKPOINT, LMTrainer, boundary_resets
from elman.train.rundir import remove_stale_temps


def world() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment; (0, 1, 0) when run as a single process."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


@dataclasses.dataclass
class Plan:
    """What the processes train, checked in full before any of them starts."""

    run: Path
    config: TrainConfig
    model_config: dict
    train_ids: np.ndarray
    val_ids: np.ndarray | None


def plan(run_dir, world_size: int, overrides: dict) -> Plan:
    """Read and check the run: an lm run (its vocabulary checked by ``open_lm_run``) with a checkpoint, and
    streams that the world size divides. Every problem is an ElmanError with one sentence."""
    run = Path(run_dir)
    if not run.is_dir():
        raise MissingFile(f"{run}: no such run directory; start one with `elman train lm --out {run}`")
    config, _, train_ids, val_ids = open_lm_run(run)
    if not (run / CHECKPOINT).is_file():
        raise MissingFile(
            f"{run} holds no {CHECKPOINT} to continue from; start the run with "
            f"`elman train lm --out {run} --force` (it writes one before its first update)"
        )
    model_config = config["model"]
    train = TrainConfig(**{**config["train"], **overrides, "progress": False})
    if train.batch_size % world_size:
        fits = [w for w in range(1, train.batch_size + 1) if train.batch_size % w == 0]
        raise InvalidInput(
            f"the run reads {train.batch_size} streams, which {world_size} processes cannot share "
            f"equally: use a world size among {fits}"
        )
    return Plan(run, train, model_config, train_ids, val_ids)


class NullLog:
    """The metrics log of the processes that write nothing."""

    def write(self, record: dict) -> None:
        pass

    def close(self) -> None:
        pass


class DDPTrainer(LMTrainer):
    """elman's LMTrainer over a torch twin wrapped in DistributedDataParallel. The elman model it holds is the
    run's record: restored from the checkpoint, and brought up to date from the twin before each evaluation,
    model save and checkpoint, which then go through elman's own code."""

    def __init__(self, plan: Plan, rank: int, world_size: int, device: torch.device):
        self.rank, self.world_size, self.device = rank, world_size, device
        super().__init__(LanguageModel(**plan.model_config), plan.train_ids, plan.val_ids, plan.config, plan.run)
        self.restore(plan.run / CHECKPOINT)
        model = self.model
        self.twin = TorchLanguageModel(**plan.model_config).to(device)
        self.twin.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.params.items()})
        self.named = dict(self.twin.named_parameters())
        elman_state = self.opt.state_dict()
        self.torch_opt = torch_optimizer(plan.config.optimizer, self.named.values(), elman_state)
        load_optimizer_state(self.torch_opt, self.named, elman_state)
        self.updates = int(elman_state["step"])  # the optimiser's own count (skipped steps take none)
        self.ddp = DistributedDataParallel(self.twin, device_ids=[device.index] if device.type == "cuda" else None)
        b = plan.config.batch_size // world_size
        self.columns = slice(rank * b, (rank + 1) * b)
        self.local = self._share(self.h, self.history, self.prev_token)

    # --- the carried state: all B streams in elman's fields at checkpoints, this process's share between ----
    def _tensor(self, array, dtype=None):
        return None if array is None else torch.as_tensor(np.ascontiguousarray(array), dtype=dtype, device=self.device)

    def _share(self, h, history, prev_token) -> dict:
        c = self.columns
        return {
            "h": self._tensor(None if h is None else h[:, c]),
            "history": None if history is None else (self._tensor(history[0][:, c]), self._tensor(history[1][:, c])),
            "prev_token": self._tensor(None if prev_token is None else prev_token[c]),
        }

    def _gather(self, tensor, axis: int) -> np.ndarray | None:
        present = torch.tensor([tensor is not None], device=self.device)
        dist.all_reduce(present, op=dist.ReduceOp.MIN)  # every process carries the same kinds of state
        if not present.item():
            return None
        parts = [torch.empty_like(tensor) for _ in range(self.world_size)]
        dist.all_gather(parts, tensor.contiguous())
        return torch.cat(parts, dim=axis).cpu().numpy()

    def _pull(self) -> None:
        """The elman model, optimiser and carried state brought up to date from the twin and all processes."""
        to_elman(self.twin, self.model)
        self.opt.load_state_dict(optimizer_state(self.torch_opt, self.named, self.opt.state_dict(), self.updates))
        local = self.local
        self.h = self._gather(local["h"], axis=1)
        history = local["history"] or (None, None)
        xs, ys = self._gather(history[0], axis=1), self._gather(history[1], axis=1)
        self.history = None if xs is None else (xs, ys)
        self.prev_token = self._gather(local["prev_token"], axis=0)

    # --- one update ---------------------------------------------------------------------------------------
    def train_step(self) -> dict:
        cfg, local = self.cfg, self.local
        x_all, y_all = self.streams.next_window(self._draw_bptt())
        if self.streams.epoch != self.epoch_seen:  # the streams restarted from the top: so does the state
            local.update(h=None, history=None, prev_token=None)
            self.epoch_seen = self.streams.epoch
        x_new, y_new = self._tensor(x_all[:, self.columns]), self._tensor(y_all[:, self.columns])
        x, y = x_new, y_new
        if local["history"] is not None:
            x, y = torch.cat([local["history"][0], x_new]), torch.cat([local["history"][1], y_new])
        T, k = x.shape[0], x_new.shape[0]
        keep = min(cfg.k2 - cfg.bptt, T)
        prev = None if local["prev_token"] is None else local["prev_token"].cpu().numpy()
        resets = boundary_resets(x.cpu().numpy(), prev, cfg.boundary_token)
        logits, h_n, kept = self.ddp(
            x,
            local["h"],
            None if resets is None else self._tensor(resets),
            keep_state_at=T - keep - 1 if 0 < keep < T else None,
        )
        loss = torch.nn.functional.cross_entropy(logits[T - k :].reshape(-1, logits.shape[-1]), y[T - k :].reshape(-1))
        mean = loss.detach().clone()
        dist.all_reduce(mean)
        record = {"step": self.step + 1, "epoch": self.streams.epoch, "loss": mean.item() / self.world_size, "bptt": k}
        if not math.isfinite(record["loss"]):
            return self._nonfinite(record, f"the loss is {record['loss']}")
        self.torch_opt.zero_grad(set_to_none=False)
        loss.backward()  # DDP averages the gradients over the processes
        norm, after = self._clip()
        if not math.isfinite(norm):
            return self._nonfinite(record, f"the gradient norm is {norm}")
        for group in self.torch_opt.param_groups:
            group["lr"] = self.schedule.lr(self.step)
        self.torch_opt.step()
        self.updates += 1
        carried = h_n if keep == 0 else (kept if T > keep else local["h"])
        local["h"] = None if carried is None else carried.detach()
        local["history"] = (x[T - keep :], y[T - keep :]) if keep else None
        local["prev_token"] = x[T - keep - 1].clone() if T > keep else local["prev_token"]
        self.step += 1
        self.tokens += y_all.size
        self.clip_events += int(after < norm)
        record.update(
            lr=self.torch_opt.param_groups[0]["lr"],
            grad_norm=norm,
            grad_norm_clipped=after,
            clipped=after < norm,
            engine="torch-ddp",
            world_size=self.world_size,
        )
        return record

    def _clip(self) -> tuple[float, float]:
        """elman's clipping on the averaged gradients (the same on every process): the global norm scaled to
        exactly ``clip`` when above it, or each value clamped."""
        grads = [p.grad for p in self.named.values()]

        def norm_of() -> float:
            return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.double()) for g in grads])))

        norm = norm_of()
        if self.cfg.clip is None or not math.isfinite(norm):
            return norm, norm
        if self.cfg.clip_mode == "value":
            for g in grads:
                g.clamp_(-self.cfg.clip, self.cfg.clip)
            return norm, norm_of()
        if norm > self.cfg.clip:
            for g in grads:
                g.mul_(self.cfg.clip / norm)
        return norm, min(norm, self.cfg.clip)

    def _nonfinite(self, record: dict, what: str) -> dict:
        """The twin's side of elman's policy; elman's own then counts the step, or checkpoints and stops (every
        process sees the same all-reduced loss and gradient norm, so all of them take the same branch)."""
        self.torch_opt.zero_grad(set_to_none=False)
        self.local.update(h=None, history=None, prev_token=None)
        if self.cfg.nonfinite == "shrink":  # Pascanu et al. 2013: step along 0.1·θ
            with torch.no_grad():
                for p in self.named.values():
                    p.grad.copy_(0.1 * p)
            for group in self.torch_opt.param_groups:
                group["lr"] = self.schedule.lr(self.step)
            self.torch_opt.step()
            self.updates += 1
            self.torch_opt.zero_grad(set_to_none=False)
        return super()._nonfinite(record, what)

    # --- evaluation, files --------------------------------------------------------------------------------
    def validation_loss(self) -> float:
        to_elman(self.twin, self.model)
        value = torch.tensor(
            [super().validation_loss() if self.rank == 0 else 0.0], dtype=torch.float64, device=self.device
        )
        dist.broadcast(value, src=0)  # every process takes the same decisions from it
        return value.item()

    def save_model(self) -> None:
        if self.rank == 0:
            to_elman(self.twin, self.model)
            super().save_model()

    def checkpoint(self) -> None:
        self._pull()
        if self.rank == 0:
            super().checkpoint()
        self.saved_step = self.step

    def stop_reason(self) -> str | None:
        if self.cfg.max_minutes is not None:  # the processes' clocks differ a little: process 0's decides
            elapsed = torch.tensor([self.elapsed], dtype=torch.float64, device=self.device)
            dist.broadcast(elapsed, src=0)
            self.elapsed = elapsed.item()
        return super().stop_reason()

    def interrupt_agreed(self, requested: bool) -> bool:
        flag = torch.tensor([int(requested)], device=self.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())

    def _open_log(self):
        if self.rank == 0:
            return super()._open_log()
        return NullLog()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="torchrun ... -m elman.torch.train_lm",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("run", metavar="RUN", help="the --out directory of `elman train lm` (it holds a checkpoint)")
    add_options(parser, {name: TRAIN_OPTIONS[name] for name in RESUMABLE})  # what `elman train lm --resume` takes
    parser.add_argument(
        "--backend",
        choices=("auto", "gloo", "nccl"),
        default="auto",
        help="auto: NCCL with one GPU per process when CUDA is present, gloo on CPU otherwise",
    )
    parser.add_argument("--progress", action="store_true", help="a progress bar on process 0")
    parser.add_argument(
        "--nproc-per-node",
        type=int,
        default=None,
        metavar="N",
        help="outside torchrun: check the run for N processes, then start them on this machine "
        "(torchrun --standalone); a failure is one line instead of torchrun's report",
    )
    return parser.parse_args(argv)


def launch(args, argv: list[str]) -> int:
    """Check the run for ``--nproc-per-node`` processes, then run them under torchrun in this process."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import main as torchrun

    n = args.nproc_per_node
    if n < 1:
        raise InvalidInput(f"--nproc-per-node must be at least 1, got {n}")
    plan(args.run, n, resume_overrides(args))
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # torchrun's own default, set here so it prints no banner
    passed = [
        a
        for i, a in enumerate(argv)
        if not (a.startswith("--nproc-per-node") or (i and argv[i - 1] == "--nproc-per-node"))
    ]
    try:
        torchrun(["--standalone", f"--nproc_per_node={n}", "-m", "elman.torch.train_lm", *passed])
    except ChildFailedError as err:
        rank, failure = err.get_first_failure()
        raise RunError(f"process {rank} of {n} failed (exit code {failure.exitcode}); its message is above") from None
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    rank, world_size, local_rank = world()
    try:
        if args.nproc_per_node is not None and "TORCHELASTIC_RUN_ID" not in os.environ:
            return launch(args, argv)
        work = plan(args.run, world_size, resume_overrides(args))
    except ElmanError as err:  # every process reads the same files: one of them says what is wrong
        if rank == 0:
            print(f"elman.torch.train_lm: {err}", file=sys.stderr)
        return err.exit_code
    backend = args.backend if args.backend != "auto" else ("nccl" if torch.cuda.is_available() else "gloo")
    device = torch.device(f"cuda:{local_rank}") if backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if rank == 0:
        remove_stale_temps(work.run)
    work.config = dataclasses.replace(work.config, progress=args.progress and rank == 0)
    own_group = not dist.is_initialized()
    if own_group:
        if "MASTER_ADDR" not in os.environ:  # run without torchrun: a world of one on this machine
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            os.environ.setdefault("MASTER_PORT", "29511")
        dist.init_process_group(backend, rank=rank, world_size=world_size)
    try:
        trainer = DDPTrainer(work, rank, world_size, device)
        reason = trainer.stop_reason()
        if reason is not None:
            if rank == 0:
                print(
                    f"elman.torch.train_lm: nothing to train: the run is at step {trainer.step} ({reason}); "
                    f"pass a larger --steps",
                    file=sys.stderr,
                )
            return 0
        if rank == 0:
            print(
                f"elman.torch.train_lm: {work.run} from step {trainer.step} on {world_size} process(es), {backend}",
                file=sys.stderr,
            )
        summary = trainer.run()
        if rank == 0:
            print(json.dumps({**summary, "engine": "torch-ddp", "world_size": world_size}))
        return 0
    except ElmanError as err:
        if rank == 0:
            print(f"elman.torch.train_lm: {err}", file=sys.stderr)
        return err.exit_code
    finally:
        if own_group:
            dist.destroy_process_group()


if __name__ == "__main__":
    raise SystemExit(main())
