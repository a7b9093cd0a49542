"""Infrastructure of the payment API (CDK for Terraform, Python).

Importing this package does nothing else: the synth accelerator is an explicit call
(``payment_infra.accelerate.enable()``, made by ``main.py`` and ``tests/conftest.py``).
"""
