"""The demo: a seeded simulation of a claims service centre, run through the use cases.

`run_demo(uow, seed=7, days=182)` makes the data for `flowdesk demo`, the tests and the
benchmarks.
"""

from flowdesk.demo.runner import DemoSummary, run_demo

__all__ = ["DemoSummary", "run_demo"]
