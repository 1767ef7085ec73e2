import numpy as np
import pytest

from elman.embeddings.projection import pca_2d, similarity_matrices, svg_scatter


def test_pca_recovers_a_planar_cloud_up_to_rotation():
    rng = np.random.default_rng(0)
    plane = rng.standard_normal((30, 2)) * [5.0, 1.0]
    basis = np.linalg.qr(rng.standard_normal((6, 2)))[0]  # embed the plane in 6-D
    points = pca_2d(plane @ basis.T + 3.0)
    centred = plane - plane.mean(axis=0)
    # distances between points are preserved by the projection of a planar cloud
    d_in = np.linalg.norm(centred[:, None] - centred[None], axis=-1)
    d_out = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.testing.assert_allclose(d_out, d_in, atol=1e-9)
    assert points[:, 0].var() > points[:, 1].var()  # the first axis carries the most variance


def test_pca_is_deterministic_and_checks_its_input():
    x = np.random.default_rng(1).standard_normal((5, 4))
    np.testing.assert_array_equal(pca_2d(x), pca_2d(x.copy()))
    with pytest.raises(ValueError, match="at least 2 rows"):
        pca_2d(np.ones((1, 3)))


def test_one_hot_is_blind_to_meaning_dense_is_not():
    one_hot, dense = similarity_matrices(np.array([[1.0, 0.1], [0.9, 0.2], [-0.1, 1.0]]))
    np.testing.assert_array_equal(one_hot, np.eye(3))
    assert dense[0, 1] > 0.9 and dense[0, 2] < 0.1
    np.testing.assert_allclose(np.diag(dense), 1.0)


def test_svg_scatter_writes_every_label(tmp_path):
    path = svg_scatter(np.array([[0.0, 0.0], [1.0, 2.0]]), ["king", "<queen>"], tmp_path / "map.svg", title="t")
    text = path.read_text()
    assert text.startswith("<svg") and text.count("<circle") == 2 and "&lt;queen&gt;" in text


def test_project_and_compare_commands(tmp_path, capsys):
    import argparse

    from elman.embeddings import WordVectors
    from elman.embeddings.commands import register

    WordVectors(
        ["king", "queen", "man", "pizza"],
        np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.8, 0.1, 0.1], [0.0, 0.1, 1.0]]),
    ).save_text(tmp_path / "v.txt")
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "embeddings",
            "project",
            "king",
            "queen",
            "pizza",
            "--vectors",
            str(tmp_path / "v.txt"),
            "--out",
            str(tmp_path / "m.svg"),
        ]
    )
    assert args.run(args) == 0 and (tmp_path / "m.svg").read_text().count("<circle") == 3
    args = parser.parse_args(["embeddings", "compare", "king", "queen", "--vectors", str(tmp_path / "v.txt")])
    assert args.run(args) == 0
    out = capsys.readouterr().out
    assert "one-hot cosine" in out and "dense cosine" in out


def test_pretrained_rows_follow_the_task_vocabulary():
    from elman.embeddings import WordVectors
    from elman.embeddings.pretrained import embedding_for_vocab

    vectors = WordVectors(["the", "cat"], np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    layer, coverage = embedding_for_vocab(
        vectors, ["<pad>", "<unk>", "Cat", "the"], padding_idx=0, rng=np.random.default_rng(0)
    )
    weight = layer.params["weight"]
    np.testing.assert_array_equal(weight[2], [3.0, 4.0])
    np.testing.assert_array_equal(weight[3], [1.0, 2.0])
    np.testing.assert_array_equal(weight[0], [0.0, 0.0])
    assert coverage == 0.5 and "weight" in layer.params


def test_cosine_of_two_arrays_read_flat():
    from elman.embeddings.projection import cosine

    assert cosine(np.array([1.0, 0.0]), np.array([2.0, 0.0])) == pytest.approx(1.0)
    assert cosine(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])) == pytest.approx(0.0)
    assert cosine(np.array([1.0, 2.0]), np.array([-1.0, -2.0])) == pytest.approx(-1.0)
    assert cosine(np.zeros(3), np.ones(3)) == 0.0
