"""Source text, positions and spans.

libpg_query reports byte offsets into the UTF-8 encoding of the text; reviews report 1-based
lines and character columns. `LineIndex` converts one into the other.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


class LineIndex:
    """Maps byte offsets of a text's UTF-8 encoding to 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        self.ascii = len(self.data) == len(text)
        starts = [0]
        find = self.data.find
        position = find(b"\n")
        while position != -1:
            starts.append(position + 1)
            position = find(b"\n", position + 1)
        self.line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset)
        start = self.line_starts[line - 1]
        if self.ascii:
            return line, offset - start + 1
        return line, len(self.data[start:offset].decode("utf-8", "replace")) + 1

    def span(self, start: int, end: int) -> Span:
        """The span of bytes [start, end); the end is the position of the last byte."""
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end - 1))
        return Span(line, column, end_line, end_column)

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", "replace")

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.data)
        return self.data[start:end].decode("utf-8", "replace")


def skip_trivia(data: bytes, position: int, end: int) -> int:
    """The offset of the first byte at or after `position` that is not white space or comment."""
    while position < end:
        byte = data[position]
        if byte in b" \t\r\n\f\v":
            position += 1
        elif data.startswith(b"--", position):
            newline = data.find(b"\n", position, end)
            position = end if newline == -1 else newline + 1
        elif data.startswith(b"/*", position):
            position = block_comment_end(data, position, end)
        else:
            return position
    return end


def block_comment_end(data: bytes, position: int, end: int) -> int:
    depth = 0
    while position < end:
        if data.startswith(b"/*", position):
            depth += 1
            position += 2
        elif data.startswith(b"*/", position):
            depth -= 1
            position += 2
            if depth == 0:
                return position
        else:
            position += 1
    return end
