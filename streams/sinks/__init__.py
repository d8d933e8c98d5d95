"""Sinks: where the worker writes outside Kafka, in batches, with retries that never drop."""
