"""The truncated-BPTT loop and the character language model."""

import math

import numpy as np
import pytest

from elman.errors import ElmanError
from elman.io.safetensors import load_file
from elman.models import LanguageModel, generate
from elman.train import LMTrainer, TrainConfig, TrainingStopped
from elman.train.log import read_metrics
from elman.train.loop import CHECKPOINT

TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n"
) * 8


def ids_of(text):
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text], dtype=np.int64), len(chars)


def make_model(vocab, seed=0, dtype="float64", **kw):
    kw = {"embed_dim": 6, "hidden_size": 8, "num_layers": 2, **kw}
    return LanguageModel(vocab, dtype=dtype, rng=np.random.default_rng(seed), **kw)


def capture_updates(trainer):
    """Record the gradients each update would apply, instead of applying them."""
    seen = []
    trainer.opt.step = lambda grads: seen.append({k: v.copy() for k, v in grads.items()})
    return seen


def config(**kw):
    return TrainConfig(
        **{
            "batch_size": 3,
            "bptt": 5,
            "clip": None,
            "progress": False,
            "eval_every": 10**6,
            "checkpoint_every": 10**6,
            **kw,
        }
    )


# --- truncation: the gradient of one window is torch's over that window from a constant state -------------------


def torch_window_grads(model, ids, B, start, k1, k2):
    """Gradients, as torch computes them, of the mean loss on tokens [start, start + k1) of every stream,
    backpropagated k2 steps (from start + k1 - k2), the state before that point a constant."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    L = len(ids) // B
    streams = torch.tensor(ids[: L * B].reshape(B, L).T.copy())  # (L, B): the same cut as LMStreams
    emb = torch.nn.Embedding(model.vocab_size, model.embed_dim, dtype=torch.float64)
    rnn = torch.nn.RNN(model.embed_dim, model.hidden_size, model.num_layers, dtype=torch.float64)
    head = torch.nn.Linear(model.hidden_size, model.vocab_size, dtype=torch.float64)
    for module, prefix in ((emb, "embed."), (rnn, "rnn."), (head, "head.")):
        module.load_state_dict(
            {k[len(prefix) :]: torch.tensor(v) for k, v in model.params.items() if k.startswith(prefix)}
        )
    first = start + k1 - k2
    with torch.no_grad():
        _, h = rnn(emb(streams[:first])) if first > 0 else (None, None)
    out, _ = rnn(emb(streams[first : start + k1]), h)  # h: a constant, as after .detach()
    logits = head(out[-k1:])
    targets = streams[start + 1 : start + k1 + 1].reshape(-1)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size), targets)
    loss.backward()
    named = {
        f"{prefix}.{n}": p
        for prefix, module in (("embed", emb), ("rnn", rnn), ("head", head))
        for n, p in module.named_parameters()
    }
    return {k: p.grad.numpy() for k, p in named.items()}


@pytest.mark.parametrize("k1,k2", [(5, 5), (4, 7)])
def test_truncated_window_gradient_matches_torch_from_a_constant_state(tmp_path, k1, k2):
    ids, vocab = ids_of(TEXT)
    model = make_model(vocab)
    trainer = LMTrainer(model, ids, None, config(bptt=k1, bptt_backward=k2), tmp_path)
    seen = capture_updates(trainer)
    for _ in range(3):
        trainer.train_step()
    expected = torch_window_grads(make_model(vocab), ids, 3, start=2 * k1, k1=k1, k2=k2)
    for name, grad in expected.items():
        np.testing.assert_allclose(seen[2][name], grad, rtol=1e-9, atol=1e-12, err_msg=name)


def test_truncation_changes_the_gradient_compared_with_full_bptt(tmp_path):
    ids, vocab = ids_of(TEXT)
    truncated = torch_window_grads(make_model(vocab), ids, 3, start=10, k1=5, k2=5)
    full = torch_window_grads(make_model(vocab), ids, 3, start=10, k1=5, k2=15)
    assert not np.allclose(truncated["rnn.weight_hh_l0"], full["rnn.weight_hh_l0"])


# --- the run: learning, exact resume, logs, guards ------------------------------------------------------------


def test_a_small_model_learns_a_small_text(tmp_path):
    ids, vocab = ids_of(TEXT)
    model = make_model(vocab, dtype="float32", hidden_size=32, embed_dim=16, num_layers=1)
    cfg = config(batch_size=4, bptt=20, clip=5.0, lr=1e-2, max_steps=150, eval_every=50)
    summary = LMTrainer(model, ids[:-200], ids[-200:], cfg, tmp_path).run()
    records = read_metrics(tmp_path / "metrics.jsonl")
    evals = [r["val_loss"] for r in records if "val_loss" in r]
    assert summary["steps"] == 150 and evals[0] < math.log(vocab)
    assert evals[-1] < 0.6 * math.log(vocab)  # far below the uniform guess
    assert (tmp_path / "model.safetensors").exists()


def run_steps(out, steps, *, resume=False):
    ids, vocab = ids_of(TEXT)
    model = make_model(vocab, dtype="float32", dropout=0.3, seed=1)
    cfg = config(
        batch_size=3,
        bptt=6,
        bptt_backward=9,
        random_bptt=True,
        clip=0.5,
        lr=3e-3,
        max_steps=steps,
        eval_every=4,
        checkpoint_every=3,
        schedule="plateau",
        log_every=1,
        boundary_token=sorted(set(TEXT)).index("\n"),
    )
    trainer = LMTrainer(model, ids[:-120], ids[-120:], cfg, out)
    if resume:
        trainer.restore(out / CHECKPOINT)
    trainer.run()
    return model, read_metrics(out / "metrics.jsonl")


def test_resume_continues_to_the_bit(tmp_path):
    straight, straight_log = run_steps(tmp_path / "a", 14)
    run_steps(tmp_path / "b", 7)
    resumed, resumed_log = run_steps(tmp_path / "b", 14, resume=True)
    for name, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[name], value, err_msg=name)
    losses = [r["loss"] for r in straight_log if "loss" in r]
    assert [r["loss"] for r in resumed_log if "loss" in r] == losses
    saved = load_file(tmp_path / "b" / "checkpoint.safetensors")
    assert {"carry/h", "carry/history_x", "carry/prev_token"} <= set(saved)


def test_clipping_is_logged_and_counted(tmp_path):
    ids, vocab = ids_of(TEXT)
    trainer = LMTrainer(make_model(vocab), ids, None, config(clip=1e-3, max_steps=5, log_every=1), tmp_path)
    summary = trainer.run()
    records = [r for r in read_metrics(tmp_path / "metrics.jsonl") if "grad_norm" in r]
    assert summary["clip_events"] == 5 and all(r["clipped"] for r in records)
    assert all(r["grad_norm_clipped"] == pytest.approx(1e-3) and r["grad_norm"] > 1e-3 for r in records)


@pytest.mark.parametrize("policy", ["skip", "stop"])
def test_non_finite_loss_is_skipped_or_stops_with_the_step(tmp_path, policy):
    ids, vocab = ids_of(TEXT)
    model = make_model(vocab)
    trainer = LMTrainer(model, ids, None, config(nonfinite=policy, max_steps=4, log_every=1), tmp_path)
    trainer.train_step()
    model.params["head.bias"][0] = np.nan
    if policy == "stop":
        with pytest.raises(TrainingStopped, match="stopped at step 2: the loss is nan") as stopped:
            trainer.train_step()
        assert isinstance(stopped.value, ElmanError)  # the CLI tells it in a sentence, not a traceback
    else:
        record = trainer.train_step()
        assert record["skipped"] and trainer.skipped == 1 and trainer.h is None


def test_sampling_is_deterministic_under_a_seed():
    ids, vocab = ids_of(TEXT)
    model = make_model(vocab)
    prime = ids[:4]
    a = generate(model, prime, 30, temperature=0.8, rng=np.random.default_rng(3))
    b = generate(model, prime, 30, temperature=0.8, rng=np.random.default_rng(3))
    c = generate(model, prime, 30, temperature=0.8, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    greedy = generate(model, prime, 10, temperature=0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(greedy, generate(model, prime, 10, temperature=0, rng=np.random.default_rng(9)))
    top1 = generate(model, prime, 10, temperature=1.0, top_k=1, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(top1, greedy)  # only the most likely token is left to draw


def test_boundary_tokens_restart_the_state_per_sample(tmp_path):
    ids, vocab = ids_of(TEXT)
    newline = sorted(set(TEXT)).index("\n")
    model = make_model(vocab)
    trainer = LMTrainer(model, ids, None, config(boundary_token=newline), tmp_path)
    seen, forward = [], model.rnn.forward
    model.rnn.forward = lambda x, h0=None, lengths=None, *, resets=None: (
        seen.append(resets) or forward(x, h0, resets=resets)
    )
    trainer.train_step()
    trainer.train_step()
    streams = ids[: len(ids) // 3 * 3].reshape(3, -1).T
    window = streams[5:10]
    before = np.concatenate([streams[4:5], window[:-1]])
    np.testing.assert_array_equal(seen[1], before == newline)
    assert seen[1].any() and not seen[1].all()


def test_non_finite_gradients_can_shrink_the_parameters_as_pascanu_et_al(tmp_path):
    ids, vocab = ids_of(TEXT)
    model = make_model(vocab)
    trainer = LMTrainer(model, ids, None, config(nonfinite="shrink", optimizer="sgd", lr=1.0), tmp_path)
    before = {k: v.copy() for k, v in model.params.items()}
    backward = model.backward

    def exploding(d_logits):
        backward(d_logits)
        model.grads["rnn.weight_hh_l0"][0, 0] = np.inf

    model.backward = exploding
    record = trainer.train_step()
    assert record["skipped"] and record["action"] == "shrink" and "gradient norm is inf" in record["reason"]
    for name, value in model.params.items():  # p ← p − lr · 0.1 p
        np.testing.assert_allclose(value, 0.9 * before[name], rtol=1e-12, err_msg=name)
    assert all(np.all(g == 0) for g in model.grads.values())


def test_a_checkpoint_written_before_model_rngs_resumes_with_the_models_generator(tmp_path):
    # checkpoints of earlier versions kept one "model_rng": the generator every layer of the language model shares
    from elman.train.state import load_training_state, model_generators, save_training_state

    ids, vocab = ids_of(TEXT)
    trainer = LMTrainer(make_model(vocab, dropout=0.3), ids, None, config(max_steps=3), tmp_path)
    trainer.run()
    params, optim_state, carry, info = load_training_state(tmp_path / CHECKPOINT)
    (state,) = info.pop("model_rngs").values()
    save_training_state(tmp_path / CHECKPOINT, params, optim_state, carry, {**info, "model_rng": state})

    again = LMTrainer(make_model(vocab, seed=5, dropout=0.3), ids, None, config(max_steps=3), tmp_path)
    again.restore(tmp_path / CHECKPOINT)
    (generator,) = model_generators(again.model).values()
    assert generator.bit_generator.state == state
    assert again.step == 3


def test_building_a_trainer_touches_no_file(tmp_path):
    ids, vocab = ids_of(TEXT)
    LMTrainer(make_model(vocab), ids, None, config(), tmp_path / "run")
    assert not (tmp_path / "run").exists()
