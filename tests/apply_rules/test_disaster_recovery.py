"""Apply-time rules of the disaster-recovery resources, over every resource of their types in every stack.

What terraform-provider-aws and the services refuse (or silently mis-run) at apply time, each rule with its source:

- ``aws_dynamodb_table`` with ``replica`` blocks (global tables 2019.11.21; the provider's aws_dynamodb_table docs,
  facts.md): the table's stream must be on with ``NEW_AND_OLD_IMAGES``; a replica is in another region than the
  table; its ``kms_key_arn`` must be a key of the replica's region (KMS keys are regional; a multi-region replica
  key there); ``point_in_time_recovery`` is per replica (off unless set, and the product wants it on everywhere).
  ``replica.kms_key_arn`` is ForceNew on the replica (provider 4.52.0 notes): recreating a replica drops its data.
- ``aws_kms_replica_key`` (internal/service/kms/replica_key.go, KMS ReplicateKey): ``primary_key_arn`` must be a
  multi-region key (``multi_region = true``, itself ForceNew on aws_kms_key) and the replica must be in another
  region than its primary.
- ``aws_s3_bucket_replication_configuration`` (S3 User Guide, "Replication requirements", "Replicating objects
  created with SSE-KMS"; the resource's docs): both buckets versioned before replication is put (``depends_on``
  their ``aws_s3_bucket_versioning``); a destination ``encryption_configuration`` only with
  ``source_selection_criteria.sse_kms_encrypted_objects`` Enabled; a rule with ``filter`` needs
  ``delete_marker_replication``; the role is assumable by ``s3.amazonaws.com`` and allows exactly reading the
  source's versions and replicating into the destination, with each key through S3 only.
- A standby's settlement path: a replica emits stream records for replicated writes, so the standby's pipe is
  created ``STOPPED`` and its sweep rule ``DISABLED``, and no deploy may switch them back (``ignore_changes``); with
  a standby, the primary's too (make failover stops them). The replica it reads must exist: a table of another stack
  with a replica in the standby's region.
- Route 53 (``aws_route53_health_check``, ``aws_route53_record``): request_interval 10 or 30, failure_threshold 1-10;
  failover records: one ``PRIMARY`` carrying a health check and one ``SECONDARY`` per name, distinct
  ``set_identifier``, a TTL on non-alias records; detection + propagation + TTL within the RTO.
- ``aws_api_gateway_api_key``: a given ``value`` is at least 20 characters (CreateApiKey); one read from elsewhere
  (the standby's, from the replicated secret) is guarded by a precondition saying which entry is missing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from payment_infra.config.dr import DNS_PROPAGATION_SECONDS, RTO_TARGET_SECONDS
from tests.apply_rules.support import REFERENCE, Stacks, broken, of_type, region_of, stack_region
from tests.security.support import as_list

MIN_API_KEY_LENGTH = 20


def _address(value: Any) -> str | None:
    match = REFERENCE.search(value) if isinstance(value, str) else None
    return match["address"] if match else None


def _body(stack: dict, address: str | None) -> dict[str, Any]:
    if not address:
        return {}
    if address.startswith("data."):
        rtype, lid = address.removeprefix("data.").split(".", 1)
        return stack.get("data", {}).get(rtype, {}).get(lid, {})
    rtype, lid = address.split(".", 1)
    return of_type(stack, rtype).get(lid, {})


def _one(block: Any) -> dict[str, Any]:
    if isinstance(block, list):
        return block[0] if block else {}
    return block or {}


# ---- global tables ---------------------------------------------------------------------------------------


def global_table_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for lid, table in of_type(stack, "aws_dynamodb_table").items():
            replicas = as_list(table.get("replica"))
            if not replicas:
                continue
            where = f"{stack_id}: aws_dynamodb_table.{lid}"
            if not table.get("stream_enabled") or table.get("stream_view_type") != "NEW_AND_OLD_IMAGES":
                problems.append(
                    f"{where}: a replica needs stream_enabled with stream_view_type NEW_AND_OLD_IMAGES "
                    f"(got {table.get('stream_enabled')!r}, {table.get('stream_view_type')!r})"
                )
            for replica in replicas:
                region = replica.get("region_name")
                if region == region_of(stack, table):
                    problems.append(f"{where}: replica in {region}, the table's own region")
                if replica.get("point_in_time_recovery") is not True:
                    problems.append(f"{where}: the replica in {region} has no point_in_time_recovery")
                key = _address(replica.get("kms_key_arn"))
                if not key or not key.startswith(("aws_kms_replica_key.", "aws_kms_key.")):
                    problems.append(f"{where}: the replica in {region} has no customer managed key of this stack")
                elif region_of(stack, _body(stack, key)) != region:
                    problems.append(
                        f"{where}: the replica in {region} uses {key}, a key of "
                        f"{region_of(stack, _body(stack, key))}: KMS keys are regional"
                    )
    return problems


def test_global_table_replicas_hold(all_stacks: Stacks) -> None:
    assert global_table_problems(all_stacks) == []
    replicated = [t for t in of_type(all_stacks["payment-prod"], "aws_dynamodb_table").values() if t.get("replica")]
    assert len(replicated) == 2  # transactions and idempotency: the rule has something to hold


def _tables(mutate):
    def apply(stack: dict) -> None:
        for table in of_type(stack, "aws_dynamodb_table").values():
            mutate(table)

    return apply


def test_global_table_replicas_catch_a_new_image_stream(all_stacks: Stacks) -> None:
    problems = global_table_problems(
        broken(all_stacks, "payment-prod", _tables(lambda t: t.update(stream_view_type="NEW_IMAGE")))
    )
    assert len(problems) == 2 and all("NEW_AND_OLD_IMAGES" in p for p in problems)


def test_global_table_replicas_catch_a_replica_without_pitr_or_in_its_own_region(all_stacks: Stacks) -> None:
    problems = global_table_problems(
        broken(all_stacks, "payment-prod", _tables(lambda t: t["replica"][0].update(point_in_time_recovery=False)))
    )
    assert len(problems) == 2 and all("no point_in_time_recovery" in p for p in problems)
    problems = global_table_problems(
        broken(all_stacks, "payment-prod", _tables(lambda t: t["replica"][0].update(region_name="ap-northeast-2")))
    )
    assert any("the table's own region" in p for p in problems)


def test_global_table_replicas_catch_a_key_of_the_primary_region(all_stacks: Stacks) -> None:
    def primary_key(table: dict) -> None:
        table["replica"][0]["kms_key_arn"] = table["server_side_encryption"]["kms_key_arn"]

    problems = global_table_problems(broken(all_stacks, "payment-prod", _tables(primary_key)))
    assert len(problems) == 2 and all("a key of ap-northeast-2: KMS keys are regional" in p for p in problems)


# ---- multi-region key and its replica ----------------------------------------------------------------------


def replica_key_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for lid, replica in of_type(stack, "aws_kms_replica_key").items():
            where = f"{stack_id}: aws_kms_replica_key.{lid}"
            primary = _address(replica.get("primary_key_arn"))
            body = _body(stack, primary)
            if not primary or not primary.startswith("aws_kms_key.") or body.get("multi_region") is not True:
                problems.append(f"{where}: primary_key_arn must be a multi-region aws_kms_key (multi_region = true)")
            elif region_of(stack, body) == region_of(stack, replica):
                problems.append(f"{where}: in {region_of(stack, replica)}, its primary's region")
            if not replica.get("policy"):
                problems.append(f"{where}: no policy (a replica key's policy is its own, not its primary's)")
    return problems


def test_replica_keys_hold(all_stacks: Stacks) -> None:
    assert replica_key_problems(all_stacks) == []
    assert of_type(all_stacks["payment-prod"], "aws_kms_replica_key")


def test_replica_keys_catch_a_single_region_primary(all_stacks: Stacks) -> None:
    def single_region(stack: dict) -> None:
        for key in of_type(stack, "aws_kms_key").values():
            key.pop("multi_region", None)

    (problem,) = replica_key_problems(broken(all_stacks, "payment-prod", single_region))
    assert "must be a multi-region aws_kms_key" in problem


def test_replica_keys_catch_a_replica_in_its_primarys_region(all_stacks: Stacks) -> None:
    def same_region(stack: dict) -> None:
        for replica in of_type(stack, "aws_kms_replica_key").values():
            replica.pop("provider")

    (problem,) = replica_key_problems(broken(all_stacks, "payment-prod", same_region))
    assert "in ap-northeast-2, its primary's region" in problem


# ---- S3 replication ------------------------------------------------------------------------------------------


REPLICATION_ACTIONS = {
    "source_bucket": {"s3:GetReplicationConfiguration", "s3:ListBucket"},
    "source_objects": {"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"},
    "destination_objects": {"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"},
}


def _versioning_of(stack: dict, bucket_address: str) -> str | None:
    lid = bucket_address.split(".", 1)[1]
    for vid, versioning in of_type(stack, "aws_s3_bucket_versioning").items():
        enabled = _one(versioning.get("versioning_configuration")).get("status") == "Enabled"
        if enabled and _address(versioning.get("bucket")) == f"aws_s3_bucket.{lid}":
            return f"aws_s3_bucket_versioning.{vid}"
    return None


def s3_replication_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for lid, config in of_type(stack, "aws_s3_bucket_replication_configuration").items():
            where = f"{stack_id}: aws_s3_bucket_replication_configuration.{lid}"
            source = _address(config.get("bucket"))
            depends = set(config.get("depends_on", []))
            for rule in as_list(config.get("rule")):
                destination = _address(_one(rule.get("destination")).get("bucket"))
                for bucket in (source, destination):
                    versioning = _versioning_of(stack, bucket) if bucket else None
                    if versioning is None or versioning not in depends:
                        problems.append(
                            f"{where}: {bucket} must be versioned (aws_s3_bucket_versioning Enabled) "
                            "before replication is put: depends_on it"
                        )
                encrypted = _one(_one(rule.get("destination")).get("encryption_configuration")).get(
                    "replica_kms_key_id"
                )
                criteria = _one(_one(rule.get("source_selection_criteria")).get("sse_kms_encrypted_objects"))
                if encrypted and criteria.get("status") != "Enabled":
                    problems.append(
                        f"{where}: destination encryption_configuration needs "
                        "source_selection_criteria.sse_kms_encrypted_objects Enabled"
                    )
                if "filter" in rule and not rule.get("delete_marker_replication"):
                    problems.append(f"{where}: a rule with a filter needs delete_marker_replication")
                problems += _replication_role_problems(where, stack, config, source, destination, encrypted)
    return problems


def _replication_role_problems(where, stack, config, source, destination, destination_key) -> list[str]:
    role = _address(config.get("role"))
    if not role or not role.startswith("aws_iam_role."):
        return [f"{where}: role must be a role of this stack"]
    trust = json.loads(_body(stack, role).get("assume_role_policy", "{}"))
    problems = []
    if not any(
        "s3.amazonaws.com" in as_list((s.get("Principal") or {}).get("Service")) for s in trust.get("Statement", [])
    ):
        problems.append(f"{where}: its role cannot be assumed by s3.amazonaws.com")
    wanted = {
        (frozenset(REPLICATION_ACTIONS["source_bucket"]), (source,)),
        (frozenset(REPLICATION_ACTIONS["source_objects"]), (f"{source}/*",)),
        (frozenset(REPLICATION_ACTIONS["destination_objects"]), (f"{destination}/*",)),
        (frozenset({"kms:Decrypt"}), (_bucket_key(stack, source),)),
        (frozenset({"kms:Encrypt", "kms:GenerateDataKey"}), (_address(destination_key),)),
    }
    found = set()
    for statement in _role_statements(stack, role):
        actions = as_list(statement.get("Action"))
        resources = tuple(
            f"{_address(r)}/*" if str(r).endswith("/*") else _address(r) or r
            for r in as_list(statement.get("Resource"))
        )
        found.add((frozenset(actions), resources))
        if any(a.startswith("kms:") for a in actions) and "kms:ViaService" not in json.dumps(
            statement.get("Condition")
        ):
            problems.append(f"{where}: its role may use a key outside S3 ({statement.get('Sid')}: no kms:ViaService)")
    if found != wanted:
        extra, missing = sorted(map(_show, found - wanted)), sorted(map(_show, wanted - found))
        problems.append(f"{where}: its role allows {extra} beyond, and lacks {missing} of, what replication needs")
    return problems


def _show(grant: tuple[frozenset, tuple]) -> str:
    return f"{sorted(grant[0])} on {list(grant[1])}"


def _role_statements(stack: dict, role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in of_type(stack, "aws_iam_role_policy").values() if _address(policy.get("role")) == role
        for statement in json.loads(policy["policy"])["Statement"] if statement.get("Effect") == "Allow"
    ]  # fmt: skip


def _bucket_key(stack: dict, bucket: str | None) -> str | None:
    """The key a bucket's default encryption names."""
    for sse in of_type(stack, "aws_s3_bucket_server_side_encryption_configuration").values():
        if bucket and _address(sse.get("bucket")) == bucket:
            default = _one(as_list(sse.get("rule"))[0].get("apply_server_side_encryption_by_default"))
            return _address(default.get("kms_master_key_id"))
    return None


