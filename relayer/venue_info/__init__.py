"""Venue discovery: ``GET /v1/venue``, what a desk needs to sign, size and deposit."""
