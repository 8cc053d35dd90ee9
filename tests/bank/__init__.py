"""Tests of the battery bank."""