def test_s3_replication_holds(all_stacks: Stacks) -> None:
    assert s3_replication_problems(all_stacks) == []
    assert of_type(all_stacks["payment-prod"], "aws_s3_bucket_replication_configuration")


def _replication(mutate):
    def apply(stack: dict) -> None:
        for config in of_type(stack, "aws_s3_bucket_replication_configuration").values():
            mutate(config)

    return apply


def test_s3_replication_catches_an_unversioned_destination(all_stacks: Stacks) -> None:
    problems = s3_replication_problems(
        broken(all_stacks, "payment-prod", _replication(lambda c: c["depends_on"].pop(1)))
    )
    assert len(problems) == 1 and "must be versioned" in problems[0] and "replica" in problems[0]


def test_s3_replication_catches_encryption_without_kms_selection(all_stacks: Stacks) -> None:
    problems = s3_replication_problems(
        broken(all_stacks, "payment-prod", _replication(lambda c: c["rule"][0].pop("source_selection_criteria")))
    )
    assert problems == [problems[0]] and "sse_kms_encrypted_objects Enabled" in problems[0]


def test_s3_replication_catches_a_broader_role(all_stacks: Stacks) -> None:
    def widen(stack: dict) -> None:
        for policy in of_type(stack, "aws_iam_role_policy").values():
            document = json.loads(policy["policy"])
            for statement in document["Statement"]:
                if statement.get("Sid") == "ReplicateIntoDestination":
                    statement["Action"] = ["s3:*"]
            policy["policy"] = json.dumps(document)

    (problem,) = s3_replication_problems(broken(all_stacks, "payment-prod", widen))
    assert "s3:*" in problem and "s3:ReplicateObject" in problem


