"""The interview's state and its one owner: typed decisions, the module that applies them, and the session service."""
