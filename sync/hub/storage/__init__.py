"""The hub's database, SQLite or PostgreSQL, each query written once.

records (the values in and out) · interface (HubStore, AdminStore, BatchTransaction) · dialect
(what differs between the two) · schema (the tables, rendered per dialect) · base (what each
database gives the queries) · hub_queries, member_queries, admin_queries, export_queries (the
queries) · sqlite, postgres (+ pg_pool) (connections, transactions, a batch's insert path) ·
open (the store a `--db` names).
"""