# ---- the standby's settlement path ---------------------------------------------------------------------------


def settlement_switch_problems(stacks: Stacks) -> list[str]:
    """A standby's pipe and sweep are created off; with a standby, neither side's state is managed by deploys."""
    problems = []
    replicated_regions = {
        (t["name"], replica["region_name"])
        for stack in stacks.values() for t in of_type(stack, "aws_dynamodb_table").values()
        for replica in as_list(t.get("replica"))
    }  # fmt: skip
    for stack_id, stack in stacks.items():
        reads_replicas = bool(stack.get("data", {}).get("aws_dynamodb_table"))
        has_standby = any(t.get("replica") for t in of_type(stack, "aws_dynamodb_table").values())
        for name in (t["name"] for t in stack.get("data", {}).get("aws_dynamodb_table", {}).values()):
            if (name, stack_region(stack)) not in replicated_regions:
                problems.append(
                    f"{stack_id}: reads the table {name}, which no stack replicates to {stack_region(stack)}"
                )
        if not (reads_replicas or has_standby):
            continue
        for rtype, attribute, off, on in (
            ("aws_pipes_pipe", "desired_state", "STOPPED", "RUNNING"),
            ("aws_cloudwatch_event_rule", "state", "DISABLED", "ENABLED"),
        ):
            for lid, body in of_type(stack, rtype).items():
                where = f"{stack_id}: {rtype}.{lid}"
                wanted = off if reads_replicas else on
                if body.get(attribute) != wanted:
                    problems.append(
                        f"{where}: {attribute} {body.get(attribute)!r}, must be created {wanted!r}"
                        + (" (a replica's stream carries the primary's writes)" if reads_replicas else "")
                    )
                if attribute not in ((body.get("lifecycle") or {}).get("ignore_changes") or []):
                    problems.append(
                        f"{where}: lifecycle.ignore_changes lacks {attribute!r}: a deploy would undo "
                        "an operator's failover"
                    )
    return problems


