"""The one edit-conflict class is ``records.EditConflict``; the API still imports it here."""

from records import EditConflict

__all__ = ["EditConflict"]
