"""Tests of the Lambda application in lambdas/ (moto, no network)."""
