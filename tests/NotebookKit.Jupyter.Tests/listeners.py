"""Starts a Jupyter kernel in a folder, runs one cell, and prints what its process tree listens on.

usage: listeners.py KERNEL_NAME WORKING_DIR   (JUPYTER_PATH selects where the kernelspec is found)
Prints one JSON line: {"listening": [...], "beyond_loopback": [...]}.
"""
import json, sys, time

from jupyter_client.manager import KernelManager

import kernel_sockets


def main(kernel_name, cwd):
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(cwd=cwd)
    try:
        client = km.client()
        client.start_channels()
        client.wait_for_ready(timeout=300)
        reply = client.execute_interactive('Console.WriteLine("ready");', timeout=300)
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"the kernel failed a trivial cell: {reply['content']}")
        time.sleep(2)  # let anything the kernel starts after its first cell bind
        pid = km.provisioner.process.pid
        listening = sorted({kernel_sockets.show(*a) for a in kernel_sockets.listening(pid)})
        outside = kernel_sockets.beyond_loopback(pid)
        client.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    print(json.dumps({"listening": listening, "beyond_loopback": outside}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
