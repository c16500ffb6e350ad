"""maillage: a territory's ecosystem of actors and partnerships as a knowledge graph."""

__version__ = "0.1.0"
