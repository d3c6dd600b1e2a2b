"""Test and benchmark helpers: a fault-injecting TCP proxy and a hub served in a thread.

Shipped with the package because bench/ uses them too (the 2G link is the proxy). Only ever binds
127.0.0.1."""
