"""outcomes: what workshops found, recommended and committed to, from
facilitators' YAML notes to a searchable Datasette site and Word proceedings."""

__version__ = "0.1.0"
