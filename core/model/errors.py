"""The one exception type for bad user input: a message that says what is wrong and where."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user. The message names the file, column and row when known.

    The app shows it with st.error; the command line prints `error: <message>` and exits 2.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        self.file, self.column, self.row = file, column, row
        where = []
        if file:
            where.append(f"file {file!r}")
        if column:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)
