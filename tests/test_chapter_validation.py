"""The one check every typed sentence of the chapter goes through (``elman.chapter.validation.words_of``)."""

import pytest

from elman.chapter.validation import MAX_TEXT, MAX_WORDS, words_of
from elman.errors import InvalidInput


def test_the_words_are_lower_cased_and_split_on_any_whitespace():
    assert words_of("  The DOG\tbit\nthe  man ") == ["the", "dog", "bit", "the", "man"]


@pytest.mark.parametrize(
    "text, kwargs, said",
    [
        ("", {}, "Expected a sentence of at least one word, got none."),
        (" \t\n", {"name": "sentence B"}, "Expected sentence B of at least one word, got none."),
        ("w " * (MAX_WORDS + 1), {}, f"Expected a sentence of at most {MAX_WORDS} words, got {MAX_WORDS + 1}."),
        ("a b c", {"max_words": 2, "name": "a word list"}, "Expected a word list of at most 2 words, got 3."),
        ("x" * (MAX_TEXT + 1), {}, f"Expected a sentence of at most {MAX_TEXT} characters, got {MAX_TEXT + 1}."),
        ("abcdef", {"max_chars": 5}, "Expected a sentence of at most 5 characters, got 6."),
        # characters are counted before words: a pasted page is refused for its length, not its word count
        ("w " * MAX_TEXT, {}, f"Expected a sentence of at most {MAX_TEXT} characters, got {2 * MAX_TEXT}."),
    ],
)
def test_a_text_that_cannot_be_read_is_one_plain_sentence(text, kwargs, said):
    with pytest.raises(InvalidInput) as error:
        words_of(text, **kwargs)
    assert str(error.value) == said


def test_the_limits_themselves_are_accepted():
    assert len(words_of("w " * MAX_WORDS)) == MAX_WORDS
    assert words_of("x" * MAX_TEXT) == ["x" * MAX_TEXT]
    assert words_of("a b", max_words=2) == ["a", "b"]
