"""Helpers shared by the tests and the benchmarks: ID numbers, real hubs and PostgreSQL servers on 127.0.0.1, a fault-injecting proxy, headless Chromium."""
