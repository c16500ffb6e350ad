"""Stores (SQLite file, Neo4j) and the NetworkX projection of what they hold."""

from .store import ActorFilter, LoadSession, Store, default_store_uri, open_store

__all__ = ["Store", "LoadSession", "ActorFilter", "open_store", "default_store_uri"]
