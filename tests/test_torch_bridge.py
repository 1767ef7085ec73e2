"""elman.torch: the torch twins compute elman's numbers, and the optimisers carry their state across, both ways."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from elman import optim  # noqa: E402
from elman.models.classifier import SequenceClassifier  # noqa: E402
from elman.models.language_model import LanguageModel  # noqa: E402
from elman.torch.optim import load_optimizer_state, optimizer_state, torch_optimizer  # noqa: E402
from elman.torch.runs import to_elman, twin_of  # noqa: E402


def test_the_language_model_twin_reads_windows_as_elman_does_with_restarts_and_a_kept_state():
    rng = np.random.default_rng(0)
    model = LanguageModel(11, 5, 7, 2, dtype="float64", rng=rng)
    twin = twin_of(model)
    ids = rng.integers(0, 11, size=(9, 3))
    h0 = rng.normal(size=(2, 3, 7))
    resets = np.zeros((9, 3), dtype=bool)
    resets[[2, 2, 6], [0, 2, 1]] = True
    logits, h_n = model(ids, h0, resets)
    torch_logits, torch_h, kept = twin(
        torch.from_numpy(ids), torch.from_numpy(h0), torch.from_numpy(resets), keep_state_at=4
    )
    np.testing.assert_allclose(torch_logits.detach().numpy(), logits, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(torch_h.detach().numpy(), h_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kept.detach().numpy(), model.rnn.states_at(4), rtol=1e-12, atol=1e-12)
    # a restart matters: without it the numbers differ
    assert not np.allclose(twin(torch.from_numpy(ids), torch.from_numpy(h0))[0].detach().numpy(), logits)


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_classifier_twin_pools_the_valid_steps_as_elman_does(pooling, bidirectional):
    rng = np.random.default_rng(1)
    model = SequenceClassifier(
        13,
        3,
        embed_dim=4,
        hidden_size=5,
        num_layers=2,
        bidirectional=bidirectional,
        pooling=pooling,
        dtype="float64",
        rng=rng,
    )
    model.eval()
    twin = twin_of(model).eval()
    ids, lengths = rng.integers(1, 13, size=(6, 4)), np.array([6, 2, 4, 1])
    ids[np.arange(6)[:, None] >= lengths[None]] = 0
    expected = model(ids, lengths)
    got = twin(torch.from_numpy(ids), torch.from_numpy(lengths)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_weights_go_back_into_the_elman_model_and_a_wrong_shape_is_refused():
    model = LanguageModel(11, 5, 7, 1, rng=np.random.default_rng(2))
    twin = twin_of(model)
    with torch.no_grad():
        twin.head.bias.add_(1.0)
    to_elman(twin, model)
    np.testing.assert_array_equal(model.params["head.bias"], twin.head.bias.detach().numpy())
    with pytest.raises(ValueError, match="size mismatch for rnn.weight_ih_l0"):
        to_elman(twin_of(LanguageModel(11, 5, 8, 1, rng=np.random.default_rng(2))), model)


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd", "rmsprop", "adagrad"])
def test_an_optimiser_continues_in_torch_where_elman_stopped_and_comes_back(name):
    """Three elman steps, the state handed to torch, two steps in each engine on the same gradients: the same
    parameters, and torch's state read back is elman's."""
    rng = np.random.default_rng(3)
    params = {"w": rng.normal(size=(4, 3)).astype(np.float64), "b": rng.normal(size=3)}
    grads = [{k: rng.normal(size=v.shape) for k, v in params.items()} for _ in range(5)]
    elman_opt = OPTIMIZERS_FOR_TEST[name](params)
    for g in grads[:3]:
        elman_opt.step(g)
    tensors = {k: torch.nn.Parameter(torch.from_numpy(v.copy())) for k, v in params.items()}
    torch_opt = torch_optimizer(name, tensors.values(), elman_opt.state_dict())
    load_optimizer_state(torch_opt, tensors, elman_opt.state_dict())
    for g in grads[3:]:
        elman_opt.step(g)
        for k, t in tensors.items():
            t.grad = torch.from_numpy(g[k].copy())
        torch_opt.step()
    for k in params:
        np.testing.assert_allclose(tensors[k].detach().numpy(), params[k], rtol=1e-12, atol=1e-12)
    back = optimizer_state(torch_opt, tensors, elman_opt.state_dict(), elman_opt.step_count)
    expected = elman_opt.state_dict()
    assert set(back) == set(expected)
    for k in expected:
        np.testing.assert_allclose(back[k], expected[k], rtol=1e-12, atol=1e-12, err_msg=k)


OPTIMIZERS_FOR_TEST = {  # as LMTrainer builds them (lr and weight decay), with state to carry where there is any
    "adam": lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "sgd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1),
}
