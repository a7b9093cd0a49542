"""Lambda entry points: parse the event, call a use case, map errors to responses."""
