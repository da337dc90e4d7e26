"""Subcutaneous infusion coding engine, Medicare payment and payer benchmarks."""
