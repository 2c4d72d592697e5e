"""A config validation error in the admin's words, not pydantic's.

pydantic says "Input should be a valid tuple" where the admin wrote ``tags:
education`` and meant a list, and "unknown key" without the key the admin
misspelt. This module words one pydantic error; it reads no file and knows the
models only through the class it is given (``config.Settings``).
"""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

_LIST_TYPES = ("tuple_type", "list_type")
_PLAIN = {
    "int_type": "is not a whole number",
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "bool_type": "is not true or false",
    "bool_parsing": "is not true or false",
    "float_type": "is not a number",
    "float_parsing": "is not a number",
    "string_type": "is not text (put it in quotes)",
}


def plain_message(error: ErrorDetails, loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    """The message for one pydantic error at ``loc`` (a path under ``root``)."""
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}" + _did_you_mean(str(loc[-1]), _known_keys(root, loc))
    if kind in _LIST_TYPES:
        if isinstance(value, str | int | float):
            return f"{value!r} is not a list: write [{value}], or a list such as [a, b]"
        return "this should be a list: [a, b], or one '- ' line per entry"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "this should be a section of 'key: value' lines"
    if kind in _PLAIN:
        if isinstance(value, dict | list):
            shape = "list" if isinstance(value, list) else "section"
            return f"this should be one value, not a {shape}"
        if isinstance(value, bool):  # YAML reads yes, no, on and off as booleans
            return f"a yes/no (true/false) value {_PLAIN[kind]}"
        return f"{value!r} {_PLAIN[kind]}"
    return str(error["msg"]).removeprefix("Value error, ")


def _did_you_mean(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known_keys(root: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The keys the section holding ``loc[-1]`` allows: the model is found by walking
    the path, stepping over list indexes and mapping keys (a source's index, a
    specialty's name) to the model the list or mapping holds."""
    current: Any = root
    for part in loc[:-1]:
        model = _model_in(current)
        if model is None:
            return []
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:
            current = field.annotation
    model = _model_in(current)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
