"""Apply-time rules: what Terraform and AWS refuse (or silently get wrong) that no schema or checkov check sees.

Convention, one rule per module ``test_<rule>.py``:

- the rule is a plain function ``<rule>(stacks) -> list[str]`` over *all* synthesized stacks
  (``{stack id: parsed cdk.tf.json}``), written over every resource of a type, returning one readable line per
  violation (stack, resource address, what is wrong, what AWS allows);
- ``test_<rule>_holds`` runs it on the real stacks and expects no violation;
- at least one ``test_<rule>_catches_...`` feeds it a small deliberately broken copy (``support.broken``) and
  expects the violation, so no rule is a check that cannot fail.

Where a rule comes from (provider source, AWS docs) is said in the rule's docstring.
"""
