"""Payment API application: Lambda handlers, pure domain and AWS adapters.

Read top-down: ``handlers`` (thin Lambda entry points) call ``domain.services``
(pure use cases over ports), which ``adapters`` implement with boto3.
"""
