"""Colour only on a terminal, and never with NO_COLOR."""

from __future__ import annotations

import io

from mlfootprint.cli.term import use_color


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_needs_a_terminal_and_respects_no_color_and_dumb_terminals() -> None:
    assert use_color(Tty(), env={}) is True
    assert use_color(io.StringIO(), env={}) is False
    assert use_color(Tty(), env={"NO_COLOR": ""}) is False  # set, even empty, turns colour off
    assert use_color(Tty(), env={"TERM": "dumb"}) is False
