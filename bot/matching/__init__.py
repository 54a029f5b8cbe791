"""Matching members who share pain points into pairs (one trio when the count is odd)."""
