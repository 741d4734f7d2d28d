"""Domain errors the CLI turns into one-line messages."""


class StoreError(Exception):
    """Something about stored data a user can act on (unknown id, duplicate address, …)."""


class DuplicateContact(StoreError):
    """A contact with this address (or id) exists already: a re-run import skips the row."""


class ContactNotFound(StoreError):
    def __init__(self, contact_id: str) -> None:
        super().__init__(f"no contact with id {contact_id!r} (see `sales-agent contacts list`)")
        self.contact_id = contact_id
