"""Local payment API emulator: no Docker, one command (``make local``).

Serves the API described by the synthesized stack's OpenAPI document on 127.0.0.1,
invoking the real handlers of ``lambdas/`` with API Gateway REST proxy events, against
AWS services emulated by moto's server mode in the same process. Modules:

``stack``        read ``cdktf.out/stacks/payment-<env>/cdk.tf.json``, resolve references
``moto_server``  moto's ``ThreadedMotoServer`` on a free loopback port
``provision``    create tables, queues (with redrive), buckets, topics from the stack
``runtime``      set the functions' environment, import and invoke the handlers
``gateway``      HTTP front: API key, usage plan, request validation, routing, gateway responses
                 (``api_operations`` reads the OpenAPI document's operations, ``usage_plan`` throttles)
``workers``      settlement poller (event source mapping) and the batch-import trigger
``faults``       test-only fault injection (botocore hooks)
``switches``     the pipes' and sweep rules' on/off states in moto, which the pipe and schedule threads obey
``outputs``      the stack's outputs as the emulated resources answer them (for operator tools)
``app``          wires it all; ``__main__`` is the CLI; ``bench`` a load benchmark

Disaster recovery (a primary and its standby in two regions):

``regions``         one moto for several regions, an endpoint per region that can fail and come back
``replication``     asynchronous, ordered shipping of changes between regions, with measured lag
``global_tables``   DynamoDB global tables from the ``replica`` blocks (last writer wins, replica stream records)
``s3_replication``  a bucket's replication configuration, carried out
``cross_region``    provisioning of the other region's resources, data-source tables, bucket replication
``two_regions``     both stacks served, each by its own emulator process, and region outages
``drill``           ``make failover-drill`` (``drill_checks``: its judgement; ``drill_observe``: what each region did)
"""

from __future__ import annotations

__all__ = ["Emulator", "Options"]


def __getattr__(name: str):
    if name in __all__:
        from payment_local import app

        return getattr(app, name)
    raise AttributeError(name)
