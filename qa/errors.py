"""The error hierarchy: every failure a user can cause or meet is a QAError."""


class QAError(Exception):
    """Base class of report-qa's errors; the message is meant for the user."""


class InputError(QAError, ValueError):
    """A bad query or argument (empty query, k out of range, ...)."""


class CorpusError(QAError):
    """The corpus cannot be read: missing folder, no documents, undecodable file."""


class IndexFileError(QAError):
    """The persisted index is missing, corrupt or stale and cannot be rebuilt."""


class ModelError(QAError):
    """The embedding model cannot be found or loaded."""

