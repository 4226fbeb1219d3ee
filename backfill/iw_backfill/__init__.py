"""integrity-worker's backfill: the worker's models, policy and contracts applied to stored pins on Spark."""

VERSION = "0.1.0"
