"""boto3 implementations of the domain ports.

Each adapter takes an injected client (created once per container by
:mod:`payments.adapters.aws`) and turns ``botocore`` errors into domain errors.
"""
