"""Terraform core validates and plans every synthesized stack through the stand-in provider (scripts/tf_standin)."""
