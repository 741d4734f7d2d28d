"""Email channel: parsing and detection of inbound mail (`parsing`), IMAP/SMTP transport."""
