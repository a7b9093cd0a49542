"""Infrastructure of the payment API (CDKTF, Python).

``payment_infra.aws`` is imported first on purpose: it must adjust the jsii kernel's environment before
anything imports ``cdktf`` or ``constructs`` (which starts the kernel).
"""

from payment_infra import aws as _aws  # noqa: F401  (must run first, see above)