def test_settlement_switch_holds(all_stacks: Stacks) -> None:
    assert settlement_switch_problems(all_stacks) == []
    pipe = next(iter(of_type(all_stacks["payment-prod-dr"], "aws_pipes_pipe").values()))
    assert pipe["desired_state"] == "STOPPED"


def test_settlement_switch_catches_a_running_standby(all_stacks: Stacks) -> None:
    def run(stack: dict) -> None:
        for pipe in of_type(stack, "aws_pipes_pipe").values():
            pipe["desired_state"] = "RUNNING"

    (problem,) = settlement_switch_problems(broken(all_stacks, "payment-prod-dr", run))
    assert "must be created 'STOPPED'" in problem


def test_settlement_switch_catches_a_deploy_that_would_restart_the_primary(all_stacks: Stacks) -> None:
    def manage(stack: dict) -> None:
        for rule in of_type(stack, "aws_cloudwatch_event_rule").values():
            rule.pop("lifecycle")

    (problem,) = settlement_switch_problems(broken(all_stacks, "payment-prod", manage))
    assert problem.startswith("payment-prod: aws_cloudwatch_event_rule.") and "ignore_changes lacks 'state'" in problem


def test_settlement_switch_catches_a_standby_of_an_unreplicated_table(all_stacks: Stacks) -> None:
    def drop_replicas(stack: dict) -> None:
        for table in of_type(stack, "aws_dynamodb_table").values():
            table.pop("replica", None)

    problems = settlement_switch_problems(broken(all_stacks, "payment-prod", drop_replicas))
    assert any(
        "reads the table payment-transactions-prod, which no stack replicates to ap-northeast-1" in p for p in problems
    )


