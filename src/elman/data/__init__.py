"""Real datasets for elman: a sha256-checked registry, local/cached/downloaded file access, and loaders."""

from elman.data.batching import batches, bucket_batches, pad_sequences
from elman.data.registry import DATASETS, DatasetSpec, FileSpec, UnknownDatasetError, get
from elman.data.sources import (
    ChecksumError,
    DataUnavailableError,
    cache_dir,
    data_dir,
    fetch,
    locate,
    offline,
    open_binary,
    open_text,
    path,
    verify,
)
from elman.data.streams import LMStreams
from elman.data.text import Vocab, char_tokenize, word_tokenize
from elman.data.textfiles import read_text

__all__ = [
    "DATASETS",
    "ChecksumError",
    "DataUnavailableError",
    "DatasetSpec",
    "FileSpec",
    "UnknownDatasetError",
    "cache_dir",
    "data_dir",
    "fetch",
    "get",
    "locate",
    "offline",
    "open_binary",
    "open_text",
    "path",
    "verify",
]
__all__ += [
    "LMStreams",
    "Vocab",
    "batches",
    "bucket_batches",
    "char_tokenize",
    "pad_sequences",
    "read_text",
    "word_tokenize",
]
