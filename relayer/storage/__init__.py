"""Durable storage (SQLAlchemy Core): the accepted-command log plus queryable orders and fills."""
