"""Executes a notebook with nbclient and the Trellis kernelspec (found through JUPYTER_PATH): run_nbclient.py IN OUT."""
import os
import sys

import nbformat
from nbclient import NotebookClient

source, target = sys.argv[1], sys.argv[2]
nb = nbformat.read(source, as_version=4)
client = NotebookClient(nb, kernel_name="trellis", timeout=600, resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}})
client.execute()
nbformat.write(nb, target)
