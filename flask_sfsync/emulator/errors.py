"""Salesforce-visible errors raised by the local org.

Every layer of the emulator raises :class:`SalesforceApiError`; the servers turn it into
Salesforce's JSON error shapes. One exception type keeps the mapping in one place::

    SalesforceApiError(status, error_code, message, fields, extra)
      .as_rest()          -> [{"message", "errorCode", "fields"}]        (REST API body)
      .as_record_error()  -> {"statusCode", "message", "fields"}         (Collections/composite)
      MultipleMatchesError                                               (upsert: 300, URLs)
"""

from __future__ import annotations

from typing import Any

__all__ = ["MultipleMatchesError", "SalesforceApiError"]


class SalesforceApiError(Exception):
    """An error Salesforce would report, with its HTTP status and errorCode."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        fields: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields or [])
        # None: Salesforce sends no "fields" key (request-level errors such as NOT_FOUND).
        self._fields_given = fields is not None
        # Extra keys Salesforce adds to an error entry, e.g. "duplicateResult".
        self.extra = dict(extra or {})

    def as_rest(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        # Salesforce omits "fields" on request-level errors (NOT_FOUND, MALFORMED_QUERY ...)
        # and sends it, possibly empty, on record-level ones.
        if self._fields_given or self.fields:
            entry["fields"] = list(self.fields)
        entry.update(self.extra)
        return [entry]

    def as_record_error(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "statusCode": self.error_code,
            "message": self.message,
            "fields": list(self.fields),
        }
        entry.update(self.extra)
        return entry

    def __repr__(self) -> str:
        return f"SalesforceApiError({self.status}, {self.error_code!r}, {self.message!r})"


class MultipleMatchesError(SalesforceApiError):
    """Upsert matched several records: REST answers 300 with the records' URLs."""

    def __init__(self, sobject: str, field: str, value: Any, record_ids: list[str]) -> None:
        super().__init__(300, "MULTIPLE_CHOICES",
                         f"More than one record found for external id field {field}: {value}",
                         [field])
        self.sobject = sobject
        self.record_ids = record_ids

    def urls(self, base_url: str = "/services/data/v60.0") -> list[str]:
        """The 300 response body: a JSON array of the matching records' URLs."""
        return [f"{base_url}/sobjects/{self.sobject}/{rid}" for rid in self.record_ids]
