"""Coldsight's pure core: payload formats -> SafeTx -> hashes -> call tree -> findings -> Report.

Nothing in this package touches Qt, cameras, the terminal or the network (see DESIGN.md);
`tests/test_dependency_rule.py` enforces that.
"""
