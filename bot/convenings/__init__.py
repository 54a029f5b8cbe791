"""Convenings: the gathering the community exists for. Seating attendees at tables by the pain
point they share, role-play roles and table briefs, and offline planning from a CSV."""
