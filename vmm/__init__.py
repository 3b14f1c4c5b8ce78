"""A virtual machine monitor on KVM, in Python: the user-space half of a
hypervisor. KVM (the kernel) runs the guest and hands back every exit it
does not handle itself; this package emulates the devices behind them.
`python -m vmm run --help` is the way in; vm.py holds the run loop."""
