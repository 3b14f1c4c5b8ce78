"""ocirun: a small OCI runtime (runtime spec 1.x) on Linux namespaces and
cgroups, for the lab's containers lesson. `containers/ocirun` runs it; its
command line is runc's, so podman (through conmon) can use it."""
