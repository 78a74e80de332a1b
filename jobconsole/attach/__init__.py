"""Attaching to a scheduler through its database: the leader's published state, commands, the remote view."""