# ---- a pipe follows its stream -------------------------------------------------------------------------------


def pipe_source_problems(stacks: Stacks) -> list[str]:
    """A stream source is a reference to the table's ``stream_arn``, never a literal: a changed view type replaces
    the stream (the first apply with a standby does), and only a reference makes the next plan replace the pipe
    (hashicorp/terraform-provider-aws#42560: the first plan does not know the new ARN; docs/disaster-recovery.md)."""
    problems = []
    for stack_id, stack in stacks.items():
        for lid, pipe in of_type(stack, "aws_pipes_pipe").items():
            source = str(pipe.get("source"))
            if not (
                source.startswith(("${aws_dynamodb_table.", "${data.aws_dynamodb_table."))
                and source.endswith(".stream_arn}")
            ):
                problems.append(
                    f"{stack_id}: aws_pipes_pipe.{lid}: source {pipe.get('source')!r} is not a table's "
                    "stream_arn reference"
                )
    return problems


def test_pipe_sources_follow_their_stream(all_stacks: Stacks) -> None:
    assert pipe_source_problems(all_stacks) == []


def test_pipe_sources_catch_a_literal_stream_arn(all_stacks: Stacks) -> None:
    def literal(stack: dict) -> None:
        for pipe in of_type(stack, "aws_pipes_pipe").values():
            pipe["source"] = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/t/stream/2026-01-01T00:00:00.000"

    (problem,) = pipe_source_problems(broken(all_stacks, "payment-prod", literal))
    assert "is not a table's stream_arn reference" in problem


# ---- API key values ------------------------------------------------------------------------------------------


def api_key_value_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for lid, key in of_type(stack, "aws_api_gateway_api_key").items():
            value = key.get("value")
            if value is None:
                continue  # API Gateway generates one
            where = f"{stack_id}: aws_api_gateway_api_key.{lid}"
            if "${" not in value:
                if len(value) < MIN_API_KEY_LENGTH:
                    problems.append(f"{where}: value of {len(value)} characters, at least {MIN_API_KEY_LENGTH}")
                continue
            conditions = [c.get("condition", "") for c in (key.get("lifecycle") or {}).get("precondition", [])]
            inner = value[2:-1]
            if not any(f"length({inner})" in c and f">= {MIN_API_KEY_LENGTH}" in c for c in conditions):
                problems.append(
                    f"{where}: a value read from elsewhere needs a precondition length(...) >= "
                    f"{MIN_API_KEY_LENGTH} (CreateApiKey refuses shorter ones)"
                )
    return problems


def test_api_key_values_hold(all_stacks: Stacks) -> None:
    assert api_key_value_problems(all_stacks) == []
    assert all("value" in key for key in of_type(all_stacks["payment-prod-dr"], "aws_api_gateway_api_key").values())


def test_api_key_values_catch_an_unguarded_value(all_stacks: Stacks) -> None:
    def unguard(stack: dict) -> None:
        for key in of_type(stack, "aws_api_gateway_api_key").values():
            key.pop("lifecycle")

    (problem,) = api_key_value_problems(broken(all_stacks, "payment-prod-dr", unguard))
    assert "needs a precondition" in problem


