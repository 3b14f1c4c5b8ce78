"""The runtime's one error type: a message for the user, printed as one line
(and as a JSON log record with --log-format json), never a traceback."""


class ContainerError(Exception):
    """A user-facing failure: bad input, a container in the wrong state, a
    refused system call. The message says what and where."""


class ConfigError(ContainerError):
    """config.json is malformed: one message per bad field, each naming the
    field's path (e.g. `process.args`)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(f"config.json: {p}" for p in problems))
