"""Every document names only what exists: make targets, variables that are read, repository paths, stack
outputs, and links that resolve (tests/ci/doc_claims.py). Each check is shown failing on wrong text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ci import doc_claims
from tests.ci.doc_claims import REPO_ROOT, Facts


@pytest.fixture(scope="module")
def known(synth_dir: Path) -> Facts:
    outputs: set[str] = set()
    for stack in sorted((synth_dir / "stacks").iterdir()):
        outputs |= set(json.loads((stack / "cdk.tf.json").read_text()).get("output", {}))
    assert {"apigateway_url", "cloudwatch_dashboard_url", "vpc_preview_network_id"} <= outputs
    return doc_claims.facts(outputs)


DOCUMENTS = [path.relative_to(REPO_ROOT).as_posix() for path in doc_claims.documents()]


def test_the_documents_are_found() -> None:
    assert {"README.md", "docs/configuration.md", "docs/operations.md", "docs/testing.md", "lambdas/README.md"} <= set(
        DOCUMENTS
    )
    assert "CHANGELOG.md" not in DOCUMENTS


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_claim_of_the_document_is_true(document: str, known: Facts) -> None:
    text = (REPO_ROOT / document).read_text()
    problems = (
        doc_claims.make_target_problems(text, known)
        + doc_claims.variable_problems(text, known, document)
        + doc_claims.path_problems(text, known, document)
        + doc_claims.output_problems(text, known)
        + doc_claims.link_problems(text, document)
    )
    assert not problems, f"{document}:\n" + "\n".join(problems)


def test_the_checks_have_claims_to_check() -> None:
    """The readers find what the README does name, so a passing check is not an empty one."""
    readme = (REPO_ROOT / "README.md").read_text()
    words = " ".join(fragment.text for fragment in doc_claims.fragments(readme))
    for target in ("make synth", "make test", "make test-cdktn", "make deploy", "make local"):
        assert target in words
    assert "PAYMENT_STATE_BUCKET" in {name for _, name in doc_claims.variables_named(readme)}
    assert "scripts/cost.py" in {path for _, path in doc_claims.paths_named(readme, {"scripts"})}
    operations = (REPO_ROOT / "docs" / "operations.md").read_text()
    assert {"cloudwatch_dashboard_url", "sfn_state_machine_arn"} <= {
        name for _, name in doc_claims.outputs_named(operations)
    }


def test_the_readme_names_the_setup_commands_and_what_ci_runs() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    ci_run = [line.split("<")[0].strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()]
    for command in ["make synth", "make test", *(line for line in ci_run if line.startswith("make "))]:
        assert f"`{command}`" in readme or f"\n{command} " in readme, command


def test_the_layout_names_every_test_folder() -> None:
    folders = {path.name for path in (REPO_ROOT / "tests").iterdir() if (path / "__init__.py").is_file()}
    assert {"apply_rules", "engines", "local", "rehearsal", "terraform"} <= folders
    assert doc_claims.layout_problems((REPO_ROOT / "README.md").read_text(), "tests", folders) == []
    broken = "## Layout\n\n```\nmain.py    the app\ntests/     infra, lambdas,\n           e2e\ndocs/      docs\n```\n"
    assert doc_claims.layout_problems(broken, "tests", {"infra", "e2e", "local"}) == [
        "the layout's tests/ does not name local"
    ]


def test_the_readme_stays_a_front_door() -> None:
    assert len((REPO_ROOT / "README.md").read_text().splitlines()) <= 300


# --- each check, shown failing on wrong text -------------------------------------------------------------------


def test_a_missing_make_target_is_named(known: Facts) -> None:
    assert doc_claims.make_target_problems("Run `make deploy STACK=payment-dev`, then `make smoke`.", known) == []
    problems = doc_claims.make_target_problems(
        "Run `make deploi STACK=payment-dev`.\n\n```sh\nmake synth lint-al\n```", known
    )
    assert problems == [
        "line 1: `make deploi`: no such target in the Makefile",
        "line 4: `make lint-al`: no such target in the Makefile",
    ]
    assert doc_claims.make_target_problems("`make deploy/diff/outptu STACK=x`", known) == [
        "line 1: `make outptu`: no such target in the Makefile"
    ]


def test_a_variable_nothing_reads_is_named(known: Facts) -> None:
    good = "Set `PAYMENT_STATE_BUCKET` (and `PAYMENT_STATE_*`), then `AUTO_APPROVE=1 make deploy`."
    assert doc_claims.variable_problems(good, known) == []
    wrong = (
        "Set `PAYMENT_STATE_BUCKIT`.\n\n```sh\nSKIP_SYNTHS=1 make deploy\n```\n\n| variable |\n|---|\n| `NOT_READ` |"
    )
    assert doc_claims.variable_problems(wrong, known) == [
        "line 1: `PAYMENT_STATE_BUCKIT`: no code, Makefile or workflow reads it",
        "line 4: `SKIP_SYNTHS`: no code, Makefile or workflow reads it",
        "line 9: `NOT_READ`: no code, Makefile or workflow reads it",
    ]
    retired = "The former `PAYMENT_MANAGE_APIGATEWAY_ACCOUNT` switch is gone."
    assert doc_claims.variable_problems(retired, known, "docs/upgrading.md") == []
    assert doc_claims.variable_problems(retired, known, "README.md")


def test_a_missing_path_is_named(known: Facts) -> None:
    good = (
        "See `payment_infra/config/matrix.py`, `constructs/network.py`, `scripts/tf_standin/` and `cdktf.out/stacks/x`."
    )
    assert doc_claims.path_problems(good, known) == []
    wrong = "See `payment_infra/konfig.py` and `docs/nowhere.md`.\n\n```\ntests/\n  apply_ruels/  rules\n```"
    assert doc_claims.path_problems(wrong, known) == [
        "line 1: `payment_infra/konfig.py`: no such file or folder in the repository",
        "line 1: `docs/nowhere.md`: no such file or folder in the repository",
        "line 5: `apply_ruels`: no such file or folder in the repository",
    ]
    # Relative to the document: lambdas/README.md names `payments/functions.py`.
    assert doc_claims.path_problems("`payments/functions.py`", known, "lambdas/README.md") == []
    assert doc_claims.path_problems("`payments/funktions.py`", known, "lambdas/README.md")


def test_a_missing_stack_output_is_named(known: Facts) -> None:
    good = "URL in the stack output `cloudwatch_dashboard_url`; `make output STACK=payment-dev NAME=apigateway_url`."
    assert doc_claims.output_problems(good, known) == []
    wrong = (
        "URL in the stack output `dashboard_url`.\n\n```sh\nmake -s output STACK=payment-dev NAME=sfn_arn\n```\n\n"
        "| output | what |\n|---|---|\n| `apigateway_key` | the key |"
    )
    assert doc_claims.output_problems(wrong, known) == [
        "line 1: `dashboard_url`: no synthesized stack has this output",
        "line 4: `sfn_arn`: no synthesized stack has this output",
        "line 9: `apigateway_key`: no synthesized stack has this output",
    ]


def test_a_broken_link_is_named() -> None:
    text = (
        "# Title\n\n## Two words\n\n[ok](#two-words), [ok](docs/operations.md#first-deploy), [MIT](LICENSE),\n"
        "[web](https://example.org/#x), `[code](nowhere.md)`\n"
    )
    assert doc_claims.link_problems(text, "README.md") == []
    wrong = "# Title\n\n[a](#two-word) [b](docs/nowhere.md) [c](docs/operations.md#no-such-heading)\n"
    assert doc_claims.link_problems(wrong, "README.md") == [
        "line 3: link to #two-word: no heading with the anchor #two-word",
        "line 3: link to docs/nowhere.md: no such file",
        "line 3: link to docs/operations.md#no-such-heading: no heading with the anchor #no-such-heading",
    ]
    # From docs/, a link climbs to the README.
    assert (
        doc_claims.link_problems(
            "[r](../README.md#quick-start-from-clone-to-a-deployed-smoke-tested-dev)", "docs/testing.md"
        )
        == []
    )


def test_anchors_follow_github() -> None:
    text = "## Account baseline (`payment-account`)\n## Engines: cdktf and CDK Terrain\n## CI/CD\n## CI/CD\n"
    assert doc_claims.anchors(text) == {
        "account-baseline-payment-account",
        "engines-cdktf-and-cdk-terrain",
        "cicd",
        "cicd-1",
    }
    assert doc_claims.anchors("```sh\n# a shell comment\n```\n") == set()


def test_makefile_targets_are_read_from_rules_and_phony() -> None:
    makefile = ".PHONY: a b\nsynth: install ## x\n\trecipe: not a rule\nVAR := 1\n$(STAMP): lock\n%.o: %.c\n"
    assert doc_claims.makefile_targets(makefile) == {"a", "b", "synth"}
