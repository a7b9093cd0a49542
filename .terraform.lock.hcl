# The hashicorp/aws provider every synthesized stack is validated with in CI (ci.yml: terraform init
# -backend=false, terraform validate) and that the offline rehearsal installs its stand-in as (scripts/rehearse.py).
# Its version is the one cdktf-cdktf-provider-aws (Pipfile.lock) generates the stacks for (tests/ci/test_provider_lock.py).
# Checksums: run `make provider-lock` on a machine with network access and commit the result.
provider "registry.terraform.io/hashicorp/aws" {
  version     = "6.25.0"
  constraints = "6.25.0"
}
