"""One router per area of the desk."""
