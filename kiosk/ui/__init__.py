"""The volunteer screens: state and actions in plain Python (desk, enroll, roster, bigscreen,
settings, lock); ``view`` draws them with Flet."""