def test_api_key_values_catch_a_short_value(all_stacks: Stacks) -> None:
    def short(stack: dict) -> None:
        for key in of_type(stack, "aws_api_gateway_api_key").values():
            key["value"] = "too-short"

    (problem,) = api_key_value_problems(broken(all_stacks, "payment-dev", short))
    assert "value of 9 characters" in problem


# ---- Route 53 failover ---------------------------------------------------------------------------------------

_RECORD_NAME = re.compile(r"^[a-z0-9.-]+$")


def failover_dns_problems(stacks: Stacks) -> list[str]:
    problems = []
    records: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    checks = {}
    for stack_id, stack in stacks.items():
        for lid, check in of_type(stack, "aws_route53_health_check").items():
            where = f"{stack_id}: aws_route53_health_check.{lid}"
            checks[(stack_id, lid)] = check
            if check.get("request_interval") not in (10, 30):
                problems.append(f"{where}: request_interval {check.get('request_interval')!r}, allowed 10 or 30")
            if not 1 <= int(check.get("failure_threshold", 3)) <= 10:
                problems.append(f"{where}: failure_threshold {check.get('failure_threshold')!r}, allowed 1-10")
            if check.get("type") == "HTTPS" and (
                check.get("port") != 443 or not str(check.get("resource_path", "")).startswith("/")
            ):
                problems.append(f"{where}: an HTTPS check needs port 443 and a resource_path starting with /")
        for lid, record in of_type(stack, "aws_route53_record").items():
            policy = _one(record.get("failover_routing_policy"))
            if policy:
                records.setdefault((record.get("zone_id"), record.get("name")), []).append(
                    (f"{stack_id}: {lid}", record)
                )
                if "alias" not in record and not record.get("ttl"):
                    problems.append(f"{stack_id}: aws_route53_record.{lid}: a non-alias record needs a ttl")
    for (zone, name), found in records.items():
        kinds = sorted(_one(r["failover_routing_policy"]).get("type") for _, r in found)
        if kinds != ["PRIMARY", "SECONDARY"]:
            problems.append(f"{name} in {zone}: failover records {kinds}, needs exactly one PRIMARY and one SECONDARY")
        identifiers = [r.get("set_identifier") for _, r in found]
        if len(set(identifiers)) != len(identifiers):
            problems.append(f"{name} in {zone}: set_identifier {identifiers} must differ")
        for where, record in found:
            if _one(record["failover_routing_policy"]).get("type") != "PRIMARY":
                continue
            check_address = _address(record.get("health_check_id"))
            stack_id = where.split(":", 1)[0]
            check = checks.get((stack_id, check_address.split(".", 1)[1])) if check_address else None
            if check is None:
                problems.append(f"{where}: the PRIMARY record carries no health check: Route 53 would never fail over")
                continue
            rto = (
                int(check["request_interval"]) * int(check.get("failure_threshold", 3))
                + DNS_PROPAGATION_SECONDS
                + int(record.get("ttl", 0))
            )
            if rto > RTO_TARGET_SECONDS:
                problems.append(
                    f"{where}: detection + propagation + ttl = {rto} s, beyond the RTO of {RTO_TARGET_SECONDS} s"
                )
    return problems


def test_failover_dns_holds(dns_stacks: Stacks, all_stacks: Stacks) -> None:
    assert failover_dns_problems(dns_stacks) == []
    assert failover_dns_problems(all_stacks) == []  # manual failover: no records at all
    assert of_type(dns_stacks["payment-prod"], "aws_route53_health_check")


def _records(mutate):
    def apply(stack: dict) -> None:
        for record in of_type(stack, "aws_route53_record").values():
            if record.get("failover_routing_policy"):
                mutate(record)

    return apply


def test_failover_dns_catches_a_primary_without_health_check(dns_stacks: Stacks) -> None:
    (problem,) = failover_dns_problems(broken(dns_stacks, "payment-prod", _records(lambda r: r.pop("health_check_id"))))
    assert "carries no health check" in problem


def test_failover_dns_catches_two_primaries_and_a_long_ttl(dns_stacks: Stacks) -> None:
    problems = failover_dns_problems(
        broken(dns_stacks, "payment-prod-dr", _records(lambda r: r.update(failover_routing_policy={"type": "PRIMARY"})))
    )
    assert any("needs exactly one PRIMARY and one SECONDARY" in p for p in problems)
    problems = failover_dns_problems(broken(dns_stacks, "payment-prod", _records(lambda r: r.update(ttl=3600))))
    assert any("beyond the RTO of 300 s" in p for p in problems)


