"""Speech transcription labels: ``LabeledSentence`` made of timed ``Word``s."""

from __future__ import annotations

from typing import Any

from .fields import ATTRIBUTES, NUMBER, STRING, ListOf, Nested, Serializable, wire


class Word(Serializable):
    """``{"text", "begin"?, "end"?}``: a word and its time span in the audio."""

    _is_part = True

    text: str = wire(STRING)
    begin: float | None = wire(NUMBER, default=None)
    end: float | None = wire(NUMBER, default=None)


WORDS = ListOf(Nested(Word))


class LabeledSentence(Serializable):
    """``{"sentence": [Word], "spell"?: [Word], "phone"?: [Word], "attributes"?}``."""

    sentence: list[Word] = wire(WORDS)
    spell: list[Word] | None = wire(WORDS, default=None)
    phone: list[Word] | None = wire(WORDS, default=None)
    attributes: dict[str, Any] | None = wire(ATTRIBUTES, default=None, kw_only=True)
