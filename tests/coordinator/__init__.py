"""Tests of the parts a unit's coordinator holds, each on its own."""