def test_failover_dns_catches_an_interval_route53_refuses(dns_stacks: Stacks) -> None:
    def every_minute(stack: dict) -> None:
        for check in of_type(stack, "aws_route53_health_check").values():
            check["request_interval"] = 60

    (problem,) = failover_dns_problems(broken(dns_stacks, "payment-prod", every_minute))
    assert "request_interval 60, allowed 10 or 30" in problem


# ---- keys a standby finds by alias ------------------------------------------------------------------------------


def standby_key_problems(stacks: Stacks) -> list[str]:
    """Every key a stack reads by alias (a standby's data key) is a key another stack makes in that region, and its
    policy allows what that stack uses it for: IAM of the account, and the log delivery of an encrypted state
    machine that logs (Step Functions developer guide, "Data at rest encryption")."""
    from tests.apply_rules.test_kms_key_users import ROOT_DELEGATION, _allows

    aliases = {}
    for stack_id, stack in stacks.items():
        for alias in of_type(stack, "aws_kms_alias").values():
            target = _address(alias.get("target_key_id"))
            aliases[(alias["name"], region_of(stack, alias))] = (stack_id, stack, target)
    problems = []
    for stack_id, stack in stacks.items():
        for lid, key in stack.get("data", {}).get("aws_kms_key", {}).items():
            where = f"{stack_id}: data.aws_kms_key.{lid}"
            owner = aliases.get((key.get("key_id"), stack_region(stack)))
            if owner is None:
                problems.append(f"{where}: no stack makes {key.get('key_id')} in {stack_region(stack)}")
                continue
            owner_id, owner_stack, target = owner
            policy = json.loads(_body(owner_stack, target).get("policy", "{}"))
            logging_machines = [
                m for m in of_type(stack, "aws_sfn_state_machine").values()
                if _address(_one(m.get("encryption_configuration")).get("kms_key_id")) == f"data.aws_kms_key.{lid}"
                and _one(m.get("logging_configuration")).get("level", "OFF") != "OFF"
            ]  # fmt: skip
            needed = [ROOT_DELEGATION] + (["delivery.logs.amazonaws.com"] if logging_machines else [])
            for principal in needed:
                if not _allows(policy, principal):
                    problems.append(f"{where} is {owner_id}'s {target}, whose policy has no Allow for {principal}")
            regional = json.dumps(policy.get("Statement", []))
            if logging_machines and f":logs:{stack_region(stack)}:" not in regional:
                problems.append(
                    f"{where}: {target}'s log delivery statement names no log group of {stack_region(stack)}"
                )
    return problems


def test_standby_keys_hold(all_stacks: Stacks) -> None:
    assert standby_key_problems(all_stacks) == []
    assert all_stacks["payment-prod-dr"]["data"]["aws_kms_key"]  # the rule has something to hold


def test_standby_keys_catch_a_replica_key_policy_without_log_delivery(all_stacks: Stacks) -> None:
    def drop(stack: dict) -> None:
        for replica in of_type(stack, "aws_kms_replica_key").values():
            policy = json.loads(replica["policy"])
            policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "AllowStepFunctionsLogDelivery"]
            replica["policy"] = json.dumps(policy)

    problems = standby_key_problems(broken(all_stacks, "payment-prod", drop))
    assert any("has no Allow for delivery.logs.amazonaws.com" in p for p in problems), problems


def test_standby_keys_catch_a_log_delivery_statement_of_the_primary_region(all_stacks: Stacks) -> None:
    def primary_region(stack: dict) -> None:
        for replica in of_type(stack, "aws_kms_replica_key").values():
            replica["policy"] = replica["policy"].replace(":logs:ap-northeast-1:", ":logs:ap-northeast-2:")

    (problem,) = standby_key_problems(broken(all_stacks, "payment-prod", primary_region))
    assert "names no log group of ap-northeast-1" in problem


def test_standby_keys_catch_a_missing_replica_alias(all_stacks: Stacks) -> None:
    def drop(stack: dict) -> None:
        aliases = of_type(stack, "aws_kms_alias")
        for lid in [lid for lid, alias in aliases.items() if alias.get("provider")]:
            del aliases[lid]

    problems = standby_key_problems(broken(all_stacks, "payment-prod", drop))
    assert len(problems) == 2 and all(
        "no stack makes alias/payment-data-prod-dr in ap-northeast-1" in p for p in problems
    )
