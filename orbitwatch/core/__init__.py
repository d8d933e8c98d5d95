"""The core: what every stage and every command stands on, and which imports none of them.

Settings, typed errors, Kafka and Elasticsearch client plumbing, logging, the metrics and
health server, generated-file helpers, namespaces and the public-address guard. Nothing in
here imports ``schemas``, a stage (``connectors``, ``streams``) or the command line.
"""

__version__ = "0.1.0"
