"""Email channel parsing and detection."""
