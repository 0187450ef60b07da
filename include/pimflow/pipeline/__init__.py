"""The DAGs' building blocks: task groups every target's DAG assembles.

DAG files stay short and cheap to parse: these modules import only the Task SDK at module
level; each task imports what it needs when it runs.
"""
