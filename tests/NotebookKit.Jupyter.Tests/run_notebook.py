"""Runs one notebook in fast mode through nbclient on a Jupyter kernel, as JupyterLab would run it.

usage: run_notebook.py NOTEBOOK EXECUTED_COPY KERNEL_NAME CELL_TIMEOUT_SECONDS
The kernel starts in the notebook's folder, so its relative #r paths resolve as in a front end. Like
papermill, a cell tagged "injected-parameters" after the "parameters" cell sets the fast size. The executed
copy is written even when a cell fails. After every cell, the sockets the kernel's processes listen on are
read (kernel_sockets.py).
Prints one JSON line (times: kernel start, first cell, total); exits 1 on any error output, stderr text or
warning, or a listener beyond loopback.
"""
import json, re, sys, time
from pathlib import Path

import nbformat
import kernel_sockets
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

# Compiler diagnostics as the C# kernel prints them, e.g. "(3,7): warning CS8632: The annotation ...".
WARNING = re.compile(r"\bwarning [A-Z]+\d+\b|\(\d+,\d+\): (warning|error)\b")


def fast_assignment(source):
    """The statement that selects the fast size, for either form of the parameters cell."""
    if re.search(r"\bvar\s+size\s*=", source):
        return 'size = "fast";'
    if re.search(r"\bvar\s+fast\s*=", source):
        return "fast = true;"
    raise SystemExit("the parameters cell declares neither `var size` nor `var fast`")


def inject_fast(nb):
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        raise SystemExit(f"expected one cell tagged 'parameters', found {len(tagged)}")
    params = nb.cells[tagged[0]]
    cell = nbformat.v4.new_code_cell(fast_assignment(params.source))
    cell.metadata.update({key: params.metadata[key] for key in params.metadata if key != "tags"})
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(tagged[0] + 1, cell)


def output_text(output):
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    data = output.get("data", {})
    return data.get("text/plain", "") + data.get("text/html", "")


def problems(nb):
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = output_text(output)
            if output.output_type != "error" and not text.strip():
                continue
            if output.output_type == "error":
                kind = "error"
            elif WARNING.search(text):  # the real kernel prints compiler warnings on stderr
                kind = "warning"
            elif output.output_type == "stream" and output.name == "stderr":
                kind = "stderr"
            else:
                continue
            found.append({"cell": index, "kind": kind, "text": text.strip()[:600]})
    return found


def main(notebook, executed_copy, kernel_name, cell_timeout):
    notebook = Path(notebook).resolve()
    nb = nbformat.read(notebook, as_version=4)
    inject_fast(nb)
    exposed, seen, started = [], set(), {}

    def note_start(cell, cell_index, **_):
        started.setdefault("first", time.monotonic())

    def check_listeners(cell, cell_index, **_):  # after each code cell's reply
        outside = [a for a in kernel_sockets.beyond_loopback(client.km.provisioner.process.pid) if a not in seen]
        seen.update(outside)
        if outside:
            exposed.append({"cell": cell_index, "kind": "listener",
                            "text": "listens on " + ", ".join(outside)})
        started.setdefault("first_done", time.monotonic())

    client = NotebookClient(nb, kernel_name=kernel_name, timeout=int(cell_timeout), startup_timeout=300,
                            allow_errors=False, record_timing=True,
                            on_cell_execute=note_start, on_cell_executed=check_listeners,
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.monotonic()
    failure = None
    try:
        client.execute()
    except CellExecutionError as e:
        failure = str(e).strip().splitlines()[-1][:600] if str(e).strip() else type(e).__name__
    except Exception as e:  # a cell timeout or a dead kernel: still write what ran
        failure = f"{type(e).__name__}: {e}"[:600]
    seconds = time.monotonic() - start
    Path(executed_copy).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, executed_copy)
    found = problems(nb) + exposed
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        found.append({"cell": None, "kind": "invalid nbformat", "text": str(e)[:600]})
    if failure and not found:
        found.append({"cell": None, "kind": "failure", "text": failure})
    kernel_start = started.get("first", start + seconds) - start
    first_cell = started.get("first_done", start + seconds) - started.get("first", start + seconds)
    print(json.dumps({"notebook": notebook.name, "seconds": round(seconds, 1), "kernel_start_seconds":
                      round(kernel_start, 1), "first_cell_seconds": round(first_cell, 1), "problems": found}))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
