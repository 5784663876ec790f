"""Announcement channels: routing by the SOP, post texts, the platform adapters and the posting ledger
(docs/channels.md)."""
