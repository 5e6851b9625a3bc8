"""The edges to the outside: helm and kubectl (the cluster) and the object store.

Nothing else in the package starts a process or opens a connection."""
